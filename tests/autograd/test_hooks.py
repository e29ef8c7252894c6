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


# -- hooks under autograd.grad (PyTorch's engine with exec_info) -----------------------------------------
def _grad_graph(lib, calls):
    """x (leaf) -> a -> y -> m, s -> z, plus a side branch u from another leaf w; every tensor has a hook
    that records its call, y's hook multiplies the gradient by 10, y and m retain their gradients."""

    def hook(name, scale=None):
        def h(g):
            calls.append((name, g.tolist()))
            return None if scale is None else g * scale
        return h

    x = lib.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(hook("x"))
    x.register_post_accumulate_grad_hook(lambda t: calls.append(("x post", None)))
    a = x * 3
    a.register_hook(hook("a"))
    y = a * 2
    y.register_hook(hook("y", 10))
    y.retain_grad()
    m = y * 5
    m.register_hook(hook("m"))
    m.retain_grad()
    s = y * 7
    s.register_hook(hook("s"))
    w = lib.tensor([1.0, 1.0], requires_grad=True)
    u = w * 1
    u.register_hook(hook("u"))
    z = (m + s + u).sum()
    return x, a, y, m, z


@pytest.mark.parametrize("request_", ["y", "x", "y,x", "a", "m", "y,y"])
def test_autograd_grad_runs_the_hooks_torch_runs(request_):
    """A hook on the requested input runs and its result is returned (y, x); hooks between the output and
    the input run (m, s) and change what flows on; hooks behind the input (a, x for y) and off the path (u)
    do not run; a requested input whose node runs on (y with x) is returned before its hooks; retain_grad
    stores what the hooks returned; a leaf's post-accumulate hook and .grad are untouched."""

    def run(lib):
        calls = []
        x, a, y, m, z = _grad_graph(lib, calls)
        names = {"x": x, "a": a, "y": y, "m": m}
        got = lib.autograd.grad(z, [names[n] for n in request_.split(",")])
        return ([g.tolist() for g in got], calls, x.grad, None if y.grad is None else y.grad.tolist(),
                None if m.grad is None else m.grad.tolist())

    assert run(miniconv) == run(torch)


def test_autograd_grad_returns_the_hook_result_of_a_leaf_and_of_the_output_itself():
    def run(lib):
        calls = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: calls.append(("x", g.tolist())) or g + 100)
        x.register_hook(lambda g: calls.append(("x second", g.tolist())) or g * 2)
        (gx,) = lib.autograd.grad((x * 2).sum(), x)
        o = x * 2
        o.register_hook(lambda g: calls.append(("o", g.tolist())) or g * 3)
        (go,) = lib.autograd.grad(o, o, lib.ones(2))
        return gx.tolist(), go.tolist(), calls, x.grad

    assert run(miniconv) == run(torch)
