"""New nn modules, functional forms, losses and nn.utils (issue 9), compared with PyTorch: the
module gets PyTorch's initial parameters, then outputs and all gradients must agree."""
import warnings

import numpy as np
import pytest

import miniconv as mc

torch = pytest.importorskip("torch")

rng = np.random.default_rng(1)


def _copy_params(mc_mod, t_mod):
    tp = dict(t_mod.named_parameters())
    for name, p in mc_mod.named_parameters():
        p._data[...] = tp[name].detach().numpy()


def check_module(make, x, target=None, atol=1e-5):
    t_mod, m_mod = make(torch), make(mc)
    _copy_params(m_mod, t_mod)
    outs, grads = [], []
    for lib, mod in ((torch, t_mod), (mc, m_mod)):
        x32 = x.astype(np.float32) if x.dtype.kind == "f" else x
        xi = lib.tensor(x32.copy(), requires_grad=x.dtype.kind == "f")
        tg = None if target is None else target.astype(np.float32) if target.dtype.kind == "f" else target
        out = mod(xi) if target is None else mod(xi, lib.tensor(tg))
        w = lib.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)), dtype=out.dtype)
        (out * w).sum().backward()
        outs.append(out.detach().numpy())
        grads.append([xi.grad.numpy() if xi.grad is not None else None] +
                     [p.grad.numpy() for _, p in mod.named_parameters()])
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-5, atol=atol)
    for gm, gt in zip(grads[1], grads[0]):
        if gt is None:
            assert gm is None
        else:
            np.testing.assert_allclose(gm, gt, rtol=1e-4, atol=atol)
    assert repr(m_mod).replace("miniconv", "torch") == repr(t_mod)


X4 = rng.standard_normal((2, 4, 5, 6))
X2 = rng.standard_normal((3, 5))
X3 = rng.standard_normal((2, 4, 9))

MODULES = [
    (lambda nn: nn.ELU(), X2), (lambda nn: nn.ELU(alpha=0.5), X2), (lambda nn: nn.GELU(), X2),
    (lambda nn: nn.GELU(approximate="tanh"), X2), (lambda nn: nn.SiLU(), X2), (lambda nn: nn.Softplus(), X2),
    (lambda nn: nn.Hardtanh(-0.5, 0.5), X2), (lambda nn: nn.ReLU6(), X2 * 8), (lambda nn: nn.Mish(), X2),
    (lambda nn: nn.Softsign(), X2), (lambda nn: nn.Sigmoid(), X2), (lambda nn: nn.Tanh(), X2),
    (lambda nn: nn.LeakyReLU(0.2), X2), (lambda nn: nn.Softmax(dim=1), X2), (lambda nn: nn.LogSoftmax(1), X2),
    (lambda nn: nn.Identity(), X2), (lambda nn: nn.Unflatten(1, (1, 5)), X2),
    (lambda nn: nn.LayerNorm(5), X2), (lambda nn: nn.LayerNorm((5, 6)), X4),
    (lambda nn: nn.LayerNorm(6, elementwise_affine=False), X4), (lambda nn: nn.GroupNorm(2, 4), X4),
    (lambda nn: nn.GroupNorm(1, 4, affine=False), X4), (lambda nn: nn.InstanceNorm2d(4), X4),
    (lambda nn: nn.InstanceNorm2d(4, affine=True), X4), (lambda nn: nn.InstanceNorm1d(4), X3),
    (lambda nn: nn.BatchNorm1d(5), X2), (lambda nn: nn.AvgPool2d(2), X4), (lambda nn: nn.AdaptiveAvgPool2d((2, 3)), X4),
    (lambda nn: nn.AdaptiveMaxPool2d((2, 3)), X4), (lambda nn: nn.AdaptiveMaxPool2d(1), X4),
    (lambda nn: nn.AdaptiveMaxPool2d((4, None)), X4),
    (lambda nn: nn.Conv1d(4, 3, 3), X3), (lambda nn: nn.Conv1d(4, 6, 2, stride=2, padding=1, dilation=2, groups=2), X3),
    (lambda nn: nn.Conv1d(4, 3, 3, padding="same", bias=False), X3),
    (lambda nn: nn.ConvTranspose2d(4, 3, 3), X4), (lambda nn: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1), X4),
    (lambda nn: nn.ConvTranspose2d(4, 2, (2, 3), stride=(2, 1), padding=(0, 2), output_padding=(1, 0)), X4),
    (lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2, dilation=2, bias=False), X4),
    (lambda nn: nn.ConvTranspose2d(4, 4, 4, stride=2, padding=1), X4),
    (lambda nn: nn.Dropout(0.0), X2), (lambda nn: nn.Linear(5, 2), X2),
]


