"""Tensor hooks against PyTorch: register_hook (may replace the gradient), post-accumulate hooks,
removal through the returned handle."""
import pytest

import miniconv

torch = pytest.importorskip("torch")


def run_hooks(lib):
    x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: g * 2)
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    y = x * 3
    y.register_hook(lambda g: g + 1)  # non-leaf: changes what flows into x
    (y * y).sum().backward()
    first = x.grad.tolist()
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    return first, x.grad.tolist(), seen


def test_hooks_match_torch():
    assert run_hooks(miniconv) == run_hooks(torch)


def test_hook_on_tensor_without_grad_raises_like_torch():
    for lib in (miniconv, torch):
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            lib.zeros(2).register_hook(lambda g: g)


def test_post_accumulate_hook_on_non_leaf_raises_like_torch():
    for lib in (miniconv, torch):
        y = lib.ones(2, requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="non-leaf"):
            y.register_post_accumulate_grad_hook(lambda t: None)
