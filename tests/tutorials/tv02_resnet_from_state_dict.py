"""torchvision tutorial 2: build resnet18, load a state_dict, evaluate, then fine-tune a few steps.

The weights come from NumPy (the same on both sides), standing in for a checkpoint trained elsewhere."""
import numpy as np
import torch
import torch.nn as nn
from torchvision import models

torch.manual_seed(0)
model = models.resnet18(num_classes=5)
state = {}
for i, (name, value) in enumerate(model.state_dict().items()):
    rng = np.random.default_rng(i)
    shape = tuple(value.shape)
    if name.endswith("num_batches_tracked"):
        state[name] = torch.tensor(0)
    elif name.endswith("running_var") or (len(shape) == 1 and name.endswith("weight")):
        state[name] = torch.from_numpy(rng.uniform(0.5, 1.5, shape).astype(np.float32))
    elif len(shape) == 1:
        state[name] = torch.from_numpy((0.05 * rng.standard_normal(shape)).astype(np.float32))
    else:
        fan_in = int(np.prod(shape[1:]))
        state[name] = torch.from_numpy((rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32))
model.load_state_dict(state)
print("parameters", sum(p.numel() for p in model.parameters()))

x = torch.from_numpy(np.random.default_rng(1).standard_normal((4, 3, 40, 40)).astype(np.float32))
y = torch.tensor([0, 3, 1, 4])
model.eval()
with torch.no_grad():
    logits = model(x)
print("eval logits", [round(v, 4) for v in logits[0].tolist()])

model.train()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
loss_fn = nn.CrossEntropyLoss()
losses = []
for step in range(3):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    print(f"step {step} loss {loss.item():.5f}")

result = {"eval_logits": logits.flatten().tolist(), "losses": losses,
          "fc_bias": model.fc.bias.detach().tolist(),
          "bn1_running_mean": model.bn1.running_mean[:8].tolist()}
