"""nn.utils.fusion (conv/linear + BatchNorm folding, PyTorch's "Fusing Convolution and Batch Norm"
tutorial), get_total_norm / clip_grads_with_norm_, skip_init: the same code on both libraries."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402
import miniconv.nn.utils.fusion  # noqa: E402,F401
import torch.nn.utils.fusion  # noqa: E402,F401


def copy_into(m, t):
    m.load_state_dict({k: miniconv.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn(bias, transpose):
    out = {}
    torch.manual_seed(0)
    tconv = (torch.nn.ConvTranspose2d(3, 4, 3, bias=bias) if transpose else torch.nn.Conv2d(3, 4, 3, bias=bias))
    tbn = torch.nn.BatchNorm2d(4)
    tbn(tconv(torch.randn(8, 3, 6, 6)))   # running stats
    for lib in (miniconv, torch):
        conv = (lib.nn.ConvTranspose2d(3, 4, 3, bias=bias) if transpose else lib.nn.Conv2d(3, 4, 3, bias=bias))
        bn = lib.nn.BatchNorm2d(4)
        if lib is miniconv:
            copy_into(conv, tconv)
            copy_into(bn, tbn)
        else:
            conv, bn = tconv, tbn
        conv.eval()
        bn.eval()
        fused = lib.nn.utils.fusion.fuse_conv_bn_eval(conv, bn, transpose=transpose)
        x = lib.tensor(np.random.default_rng(1).standard_normal((2, 3, 6, 6)).astype(np.float32))
        out[lib.__name__] = (fused(x).detach().numpy(), bn(conv(x)).detach().numpy(),
                             fused.weight.detach().numpy(), type(fused.weight).__name__, fused.bias.requires_grad)
        with pytest.raises(AssertionError, match="Fusion only for eval!"):
            lib.nn.utils.fusion.fuse_conv_bn_eval(conv.train(), bn)
    m, t = out["miniconv"], out["torch"]
    np.testing.assert_allclose(m[0], t[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(m[0], m[1], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(m[2], t[2], rtol=1e-5, atol=1e-6)
    assert m[3] == t[3] == "Parameter" and m[4] == t[4]


def test_fuse_linear_bn():
    torch.manual_seed(0)
    tl, tbn = torch.nn.Linear(5, 3), torch.nn.BatchNorm1d(3)
    tbn(tl(torch.randn(16, 5)))
    ml, mbn = miniconv.nn.Linear(5, 3), miniconv.nn.BatchNorm1d(3)
    copy_into(ml, tl)
    copy_into(mbn, tbn)
    x = np.random.default_rng(2).standard_normal((4, 5)).astype(np.float32)
    mf = miniconv.nn.utils.fuse_linear_bn_eval(ml.eval(), mbn.eval())
    tf = torch.nn.utils.fuse_linear_bn_eval(tl.eval(), tbn.eval())
    np.testing.assert_allclose(mf(miniconv.tensor(x)).detach().numpy(), tf(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    for lib, lin in ((miniconv, miniconv.nn.Linear(5, 4)), (torch, torch.nn.Linear(5, 4))):
        with pytest.raises(AssertionError, match="To fuse, linear.out_features == bn.num_features"):
            lib.nn.utils.fuse_linear_bn_eval(lin.eval(), lib.nn.BatchNorm1d(3).eval())


def test_total_norm_and_clip_with_norm():
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (5,), (2, 2, 2))]
    res = {}
    for lib in (miniconv, torch):
        params = [lib.zeros(g.shape, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g)
        norms = [float(lib.nn.utils.get_total_norm([p.grad for p in params], nt)) for nt in (2.0, 1.0, float("inf"))]
        total = lib.nn.utils.get_total_norm([p.grad for p in params])
        lib.nn.utils.clip_grads_with_norm_(params, 1.0, total)
        res[lib.__name__] = (norms, [p.grad.numpy() for p in params])
        with pytest.raises(RuntimeError, match="is non-finite"):
            lib.nn.utils.get_total_norm([lib.tensor([float("inf")])], error_if_nonfinite=True)
    np.testing.assert_allclose(res["miniconv"][0], res["torch"][0], rtol=1e-6)
    for a, b in zip(res["miniconv"][1], res["torch"][1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_skip_init():
    m = miniconv.nn.utils.skip_init(miniconv.nn.Linear, 6, 1)
    assert tuple(m.weight.shape) == (1, 6) and isinstance(m, miniconv.nn.Linear)
    for lib in (miniconv, torch):
        with pytest.raises(RuntimeError, match="Expected a Module"):
            lib.nn.utils.skip_init(int)