@pytest.mark.parametrize("i", range(len(MODULES)))
def test_module_matches_torch(i):
    make, x = MODULES[i]
    check_module(lambda lib: make(lib.nn), x)


def test_embedding():
    idx = np.array([[1, 2, 0], [4, 0, 9]])
    for pad in (None, 0):
        check_module(lambda lib: lib.nn.Embedding(10, 3, padding_idx=pad), idx)
    for lib in (mc, torch):
        e = lib.nn.Embedding(5, 2, padding_idx=1)
        assert e.weight[1].abs().sum().item() == 0
        pre = lib.nn.Embedding.from_pretrained(lib.ones(3, 2))
        assert pre.weight.requires_grad is False
        with pytest.raises(IndexError):
            e(lib.tensor([5]))


T2 = rng.standard_normal((3, 5))
PROB = rng.uniform(0.05, 0.95, (3, 5))
BIN = (rng.uniform(size=(3, 5)) > 0.5).astype(np.float64)
LOSSES = [
    (lambda nn: nn.L1Loss(), X2, T2), (lambda nn: nn.L1Loss(reduction="sum"), X2, T2),
    (lambda nn: nn.SmoothL1Loss(), X2, T2), (lambda nn: nn.SmoothL1Loss(beta=0.5, reduction="none"), X2, T2),
    (lambda nn: nn.SmoothL1Loss(beta=0.0), X2, T2),
    (lambda nn: nn.HuberLoss(), X2 * 2, T2), (lambda nn: nn.HuberLoss(delta=0.3, reduction="sum"), X2, T2),
    (lambda nn: nn.BCELoss(), PROB, BIN), (lambda nn: nn.BCELoss(reduction="none"), PROB, PROB[::-1].copy()),
    (lambda nn: nn.BCEWithLogitsLoss(), X2 * 5, BIN), (lambda nn: nn.BCEWithLogitsLoss(reduction="sum"), X2, PROB),
    (lambda nn: nn.KLDivLoss(reduction="batchmean"), np.log(PROB), PROB),
    (lambda nn: nn.KLDivLoss(reduction="sum", log_target=True), np.log(PROB), np.log(PROB[::-1].copy())),
    (lambda nn: nn.KLDivLoss(reduction="none"), np.log(PROB), np.where(BIN > 0, PROB, 0.0)),
    (lambda nn: nn.MSELoss(), X2, T2), (lambda nn: nn.NLLLoss(), np.log(PROB), np.array([0, 3, 4])),
    (lambda nn: nn.CrossEntropyLoss(), X2, np.array([1, 2, 4])),
]


@pytest.mark.parametrize("i", range(len(LOSSES)))
def test_loss_matches_torch(i):
    make, x, t = LOSSES[i]
    check_module(lambda lib: make(lib.nn), x, t)


def test_bce_with_logits_weights():
    for kw in ({"pos_weight": np.array([1.0, 2.0, 0.5, 3.0, 1.0])}, {"weight": np.array([0.5, 1, 1, 2, 1.0])}):
        check_module(lambda lib: lib.nn.BCEWithLogitsLoss(**{k: lib.tensor(v, dtype=lib.float32) for k, v in kw.items()}),
                     X2, BIN)


