"""torchvision tutorial 1: a preprocessing pipeline on PIL images and tensors, then make_grid.

Only deterministic transforms (and the functional forms of the random ones, with fixed parameters),
so both libraries see the same inputs and must print the same numbers."""
import numpy as np
import torch
from PIL import Image
from torchvision import transforms, utils
from torchvision.transforms import functional as F

rng = np.random.default_rng(0)
pictures = [Image.fromarray(rng.integers(0, 256, size=(36 + 4 * i, 44, 3), dtype=np.uint8)) for i in range(4)]

preprocess = transforms.Compose([
    transforms.Resize(40),
    transforms.CenterCrop(32),
    transforms.Pad(2, padding_mode="reflect"),
    transforms.ToTensor(),
    transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
])
batch = torch.stack([preprocess(p) for p in pictures])
print("batch", tuple(batch.shape), f"mean {batch.mean().item():.5f}", f"std {batch.std().item():.5f}")

# what RandomCrop / RandomHorizontalFlip / RandomRotation / ColorJitter do, with the parameters fixed
augmented = []
for k, p in enumerate(pictures):
    x = F.crop(F.pad(p, 4), top=k, left=2 * k, height=32, width=32)
    x = F.hflip(x) if k % 2 else x
    x = F.rotate(x, angle=10.0 * k, interpolation=transforms.InterpolationMode.BILINEAR)
    x = F.adjust_brightness(F.adjust_contrast(x, 0.8), 1.2)
    augmented.append(F.pil_to_tensor(x))
aug = torch.stack(augmented)
print("augmented", tuple(aug.shape), aug.dtype, int(aug.sum().item()))

# the tensor path of the same operations
t = F.convert_image_dtype(aug, torch.float32)
t = F.resize(t, [24, 24], antialias=True)
t = F.affine(t, angle=15.0, translate=[2, -1], scale=1.1, shear=[5.0, 0.0])
gray = F.rgb_to_grayscale(t)
print("tensor path", tuple(t.shape), f"{t.sum().item():.4f}", f"gray {gray.mean().item():.5f}")

grid = utils.make_grid(t, nrow=2, padding=1, normalize=True)
print("grid", tuple(grid.shape), f"{grid.sum().item():.4f}")

result = {
    "batch_mean": batch.mean().item(), "batch_std": batch.std().item(),
    "aug_sum": int(aug.sum().item()), "aug_pixels": [int(v) for v in aug[1, :, 5, 7].tolist()],
    "tensor_sum": t.sum().item(), "gray_mean": gray.mean().item(), "grid_sum": grid.sum().item(),
    "grid_shape": list(grid.shape),
}
