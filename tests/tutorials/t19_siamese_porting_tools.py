"""Siamese network (pytorch/examples/siamese_network), small, plus the porting tools scripts use around it:
torch.compile(model), torch.utils.checkpoint in forward_once, nn.utils.parametrizations.weight_norm and
spectral_norm, torch.testing.assert_close, F.pairwise_distance contrastive loss, TripletMarginLoss,
BCEWithLogitsLoss, Adadelta + StepLR, torch.where predictions and an optim.swa_utils.AveragedModel."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.optim.swa_utils import AveragedModel
from torch.utils.checkpoint import checkpoint
from torch.nn.utils.parametrizations import spectral_norm, weight_norm

from _helpers import mnist_subset, numpy_weights


class SiameseNetwork(nn.Module):
    def __init__(self):
        super(SiameseNetwork, self).__init__()
        self.features = nn.Sequential(
            spectral_norm(nn.Conv2d(1, 8, 5, stride=2)), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3), nn.BatchNorm2d(16), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)))
        self.fc_in_features = 16
        self.fc = nn.Sequential(weight_norm(nn.Linear(self.fc_in_features * 2, 32)), nn.ReLU(inplace=True),
                                nn.Linear(32, 1))
        self.sigmoid = nn.Sigmoid()
        self.fc.apply(self.init_weights)

    def init_weights(self, m):
        if isinstance(m, nn.Linear):
            m.bias.data.fill_(0.01)

    def forward_once(self, x):
        output = checkpoint(self.features, x, use_reentrant=False)
        output = output.view(output.size()[0], -1)
        return output

    def forward(self, input1, input2):
        output1 = self.forward_once(input1)
        output2 = self.forward_once(input2)
        output = torch.cat((output1, output2), 1)
        output = self.fc(output)
        return self.sigmoid(output), output, output1, output2


def make_pairs(x, y, rng, n):
    idx1 = rng.integers(0, len(x), n)
    same = rng.random(n) < 0.5
    idx2 = np.array([rng.choice(np.flatnonzero(y == y[i])) if s else rng.choice(np.flatnonzero(y != y[i]))
                     for i, s in zip(idx1, same)])
    return x[idx1], x[idx2], same.astype(np.float32), idx1


rng = np.random.default_rng(12)
x_train, y_train, x_test, y_test = mnist_subset(300, 100)
a_tr, b_tr, t_tr, i_tr = make_pairs(x_train, y_train, rng, 96)
a_te, b_te, t_te, _ = make_pairs(x_test, y_test, rng, 48)

model = SiameseNetwork()
with torch.no_grad():
    named = list(model.named_parameters())
    for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=61)):
        p.copy_(torch.from_numpy(w))
    model.features[0].parametrizations.weight[0]._u.copy_(torch.ones(8) / 8 ** 0.5)  # the power-iteration start
    model.features[0].parametrizations.weight[0]._v.copy_(torch.ones(25) / 5.0)
print(model)
cmodel = torch.compile(model, backend="eager")  # PyTorch's inductor would take a minute to compile here
optimizer = optim.Adadelta(cmodel.parameters(), lr=1.0)
scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
criterion = nn.BCELoss()
logit_criterion = nn.BCEWithLogitsLoss()
triplet = nn.TripletMarginLoss(margin=1.0, p=2)
swa_model = AveragedModel(model)

history = []
for epoch in range(2):
    cmodel.train()
    for i in range(0, 96, 16):
        images_1, images_2 = torch.from_numpy(a_tr[i:i + 16]), torch.from_numpy(b_tr[i:i + 16])
        targets = torch.from_numpy(t_tr[i:i + 16])
        optimizer.zero_grad()
        outputs, logits, e1, e2 = cmodel(images_1, images_2)
        loss = criterion(outputs.squeeze(), targets)
        torch.testing.assert_close(logit_criterion(logits.squeeze(), targets), loss, rtol=1e-4, atol=1e-5)
        dist = F.pairwise_distance(e1, e2)
        contrastive = (targets * dist.pow(2) + (1 - targets) * F.relu(1.0 - dist).pow(2)).mean()
        anchor, positive, negative = e1[:8], e1[:8] + 0.1 * e2[:8], e2[8:16]
        total = loss + 0.1 * contrastive + 0.1 * triplet(anchor, positive, negative)
        total.backward()
        optimizer.step()
        history.append([loss.item(), contrastive.item(), total.item()])
    swa_model.update_parameters(model)
    scheduler.step()

cmodel.eval()
correct = 0
with torch.no_grad():
    outputs, _, _, _ = cmodel(torch.from_numpy(a_te), torch.from_numpy(b_te))
    plain, _, _, _ = model(torch.from_numpy(a_te), torch.from_numpy(b_te))
    torch.testing.assert_close(outputs, plain)  # compile changes nothing
    pred = torch.where(outputs > 0.5, 1, 0)
    targets = torch.from_numpy(t_te)
    correct += pred.eq(targets.view_as(pred)).sum().item()
    swa_out, _, _, _ = swa_model(torch.from_numpy(a_te), torch.from_numpy(b_te))
try:
    torch.testing.assert_close(outputs, plain + 1e-3)
    mismatch = "none"
except AssertionError as e:
    mismatch = str(e).splitlines()[2]

result = {"history": history, "accuracy": correct / len(t_te), "lr": scheduler.get_last_lr()[0],
          "state_keys": sorted(cmodel.state_dict())[:6], "mismatch": mismatch, "swa_mean": swa_out.mean().item(),
          "n_averaged": int(swa_model.n_averaged),
          "sigma_u": model.features[0].parametrizations.weight[0]._u.tolist()}
