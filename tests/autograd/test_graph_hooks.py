"""torch.autograd.graph: saved-tensor hooks, node hooks, Node, multi-grad hooks: the same user code run on
miniconv and on PyTorch, compared (values, gradients, how often and on what the hooks were called)."""
import threading

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

LIBS = [miniconv, torch]


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _both(fn):
    return [fn(lib) for lib in LIBS]


def _tutorial_packing(lib):
    # "Hooks for autograd saved tensors": the hooks see the saved tensors, whose values come back
    log = []

    def pack(x):
        log.append(("pack", _np(x).copy()))
        return x

    def unpack(x):
        log.append(("unpack", _np(x).copy()))
        return x

    a = lib.ones(5, requires_grad=True)
    b = lib.ones(5, requires_grad=True) * 2
    with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = a * b
    y.sum().backward()
    return log, _np(a.grad)


def test_packing_unpacking_tutorial():
    (log_m, ga_m), (log_t, ga_t) = _both(_tutorial_packing)
    np.testing.assert_array_equal(ga_m, ga_t)
    assert [k for k, _ in log_m] == [k for k, _ in log_t] == ["pack", "pack", "unpack", "unpack"]
    assert sorted(v.tolist() for _, v in log_m) == sorted(v.tolist() for _, v in log_t)


def _offload_model(lib, hooks):
    # a pack hook that keeps a NumPy copy and an unpack that rebuilds the tensor (offloading to disk
    # works this way in the tutorial); gradients must be those without hooks
    gen = np.random.default_rng(0)
    w1 = lib.tensor(gen.standard_normal((6, 5)).astype(np.float32), requires_grad=True)
    w2 = lib.tensor(gen.standard_normal((3, 6)).astype(np.float32), requires_grad=True)
    x = lib.tensor(gen.standard_normal((4, 5)).astype(np.float32))
    calls = [0, 0]

    def pack(t):
        calls[0] += 1
        return _np(t).copy()

    def unpack(a):
        calls[1] += 1
        return lib.from_numpy(a)

    def run():
        h = lib.tanh(x @ w1.t())
        return (lib.relu(h @ w2.t()) ** 2).mean()

    if hooks:
        with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
            loss = run()
    else:
        loss = run()
    loss.backward()
    return _np(loss), _np(w1.grad), _np(w2.grad), calls


@pytest.mark.parametrize("lib", LIBS, ids=["miniconv", "torch"])
def test_hooks_keep_gradients(lib):
    plain = _offload_model(lib, False)
    hooked = _offload_model(lib, True)
    for a, b in zip(plain[:3], hooked[:3]):
        np.testing.assert_array_equal(a, b)
    assert hooked[3][0] > 0 and hooked[3][0] == hooked[3][1]


def test_hooks_same_gradients_as_torch():
    (lm, g1m, g2m, _), (lt, g1t, g2t, _) = _both(lambda lib: _offload_model(lib, True))
    np.testing.assert_allclose(lm, lt, rtol=1e-5)
    np.testing.assert_allclose(g1m, g1t, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(g2m, g2t, rtol=1e-4, atol=1e-6)


def _custom_function(lib):
    calls = []

    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    def pack(t):
        calls.append("pack")
        return ("box", t)

    def unpack(p):
        calls.append("unpack")
        return p[1]

    x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = Cube.apply(x)
    y.sum().backward()
    return calls, _np(x.grad)


def test_custom_function_saved_tensors_go_through_hooks():
    (cm, gm), (ct, gt) = _both(_custom_function)
    assert cm == ct == ["pack", "unpack"]
    np.testing.assert_allclose(gm, gt)


def test_unpack_must_return_tensor():
    for lib in LIBS:
        x = lib.ones(3, requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: 5):
            y = (x * x).sum()
        with pytest.raises(TypeError, match="unpack_hook"):
            y.backward()


def test_pack_must_not_modify_input():
    for lib in LIBS:
        x = lib.ones(3, requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach().add_(1), lambda p: p):
            with pytest.raises(RuntimeError, match="pack hook is modifying its input in place"):
                x * x


def test_disable_saved_tensors_hooks():
    for lib in LIBS:
        with lib.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
            with pytest.raises(RuntimeError, match="no hooks here"):
                with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: p):
                    pass
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: p):  # allowed again
            pass


def test_save_on_cpu_and_nesting():
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
        seen = []
        with lib.autograd.graph.save_on_cpu():
            with lib.autograd.graph.saved_tensors_hooks(lambda t: seen.append(1) or t, lambda p: p):
                y = (lib.sigmoid(x) * x).sum()   # the inner pair wins
            z = lib.exp(x).sum()
        (y + z).backward()
        return _np(x.grad), len(seen) > 0

    (gm, sm), (gt, st) = _both(run)
    np.testing.assert_allclose(gm, gt, rtol=1e-6)
    assert sm and st