LOSS_ERRORS = [
    lambda lib: lib.nn.BCELoss()(lib.tensor([1.5]), lib.tensor([1.0])),
    lambda lib: lib.nn.BCELoss()(lib.tensor([[0.5]]), lib.tensor([1.0])),
    lambda lib: lib.nn.BCEWithLogitsLoss()(lib.tensor([[0.5]]), lib.tensor([1.0])),
    # (PyTorch checks these when called; miniconv's constructors already refuse them, with the same class)
    lambda lib: lib.nn.L1Loss(reduction="avg")(lib.ones(2), lib.ones(2)),
    lambda lib: lib.nn.KLDivLoss(reduction="x")(lib.ones(2), lib.ones(2)),
    lambda lib: lib.nn.functional.huber_loss(lib.ones(2), lib.ones(2), delta=-1.0),
    lambda lib: lib.nn.functional.smooth_l1_loss(lib.ones(2), lib.ones(2), beta=-1.0),
    lambda lib: lib.nn.GroupNorm(3, 4), lambda lib: lib.nn.functional.group_norm(lib.ones(2, 4, 3), 3),
    lambda lib: lib.nn.functional.layer_norm(lib.ones(2, 4), (3,)), lambda lib: lib.nn.GELU(approximate="x")(lib.ones(2)),
    lambda lib: lib.nn.ConvTranspose2d(4, 2, 3, padding_mode="reflect"), lambda lib: lib.nn.Conv1d(3, 2, 2, groups=2),
    lambda lib: lib.nn.functional.conv1d(lib.ones(2, 3, 4, 5), lib.ones(2, 3, 2)),
    lambda lib: lib.nn.functional.embedding(lib.tensor([1.0]), lib.ones(3, 2)),
    lambda lib: lib.nn.Hardtanh(1.0, -1.0),
]


@pytest.mark.parametrize("i", range(len(LOSS_ERRORS)))
def test_errors_match_torch_class(i):
    with pytest.raises(Exception) as et:
        LOSS_ERRORS[i](torch)
    with pytest.raises(type(et.value)):
        LOSS_ERRORS[i](mc)


def test_l1_broadcast_warns_like_torch():
    for lib in (mc, torch):
        with pytest.warns(UserWarning, match="different to the input size"):
            lib.nn.functional.l1_loss(lib.ones(2, 3), lib.ones(3))


def test_containers():
    for lib in (mc, torch):
        nn = lib.nn
        d = nn.ModuleDict({"a": nn.Linear(2, 3), "b": nn.ReLU()})
        d["c"] = nn.Linear(3, 1)
        assert list(d.keys()) == ["a", "b", "c"] and "b" in d and len(d) == 3
        assert len(list(d.parameters())) == 4
        pl = nn.ParameterList([nn.Parameter(lib.ones(2)), lib.zeros(3)])
        pl.append(nn.Parameter(lib.ones(1)))
        assert len(pl) == 3 and isinstance(pl[1], nn.Parameter) and len(list(pl.parameters())) == 3
        pd = nn.ParameterDict({"w": nn.Parameter(lib.ones(2))})
        assert "w" in pd and len(list(pd.parameters())) == 1

        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = nn.ModuleDict({"x": nn.Linear(2, 2)})
                self.extra = nn.ParameterList([nn.Parameter(lib.ones(2))])

        assert sorted(k for k, _ in M().named_parameters()) == ["blocks.x.bias", "blocks.x.weight", "extra.0"]


