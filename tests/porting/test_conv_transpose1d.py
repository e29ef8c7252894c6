"""ConvTranspose1d / F.conv_transpose1d / torch.conv_transpose1d and ConvTranspose*d(output_size=...) against
PyTorch: values, gradients, parameter shapes, repr and errors."""
import numpy as np
import pytest

import miniconv
from oracle import assert_same

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)


@pytest.mark.parametrize("cfg", [
    dict(stride=1, padding=0, output_padding=0, groups=1, dilation=1),
    dict(stride=2, padding=1, output_padding=1, groups=1, dilation=1),
    dict(stride=3, padding=2, output_padding=0, groups=2, dilation=2),
    dict(stride=2, padding=0, output_padding=1, groups=1, dilation=3),
])
@pytest.mark.parametrize("batched", [True, False])
def test_functional_values_and_grads(cfg, batched):
    x = rng.standard_normal((2, 4, 7) if batched else (4, 7)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3)).astype(np.float32)
    b = rng.standard_normal(3 * cfg["groups"]).astype(np.float32)

    def fn(lib):
        xt = lib.tensor(x, requires_grad=True)
        wt = lib.tensor(w, requires_grad=True)
        bt = lib.tensor(b, requires_grad=True)
        y = lib.nn.functional.conv_transpose1d(xt, wt, bt, **cfg)
        (y * y).sum().backward()
        y2 = lib.conv_transpose1d(xt, wt, bt, **cfg)
        return y, y2, xt.grad, wt.grad, bt.grad

    assert_same(fn, rtol=1e-5, atol=1e-5)


def test_module_matches_pytorch_with_copied_weights():
    def fn(lib):
        m = lib.nn.ConvTranspose1d(4, 6, 5, stride=2, padding=1, output_padding=1, groups=2, bias=True)
        with lib.no_grad():
            m.weight.copy_(lib.tensor(np.linspace(-1, 1, m.weight.numel(), dtype=np.float32).reshape(m.weight.shape)))
            m.bias.fill_(0.25)
        x = lib.tensor(np.cos(np.arange(2 * 4 * 9, dtype=np.float32)).reshape(2, 4, 9), requires_grad=True)
        y = m(x)
        y.sum().backward()
        return y, x.grad, m.weight.grad, tuple(m.weight.shape), repr(m)

    m, t = fn(miniconv), fn(torch)
    for a, b in zip(m[:3], t[:3]):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-5)
    assert m[3:] == t[3:]


@pytest.mark.parametrize("output_size", [[12], [2, 3, 12], [11], [13], [2, 3, 4, 5]])
def test_output_size(output_size):
    x = rng.standard_normal((2, 4, 5)).astype(np.float32)

    def fn(lib):
        m = lib.nn.ConvTranspose1d(4, 3, 3, stride=2, padding=0)
        with lib.no_grad():
            m.weight.fill_(0.1)
            m.bias.zero_()
        return m(lib.tensor(x), output_size=output_size)

    assert_same(fn, rtol=1e-6)


@pytest.mark.parametrize("output_size", [[12, 12], [11, 12], [20, 20], (1, 3, 12, 11)])
def test_output_size_2d(output_size):
    x = rng.standard_normal((1, 2, 5, 5)).astype(np.float32)

    def fn(lib):
        m = lib.nn.ConvTranspose2d(2, 3, 3, stride=2)
        with lib.no_grad():
            m.weight.fill_(0.1)
            m.bias.zero_()
        return m(lib.tensor(x), output_size=output_size)

    assert_same(fn, rtol=1e-6)


def test_errors():
    for args in [(np.zeros((2, 3, 4, 5)), np.zeros((3, 2, 2))), (np.zeros((3,)), np.zeros((3, 2, 2)))]:
        def fn(lib):
            return lib.nn.functional.conv_transpose1d(lib.tensor(args[0], dtype=lib.float32),
                                                      lib.tensor(args[1], dtype=lib.float32))
        assert_same(fn)
    for kwargs in [dict(padding_mode="reflect"), dict(groups=3)]:
        def make(lib):
            return lib.nn.ConvTranspose1d(4, 6, 3, **kwargs)
        assert_same(make)


def test_spectral_norm_default_dim_for_transposed():
    def fn(lib):
        m = lib.nn.utils.spectral_norm(lib.nn.ConvTranspose1d(4, 6, 3))
        return m.weight_u.shape[0], m.weight_v.shape[0]

    assert fn(miniconv) == fn(torch)
