"""Helpers for the kuangliu/pytorch-cifar scripts (t111-t113; no torch import here: the library comes in as
``lib``, so the same file serves both runs): a CIFAR-shaped batch normalised as the repo's main.py does, and
one iteration of main.py's train() loop body (SGD lr 0.1, momentum 0.9, weight decay 5e-4) with what the
scripts record.

For some nets the iteration runs twice from the same starting weights (``float64_step``): in float32 (as
main.py runs) the recorded values are the logits, the loss and the classifier's gradient norms; the rest
(every parameter's gradient norm, the loss after the step, eval-mode logits with the updated running
statistics) comes from a float64 copy: with a batch of 2, BatchNorm's backward through dozens of layers
and an lr-0.1 step amplify float32 round-off so that PyTorch's own float32 values differ from its float64 ones by more than the suite's tolerance (measured for
GoogLeNet, DPN26, ShuffleNetV2, MobileNet(V2), PNASNetB: up to 0.6 % in early gradient norms, 4 % in the
post-step loss), while in float64 the two libraries agree to ~1e-12."""
import copy

import numpy as np

from _vision_helpers import cifar_like

MEAN = np.array((0.4914, 0.4822, 0.4465), np.float32)[:, None, None]  # main.py's transforms.Normalize
STD = np.array((0.2023, 0.1994, 0.2010), np.float32)[:, None, None]


def cifar_batch(lib, n=2, seed=0):
    x, y = cifar_like(n, seed=seed)
    return lib.from_numpy((x - MEAN) / STD), lib.from_numpy(y)


def _iteration(lib, net, inputs, targets, lr):
    """main.py: criterion = nn.CrossEntropyLoss(); optimizer = optim.SGD(net.parameters(), lr=args.lr,
    momentum=0.9, weight_decay=5e-4); then the body of train()'s loop, once."""
    criterion = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(net.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
    net.train()
    optimizer.zero_grad()
    outputs = net(inputs)
    loss = criterion(outputs, targets)
    loss.backward()
    grad_norms = [-1.0 if p.grad is None else p.grad.norm().item() for p in net.parameters()]  # -1: unused
    optimizer.step()
    _, predicted = outputs.max(1)
    return criterion, outputs, loss, predicted, grad_norms


def train_step(lib, net, inputs, targets, lr=0.1, float64_step=False):
    """One iteration of main.py's loop on ``net`` (float32), recording the logits, loss, gradient norms, the
    loss after the step and eval-mode logits. With ``float64_step`` (the ill-conditioned nets) the float32
    run records only the logits, loss and classifier gradient norms, and the rest comes from a float64 copy
    of the starting weights."""
    net64 = copy.deepcopy(net).double() if float64_step else None
    criterion, outputs, loss, predicted, grad_norms = _iteration(lib, net, inputs, targets, lr)
    rec = {"outputs": outputs.tolist(), "loss": loss.item(), "predicted": predicted.tolist(),
           "n_params": sum(p.numel() for p in net.parameters())}
    if float64_step:
        rec["classifier_grad_norms"] = grad_norms[-2:]
        net, inputs = net64, inputs.double()
        criterion, outputs, loss, _, grad_norms = _iteration(lib, net, inputs, targets, lr)
        rec.update(outputs64=outputs.tolist(), loss64=loss.item())
    rec["grad_norms"] = grad_norms
    with lib.no_grad():
        rec["loss_after"] = criterion(net(inputs), targets).item()
        net.eval()
        rec["eval_outputs"] = net(inputs).tolist()
    return rec
