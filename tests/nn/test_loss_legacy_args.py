"""The loss functions and Modules take PyTorch's full signatures: the deprecated ``size_average`` /
``reduce`` pair in PyTorch's positions (old tutorials call ``F.nll_loss(output, target,
size_average=False)``), the 2.x ``weight`` of mse_loss / l1_loss / huber_loss, and kl_div's warning
about reduction='mean'. Values, gradients, warnings and errors are compared with PyTorch."""
import inspect
import warnings

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

LEGACY = [(None, None), (False, None), (True, None), (None, False), (None, True), (False, False), (True, True),
          (False, True), (True, False)]
FUNCS = ["nll_loss", "cross_entropy", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
         "binary_cross_entropy_with_logits", "kl_div"]
MODULES = ["NLLLoss", "CrossEntropyLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss",
           "BCEWithLogitsLoss", "KLDivLoss"]


def _inputs(lib, fn):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    if fn in ("nll_loss",):
        x = x - np.log(np.exp(x).sum(1, keepdims=True))
    if fn == "binary_cross_entropy":
        x = 1 / (1 + np.exp(-x))
    if fn == "kl_div":
        x = np.log(np.abs(x) + 0.1)
    if fn in ("nll_loss", "cross_entropy"):
        t = lib.tensor([0, 3, 1, 4])
    elif fn in ("binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"):
        t = lib.tensor(rng.uniform(0.05, 1, (4, 5)).astype(np.float32))
    else:
        t = lib.tensor(rng.standard_normal((4, 5)).astype(np.float32))
    return lib.tensor(x, requires_grad=True), t


@pytest.mark.parametrize("name", FUNCS + MODULES)
def test_signatures_match(name):
    ns = ("nn.functional" if name in FUNCS else "nn").split(".")
    ours, theirs = miniconv, torch
    for part in ns:
        ours, theirs = getattr(ours, part), getattr(theirs, part)
    p_ours = list(inspect.signature(getattr(ours, name)).parameters)
    p_theirs = list(inspect.signature(getattr(theirs, name)).parameters)
    assert p_ours == p_theirs


def _run(lib, fn, kwargs, module):
    x, t = _inputs(lib, fn)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        if module:
            out = getattr(lib.nn, module)(**kwargs)(x, t)
        else:
            out = getattr(lib.nn.functional, fn)(x, t, **kwargs)
    (out.sum() if out.ndim else out).backward()
    msgs = sorted(str(m.message) for m in w)
    return out.detach().numpy(), x.grad.numpy(), msgs


@pytest.mark.parametrize("fn,module", [p for p in zip(FUNCS, MODULES) if p[0] != "huber_loss"])  # no legacy args
@pytest.mark.parametrize("size_average,reduce", LEGACY)
@pytest.mark.parametrize("as_module", [False, True])
@pytest.mark.filterwarnings("ignore")
def test_legacy_reduction_args(fn, module, size_average, reduce, as_module):
    kwargs = {}
    if size_average is not None:
        kwargs["size_average"] = size_average
    if reduce is not None:
        kwargs["reduce"] = reduce
    ours = _run(miniconv, fn, kwargs, module if as_module else None)
    theirs = _run(torch, fn, kwargs, module if as_module else None)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-6)
    assert ours[2] == theirs[2]
    if as_module:
        warnings.simplefilter("ignore")
        assert getattr(miniconv.nn, module)(**kwargs).reduction == getattr(torch.nn, module)(**kwargs).reduction


def test_positional_legacy_args():
    """The positions are PyTorch's: nll_loss(input, target, weight, size_average, ignore_index, reduce)."""
    res = []
    for lib in (miniconv, torch):
        x, t = _inputs(lib, "nll_loss")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = lib.nn.functional.nll_loss(x, t, None, False, 3)  # sum, class 3 ignored
            b = lib.nn.functional.mse_loss(x, x.detach() * 0.5, None, False)  # no reduction
            c = lib.nn.NLLLoss(None, False, 1)(x, t)
        res.append([a.item(), b.detach().numpy(), c.item()])
    for u, v in zip(*res):
        np.testing.assert_allclose(u, v, rtol=1e-6)


@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_weighted_pointwise_losses(fn, reduction):
    res = []
    for lib in (miniconv, torch):
        x, t = _inputs(lib, fn)
        w = lib.tensor(np.random.default_rng(1).uniform(0, 2, (4, 5)).astype(np.float32), requires_grad=True)
        out = getattr(lib.nn.functional, fn)(x, t, reduction=reduction, weight=w)
        (out.sum() if out.ndim else out).backward()
        res.append([out.detach().numpy(), x.grad.numpy(), w.grad.numpy()])
    for u, v in zip(*res):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_pointwise_loss_errors(fn):
    for bad in ({"weight": "shape"}, {"reduction": "avg"}):
        errs = []
        for lib in (miniconv, torch):
            x, t = _inputs(lib, fn)
            w = lib.ones(4, 5) if bad.get("weight") is None else lib.ones(5)
            with pytest.raises(ValueError) as e:
                getattr(lib.nn.functional, fn)(x, t, reduction=bad.get("reduction", "mean"), weight=w)
            errs.append(str(e.value))
        assert errs[0] == errs[1]


def test_kl_div_mean_warns_as_pytorch():
    msgs = []
    for lib in (miniconv, torch):
        x, t = _inputs(lib, "kl_div")
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.nn.functional.kl_div(x, t)
            lib.nn.functional.kl_div(x, t, reduction="batchmean")
            lib.nn.KLDivLoss()(x, t)
            lib.kl_div(x, t, 1)  # the ATen form stays silent
        msgs.append([str(m.message) for m in w])
    assert msgs[0] == msgs[1] and len(msgs[0]) == 2
