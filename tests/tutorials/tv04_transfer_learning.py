"""The fine-tuning recipe of PyTorch's transfer-learning tutorial, written out for this test: an ImageFolder
per phase ('train', 'val') with a dict of transforms (deterministic ones: the random crop and flip draw from
the libraries' different generators), a dict of DataLoaders and dataset sizes, torchvision's resnet18 built
with weights=None and given deterministic weights (no download), its fc replaced for two classes, the
backbone frozen with requires_grad=False (the "ConvNet as fixed feature extractor" variant), SGD on the fc
only with StepLR, train_model's phase loop with torch.set_grad_enabled, running_corrects via torch.sum and
.double(), and the best weights kept with copy.deepcopy(model.state_dict())."""
import copy
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from PIL import Image
from torch.optim import lr_scheduler
from torchvision import datasets, models, transforms

root = tempfile.mkdtemp(prefix="hymenoptera_")
rng = np.random.default_rng(11)
for phase, count in (("train", 6), ("val", 4)):
    for k, cls in enumerate(("ants", "bees")):
        os.makedirs(os.path.join(root, phase, cls))
        for i in range(count):
            img = rng.integers(0, 160, size=(30 + 2 * i, 36, 3)).astype(np.uint8)
            img[..., k] += 90  # ants redder, bees greener
            Image.fromarray(img).save(os.path.join(root, phase, cls, f"{i}.png"))

data_transforms = {
    'train': transforms.Compose([
        transforms.Resize(40),
        transforms.CenterCrop(32),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    ]),
    'val': transforms.Compose([
        transforms.Resize(36),
        transforms.CenterCrop(32),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    ]),
}
image_datasets = {x: datasets.ImageFolder(os.path.join(root, x), data_transforms[x]) for x in ['train', 'val']}
dataloaders = {x: torch.utils.data.DataLoader(image_datasets[x], batch_size=4, shuffle=False, num_workers=0)
               for x in ['train', 'val']}
dataset_sizes = {x: len(image_datasets[x]) for x in ['train', 'val']}
class_names = image_datasets['train'].classes
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
print(class_names, dataset_sizes)

model_conv = models.resnet18(weights=None)
state = {}
for i, (name, value) in enumerate(model_conv.state_dict().items()):
    r = np.random.default_rng(100 + i)
    shape = tuple(value.shape)
    if name.endswith("num_batches_tracked"):
        state[name] = torch.tensor(0)
    elif name.endswith("running_var") or (len(shape) == 1 and name.endswith("weight")):
        state[name] = torch.from_numpy(r.uniform(0.5, 1.5, shape).astype(np.float32))
    elif len(shape) == 1:
        state[name] = torch.from_numpy((0.05 * r.standard_normal(shape)).astype(np.float32))
    else:
        state[name] = torch.from_numpy((r.standard_normal(shape) / np.sqrt(np.prod(shape[1:]))).astype(np.float32))
model_conv.load_state_dict(state)
for param in model_conv.parameters():
    param.requires_grad = False

# Parameters of newly constructed modules have requires_grad=True by default
num_ftrs = model_conv.fc.in_features
model_conv.fc = nn.Linear(num_ftrs, 2)
with torch.no_grad():
    model_conv.fc.weight.copy_(torch.from_numpy(np.random.default_rng(5).uniform(-0.05, 0.05, (2, num_ftrs)).astype(np.float32)))
    model_conv.fc.bias.zero_()
model_conv = model_conv.to(device)
print(model_conv.fc, sum(p.numel() for p in model_conv.parameters() if p.requires_grad))

criterion = nn.CrossEntropyLoss()
optimizer_conv = optim.SGD(model_conv.fc.parameters(), lr=0.01, momentum=0.9)
exp_lr_scheduler = lr_scheduler.StepLR(optimizer_conv, step_size=2, gamma=0.1)


def train_model(model, criterion, optimizer, scheduler, num_epochs=3):
    best_model_wts = copy.deepcopy(model.state_dict())
    best_acc = 0.0
    history = []
    for epoch in range(num_epochs):
        print(f'Epoch {epoch}/{num_epochs - 1}')
        for phase in ['train', 'val']:
            if phase == 'train':
                model.train()
            else:
                model.eval()
            running_loss = 0.0
            running_corrects = 0
            for inputs, labels in dataloaders[phase]:
                inputs = inputs.to(device)
                labels = labels.to(device)
                optimizer.zero_grad()
                with torch.set_grad_enabled(phase == 'train'):
                    outputs = model(inputs)
                    _, preds = torch.max(outputs, 1)
                    loss = criterion(outputs, labels)
                    if phase == 'train':
                        loss.backward()
                        optimizer.step()
                running_loss += loss.item() * inputs.size(0)
                running_corrects += torch.sum(preds == labels.data)
            if phase == 'train':
                scheduler.step()
            epoch_loss = running_loss / dataset_sizes[phase]
            epoch_acc = running_corrects.double() / dataset_sizes[phase]
            print(f'{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f}')
            history.append([epoch_loss, epoch_acc.item(), optimizer.param_groups[0]['lr']])
            if phase == 'val' and epoch_acc > best_acc:
                best_acc = epoch_acc
                best_model_wts = copy.deepcopy(model.state_dict())
    print(f'Best val Acc: {best_acc:4f}')
    model.load_state_dict(best_model_wts)
    return model, history, float(best_acc)


model_conv, history, best_acc = train_model(model_conv, criterion, optimizer_conv, exp_lr_scheduler, num_epochs=3)
frozen_unchanged = all(torch.equal(model_conv.state_dict()[k], v) for k, v in state.items()
                       if not k.startswith("fc.") and "running" not in k and "num_batches" not in k)
result = {"history": history, "best_acc": best_acc, "fc_weight_sum": model_conv.fc.weight.sum().item(),
          "fc_bias": model_conv.fc.bias.tolist(), "frozen_unchanged": frozen_unchanged,
          "bn1_running_mean": model_conv.bn1.running_mean[:4].tolist(),
          "running_corrects_dtype": str(torch.sum(torch.tensor([True, False]) == torch.tensor([True, True])).dtype).replace("torch.", "").replace("miniconv.", "")}