def test_hooks_are_per_thread():
    def run(lib):
        seen = []
        x = lib.ones(3, requires_grad=True)
        out = {}

        def other():
            out["y"] = x * x   # no hooks in this thread

        with lib.autograd.graph.saved_tensors_hooks(lambda t: seen.append(1) or t, lambda p: p):
            th = threading.Thread(target=other)
            th.start()
            th.join()
        return len(seen)

    assert run(miniconv) == run(torch) == 0


def _node_hooks(lib):
    log = []
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    z = y.exp().sum()

    def pre(grad_outputs):
        log.append(("pre", [_np(g).tolist() for g in grad_outputs]))
        return (grad_outputs[0] * 10,)

    def post(grad_inputs, grad_outputs):
        log.append(("post", [None if g is None else _np(g).tolist() for g in grad_inputs],
                    [_np(g).tolist() for g in grad_outputs]))

    h1 = y.grad_fn.register_prehook(pre)
    y.grad_fn.register_hook(post)
    z.backward(retain_graph=True)
    g1 = _np(x.grad).copy()
    h1.remove()
    x.grad = None
    z.backward()
    return log, g1, _np(x.grad)


def test_node_hooks():
    (lm, g1m, g2m), (lt, g1t, g2t) = _both(_node_hooks)
    np.testing.assert_allclose(g1m, g1t, rtol=1e-6)
    np.testing.assert_allclose(g2m, g2t, rtol=1e-6)
    assert [e[0] for e in lm] == [e[0] for e in lt]
    for a, b in zip(lm, lt):
        for u, v in zip(a[1:], b[1:]):
            assert len(u) == len(v)
            for p, q in zip(u, v):
                assert (p is None) == (q is None)
                if p is not None:
                    np.testing.assert_allclose(p, q, rtol=1e-6)


def test_post_hook_replaces_grad_inputs():
    def run(lib):
        x = lib.tensor([1.0, -1.0], requires_grad=True)
        y = lib.sin(x)
        y.grad_fn.register_hook(lambda gi, go: (gi[0] * 0 + 7,))
        y.sum().backward()
        return _np(x.grad)

    gm, gt = _both(run)
    np.testing.assert_array_equal(gm, gt)


def test_node_isinstance_and_increment_version():
    for lib in LIBS:
        x = lib.ones(2, requires_grad=True)
        y = x * 3
        assert isinstance(y.grad_fn, lib.autograd.graph.Node)
        assert isinstance(y.grad_fn.next_functions[0][0], lib.autograd.graph.Node)
        assert not isinstance(x, lib.autograd.graph.Node)
        v = x._version
        lib.autograd.graph.increment_version(x)
        assert x._version == v + 1


def _multi(lib, mode):
    got = []
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = lib.tensor([3.0], requires_grad=True)
    c = lib.tensor([5.0], requires_grad=True)

    def fn(grads):
        if mode == "all":
            got.append([None if g is None else _np(g).tolist() for g in grads])
        else:
            got.append(_np(grads).tolist())

    lib.autograd.graph.register_multi_grad_hook((a, b, c), fn, mode=mode)
    ((a * 2).sum() + (b ** 2).sum()).backward()
    (c * 4).sum().backward()
    return got


def test_register_multi_grad_hook():
    assert _multi(miniconv, "all") == _multi(torch, "all")
    m, t = _multi(miniconv, "any"), _multi(torch, "any")
    assert len(m) == len(t) == 2
    assert m[1] == t[1]
    with pytest.raises(ValueError, match="mode"):
        miniconv.autograd.graph.register_multi_grad_hook((), lambda g: None, mode="some")


def _saved_attrs(lib):
    # the tutorial's look at what a node saved: pow saves its input (the leaf itself), exp its result
    x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x.pow(2)
    out = [bool(x.equal(y.grad_fn._saved_self)), x is y.grad_fn._saved_self]
    z = x.exp()
    out += [bool(z.equal(z.grad_fn._saved_result)), z is z.grad_fn._saved_result]
    a, b = lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([3.0, 4.0], requires_grad=True)
    c = a * b
    out += [c.grad_fn._saved_self is a, c.grad_fn._saved_other is b]
    with pytest.raises(AttributeError, match="_saved_other"):
        z.grad_fn._saved_other
    z.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z.grad_fn._saved_result
    return out


def test_saved_attributes_of_nodes():
    assert _saved_attrs(miniconv) == _saved_attrs(torch) == [True, True, True, False, True, True]
