"""torchvision tutorial 3: an ImageFolder of PNG files, transforms, and a DataLoader."""
import os
import tempfile

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

root = tempfile.mkdtemp(prefix="imagefolder_")
rng = np.random.default_rng(3)
for cls, count in (("cats", 3), ("dogs", 2), ("owls", 3)):
    os.makedirs(os.path.join(root, cls))
    for i in range(count):
        size = (20 + 3 * i, 26)
        Image.fromarray(rng.integers(0, 256, size=size + (3,), dtype=np.uint8)).save(
            os.path.join(root, cls, f"{i}.png"))

tf = transforms.Compose([transforms.Resize((16, 16)), transforms.Grayscale(num_output_channels=3),
                         transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
ds = datasets.ImageFolder(root, transform=tf)
print("classes", ds.classes, ds.class_to_idx, "samples", len(ds))
loader = DataLoader(ds, batch_size=3, shuffle=False)
sums, labels = [], []
for images, targets in loader:
    sums.append(images.sum().item())
    labels += targets.tolist()
    print("batch", tuple(images.shape), targets.tolist(), f"{images.sum().item():.4f}")

result = {"classes": ds.classes, "n": len(ds), "labels": labels, "batch_sums": sums,
          "files": [os.path.relpath(p, root) for p, _ in ds.samples]}