def test_clip_grad_and_vectors():
    res = {}
    base = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    grads = [rng.standard_normal((3, 4)) * 3, rng.standard_normal(5) * 3]
    for lib in (mc, torch):
        out = []
        for fn in (lambda ps: lib.nn.utils.clip_grad_norm_(ps, 1.0),
                   lambda ps: lib.nn.utils.clip_grad_norm_(ps, 2.0, norm_type=1),
                   lambda ps: lib.nn.utils.clip_grad_norm_(ps, 0.5, norm_type=float("inf")),
                   lambda ps: lib.nn.utils.clip_grad_norm_(ps, 100.0),
                   lambda ps: lib.nn.utils.clip_grad_value_(ps, 0.7)):
            ps = [lib.nn.Parameter(lib.tensor(b)) for b in base]
            for p, g in zip(ps, grads):
                p.grad = lib.tensor(g)
            total = fn(ps)
            out.append((None if total is None else float(total), [p.grad.numpy().copy() for p in ps]))
        ps = [lib.nn.Parameter(lib.tensor(b)) for b in base]
        v = lib.nn.utils.parameters_to_vector(ps)
        lib.nn.utils.vector_to_parameters(v * 2, ps)
        out.append((float(v.detach().sum()), [p.detach().numpy().copy() for p in ps]))
        res[lib.__name__] = out
    for (tm, gm), (tt, gt) in zip(res["miniconv"], res["torch"]):
        if tt is not None:
            assert tm == pytest.approx(tt, rel=1e-6)
        for a, b in zip(gm, gt):
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_functional_forms_exist_and_match():
    x = rng.standard_normal((2, 3, 4, 4))
    for fn in (lambda F, t: F.elu(t), lambda F, t: F.gelu(t), lambda F, t: F.silu(t), lambda F, t: F.softplus(t, beta=2),
               lambda F, t: F.layer_norm(t, (4,)), lambda F, t: F.group_norm(t, 3), lambda F, t: F.instance_norm(t),
               lambda F, t: F.adaptive_max_pool2d(t, 2), lambda F, t: F.relu6(t * 10), lambda F, t: F.hardtanh(t)):
        a = fn(mc.nn.functional, mc.tensor(x)).numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            b = fn(torch.nn.functional, torch.tensor(x)).numpy()
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kw", [dict(stride=(1, 1, 1)), dict(stride=1.5), dict(dilation=True), dict(padding=[1, 2, 3]),
                                dict(stride="2")])
def test_conv_module_and_functional_word_a_mistake_alike(kw):
    """As PyTorch, the module passes these on and its forward's F.conv2d raises: the same class from both (the
    same message for the tuple lengths; a type error names the argument as given, as PyTorch's does)."""
    with pytest.raises(Exception) as e1:
        mc.nn.Conv2d(2, 3, 3, **kw)(mc.ones(1, 2, 5, 5))
    with pytest.raises(Exception) as e2:
        mc.nn.functional.conv2d(mc.ones(1, 2, 5, 5), mc.ones(3, 2, 3, 3), **kw)
    assert type(e1.value) is type(e2.value)
    if isinstance(e1.value, RuntimeError):
        assert str(e1.value) == str(e2.value)


def test_one_hot_normalize_cosine_similarity_inference_mode():
    idx = np.array([[0, 2], [1, 3]])
    for nc in (-1, 5):
        a = mc.nn.functional.one_hot(mc.tensor(idx), nc)
        b = torch.nn.functional.one_hot(torch.tensor(idx), nc)
        assert a.dtype == mc.int64 and a.tolist() == b.tolist()
    for bad in (lambda lib: lib.nn.functional.one_hot(lib.tensor([3]), 2),
                lambda lib: lib.nn.functional.one_hot(lib.tensor([1.0]))):
        with pytest.raises(RuntimeError):
            bad(torch)
        with pytest.raises(RuntimeError):
            bad(mc)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x[1] = 0.0
    for fn in (lambda F, a, b: F.normalize(a), lambda F, a, b: F.normalize(a, p=1, dim=0),
               lambda F, a, b: F.cosine_similarity(a, b), lambda F, a, b: F.cosine_similarity(a, b[:1], dim=1)):
        got = []
        for lib in (mc, torch):
            a = lib.tensor(x, requires_grad=True)
            b = lib.tensor(y, requires_grad=True)
            out = fn(lib.nn.functional, a, b)
            (out * lib.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)))).sum().backward()
            got.append((out.detach().numpy(), a.grad.numpy(), b.grad.numpy() if b.grad is not None else 0))
        for m, t in zip(*got):
            np.testing.assert_allclose(m, t, rtol=1e-6, atol=1e-9)
    for lib in (mc, torch):
        w = lib.ones(2, requires_grad=True)
        with lib.inference_mode():
            assert (w * 2).requires_grad is False

        @lib.inference_mode()
        def f(v):
            return v * 3

        assert f(w).requires_grad is False
        with lib.inference_mode(False):
            assert (w * 2).requires_grad is True
