"""Module forward hooks with PyTorch's options: ``with_kwargs`` (pre hooks see and replace the keyword arguments,
forward hooks see them), ``prepend``, ``always_call`` (run when forward raises), the global
``nn.modules.module.register_module_forward_pre_hook`` / ``register_module_forward_hook`` (run before a
module's own hooks), handles that remove a hook with its flags, and register_full_backward_pre_hook (its
result replaces the gradient flowing into the module); the same calls on both libraries."""
import inspect

import pytest

import miniconv

torch = pytest.importorskip("torch")


def make(lib):
    class M(lib.nn.Module):
        def forward(self, x, scale=1.0, fail=False):
            if fail:
                raise ValueError("forward failed")
            return x * scale
    return M()


@pytest.mark.parametrize("name", ["register_forward_pre_hook", "register_forward_hook",
                                  "register_full_backward_hook", "register_full_backward_pre_hook"])
def test_signatures(name):
    a = list(inspect.signature(getattr(miniconv.nn.Module, name)).parameters)
    b = list(inspect.signature(getattr(torch.nn.Module, name)).parameters)
    assert a == b


def test_global_signatures():
    for name in ("register_module_forward_pre_hook", "register_module_forward_hook"):
        a = list(inspect.signature(getattr(miniconv.nn.modules.module, name)).parameters)
        b = list(inspect.signature(getattr(torch.nn.modules.module, name)).parameters)
        assert a == b


def run(lib):
    m = make(lib)
    log = []
    x = lib.ones(2)
    h1 = m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {**kwargs, "scale": kwargs["scale"] * 3}),
                                     with_kwargs=True)
    h2 = m.register_forward_hook(lambda mod, args, kwargs, out: log.append(("kw", kwargs["scale"])) or out + 1,
                                 with_kwargs=True)
    h3 = m.register_forward_hook(lambda mod, args, out: log.append(("first", out.tolist())), prepend=True)
    h4 = m.register_forward_pre_hook(lambda mod, args: log.append("pre-first"), prepend=True)
    out1 = m(x, scale=2.0)
    g1 = lib.nn.modules.module.register_module_forward_pre_hook(lambda mod, args: log.append("global-pre"))
    g2 = lib.nn.modules.module.register_module_forward_hook(
        lambda mod, args, kwargs, out: log.append(("global", kwargs.get("scale"))), with_kwargs=True)
    out2 = m(x, scale=1.0)
    for h in (g1, g2, h1, h2, h4):
        h.remove()
    out3 = m(x, scale=2.0)
    h3.remove()
    h5 = m.register_forward_hook(lambda mod, args, out: log.append(("always", out)), always_call=True)
    with pytest.raises(ValueError):
        m(x, fail=True)
    h5.remove()
    m.register_forward_pre_hook(lambda mod, args, kwargs: "oops", with_kwargs=True)
    with pytest.raises(RuntimeError) as e:
        m(x, scale=1.0)
    return [out1.tolist(), out2.tolist(), out3.tolist()], log, str(e.value)


def test_hook_options_as_pytorch():
    a, b = run(miniconv), run(torch)
    assert a[0] == b[0]
    assert a[1] == b[1]
    assert a[2] == b[2]


def backward_pre(lib):
    m = lib.nn.Linear(2, 2)
    with lib.no_grad():
        m.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
        m.bias.zero_()
    log = []
    m.register_full_backward_pre_hook(lambda mod, go: log.append("second") or (go[0] * 10,))
    m.register_full_backward_pre_hook(lambda mod, go: log.append(("first", go[0].tolist())), prepend=True)
    m.register_full_backward_hook(lambda mod, gi, go: log.append([gi[0].tolist(), go[0].tolist()]))
    x = lib.ones(1, 2, requires_grad=True)
    (m(x) * lib.tensor([1.0, 2.0])).sum().backward()
    bad = lib.nn.Linear(2, 2)
    bad.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0]))
    with pytest.raises(RuntimeError) as e:
        bad(lib.ones(1, 2, requires_grad=True)).sum().backward()
    return log, x.grad.tolist(), m.weight.grad.tolist(), m.bias.grad.tolist(), str(e.value)


def test_full_backward_pre_hook_as_pytorch():
    assert backward_pre(miniconv) == backward_pre(torch)
