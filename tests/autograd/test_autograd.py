"""The autograd engine: accumulation, broadcasting, retain_graph, no_grad, leaves, gradcheck."""
import warnings

import numpy as np
import pytest

import miniconv as mc
from miniconv.autograd import Function, GradcheckError, gradcheck


def t64(*shape, requires_grad=True):
    return mc.randn(*shape, dtype=mc.float64, requires_grad=requires_grad)


def test_fan_out_accumulates():
    x = mc.tensor([2.0, 3.0], requires_grad=True)
    y = (x * x + x * 3).sum()  # dy/dx = 2x + 3
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [7.0, 9.0])


def test_grads_accumulate_across_backward_calls():
    x = mc.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_broadcast_gradient_reduced_to_input_shape():
    a = mc.randn(4, 3, requires_grad=True)
    b = mc.randn(3, requires_grad=True)
    c = mc.randn(4, 1, requires_grad=True)
    (a * b + c).sum().backward()
    assert b.grad.shape == (3,) and c.grad.shape == (4, 1)
    np.testing.assert_allclose(b.grad.numpy(), a.detach().numpy().sum(0), rtol=1e-6)
    np.testing.assert_allclose(c.grad.numpy(), np.full((4, 1), 3.0))


def test_backward_twice_through_freed_graph_errors():
    x = mc.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = mc.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_backward_on_non_scalar_needs_gradient():
    x = mc.randn(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        y.backward()
    y.backward(mc.ones(3))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_backward_gradient_shape_mismatch():
    x = mc.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(mc.ones(4))


def test_backward_on_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mc.ones(3).sum().backward()


def test_no_grad_context_and_decorator():
    x = mc.randn(3, requires_grad=True)
    with mc.no_grad():
        y = x * 2
        with mc.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None

    @mc.no_grad()
    def f(t):
        return t * 3

    assert not f(x).requires_grad
    assert mc.is_grad_enabled()


def test_set_grad_enabled():
    x = mc.randn(2, requires_grad=True)
    with mc.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_leaf_and_non_leaf():
    x = mc.randn(3, requires_grad=True)
    y = x * 2
    z = y.sum()
    assert x.is_leaf and not y.is_leaf
    y.retain_grad()
    z.backward()
    assert x.grad is not None
    np.testing.assert_allclose(y.grad.numpy(), np.ones(3))
    w = x * 3
    w.sum().backward()
    assert w.grad is None  # non-leaf without retain_grad keeps no .grad


def test_detach_cuts_graph_and_shares_data():
    x = mc.randn(3, requires_grad=True)
    d = (x * 2).detach()
    assert d.is_leaf and not d.requires_grad
    e = x.detach()
    e[0] = 42.0
    assert x.detach().numpy()[0] == 42.0 and x._version == e._version == 1


def test_requires_grad_only_for_float():
    with pytest.raises(RuntimeError, match="floating point"):
        mc.tensor([1, 2], requires_grad=True)


def test_long_chain_has_no_recursion_limit():
    x = mc.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0 + 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0])


def test_diamond_graph_topological_order():
    x = mc.tensor([2.0], requires_grad=True)
    a = x * 3
    b = a * a  # depends on a twice
    c = a + b
    c.backward()
    # c = 3x + 9x^2 -> dc/dx = 3 + 18x = 39
    np.testing.assert_allclose(x.grad.numpy(), [39.0])


def test_autograd_grad_does_not_touch_leaf_grads():
    x = mc.randn(3, requires_grad=True)
    y = (x**2).sum()
    (g,) = mc.autograd.grad(y, x)
    np.testing.assert_allclose(g.numpy(), 2 * x.detach().numpy(), rtol=1e-6)
    assert x.grad is None


def test_autograd_grad_unused_input():
    x = mc.randn(3, requires_grad=True)
    z = mc.randn(3, requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="not have been used"):
        mc.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = mc.autograd.grad(y, [x, z], allow_unused=True)
    assert gz is None and gx is not None


def _grad_behind_inputs_cases(lib):
    """autograd.grad(z, y) with a graph behind y that must not run; each returns what the user sees."""
    calls = []

    class Counted(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            calls.append("backward")
            return g * 2

    def leaf():
        return lib.tensor([0.5, -1.0, 2.0], requires_grad=True)

    def freed_producer():  # y's producer was freed by a backward without retain_graph
        x = leaf()
        y = x * x
        z = y.sin().sum()
        y.sum().backward()
        return lib.autograd.grad(z, y), x.grad

    def modified_behind():  # a tensor saved behind y was changed in place: only a backward through it fails
        x = leaf()
        a = x * 1
        y = a.sin()
        a.add_(1)
        return lib.autograd.grad((y * y).sum(), y)

    def not_called():  # a Function behind y does not run; one in front of it does
        x = leaf()
        y = Counted.apply(x)
        z = Counted.apply(y.exp()).sum()
        return lib.autograd.grad(z, y), len(calls), x.grad

    def producer_kept():  # without retain_graph the walk frees what it ran, not y's producer
        x = leaf()
        y = x * x
        z = y.sin().sum()
        (gy,) = lib.autograd.grad(z, y)
        y.sum().backward()
        return gy, x.grad

    def front_freed():  # ... but what it ran is freed
        x = leaf()
        y = x * x
        z = y.sin().sum()
        lib.autograd.grad(z, y)
        return lib.autograd.grad(z, y)

    def nested_inputs():  # x lies behind y, and both are asked for: the path through y runs
        x = leaf()
        y = x.exp()
        z = (y * x).sum()
        return lib.autograd.grad(z, [y, x]), x.grad

    def retained_twice():
        x = leaf()
        y = x * x
        z = (y ** 3).sum()
        g1 = lib.autograd.grad(z, y, retain_graph=True)
        return g1, lib.autograd.grad(z, [y, x])

    def unused_behind():  # w feeds only the graph behind y
        x, w = leaf(), leaf()
        y = x * w
        z = y.tanh().sum()
        return lib.autograd.grad(z, [y, lib.tensor([1.0], requires_grad=True)], allow_unused=True)

    return {f.__name__: f for f in (freed_producer, modified_behind, not_called, producer_kept, front_freed,
                                    nested_inputs, retained_twice, unused_behind)}


@pytest.mark.parametrize("case", sorted(_grad_behind_inputs_cases(mc)))
def test_autograd_grad_stops_at_the_requested_inputs_as_torch(case):
    torch = pytest.importorskip("torch")
    out = []
    for lib in (mc, torch):
        try:
            out.append(_grad_behind_inputs_cases(lib)[case]())
        except Exception as e:  # noqa: BLE001 - compared below
            out.append(e)
    m, t = out
    if isinstance(t, Exception) or isinstance(m, Exception):
        assert type(m) is type(t) and str(m).split(".")[0] == str(t).split(".")[0], f"miniconv: {m!r}  torch: {t!r}"
        return

    def flat(r):
        return [v for item in r for v in (flat(item) if isinstance(item, (tuple, list)) else [item])]

    fm, ft = flat(m), flat(t)
    assert len(fm) == len(ft)
    for a, b in zip(fm, ft):
        if b is None or isinstance(b, int):
            assert a == b
        else:
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_custom_function_contract():
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x**2 * g

    x = mc.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])
    assert gradcheck(lambda t: Cube.apply(t), (t64(4),))


def test_needs_input_grad_skips_work():
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            seen["needs"] = ctx.needs_input_grad
            return None, g

    a = mc.randn(3)
    b = mc.randn(3, requires_grad=True)
    Probe.apply(a, b).sum().backward()
    assert seen["needs"] == (False, True)


def test_wrong_number_of_gradients_is_reported():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    x = mc.randn(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(x).sum().backward()


def test_gradcheck_catches_a_wrong_gradient():
    class Wrong(Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g  # should be 2x*g

    with pytest.raises(GradcheckError):
        gradcheck(lambda t: Wrong.apply(t), (t64(3),))
    assert gradcheck(lambda t: Wrong.apply(t), (t64(3),), raise_exception=False) is False


def test_gradcheck_warns_on_float32_as_pytorch():
    """PyTorch warns that a float32 check will likely fail, then checks (tests/autograd/test_gradcheck_options.py
    compares the verdicts)."""
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double precision"):
        with pytest.raises(GradcheckError):
            gradcheck(lambda t: t * 2, (mc.tensor([0.5, 1.25, -2.0], requires_grad=True),))


def test_max_dim_indices_not_differentiable():
    x = mc.randn(3, 4, requires_grad=True)
    v, i = x.max(1)
    assert v.requires_grad and not i.requires_grad and i.dtype == mc.int64


def test_inplace_on_leaf_requiring_grad_is_refused():
    x = mc.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        x.zero_()
    with mc.no_grad():
        x.zero_()
    assert np.all(x.detach().numpy() == 0)


def _backward_inputs_cases(lib):
    """backward(inputs=...): each case returns what the user sees (grads, hook events, errors)."""

    def leaf(*v):
        return lib.tensor(list(v) or [0.5, -1.0, 2.0], requires_grad=True)

    def g(t):
        return None if t.grad is None else t.grad.clone()

    def leaf_only():  # the other leaf's .grad is left alone
        a, b = leaf(), leaf(1.0, 2.0, 3.0)
        (a * b).sum().backward(inputs=[a])
        return g(a), g(b)

    def tensor_not_list():
        a, b = leaf(), leaf(1.0, 2.0, 3.0)
        (a.exp() * b).sum().backward(inputs=b)
        return g(a), g(b)

    def dict_and_generator():
        a, b = leaf(), leaf(1.0, 2.0, 3.0)
        z = (a.sin() * b).sum()
        z.backward(inputs={"a": a}, retain_graph=True)
        lib.autograd.backward(z, inputs=(t for t in [b]))
        return g(a), g(b)

    def non_leaf():  # y keeps its gradient; the graph behind it does not run
        a, b = leaf(), leaf(1.0, 2.0, 3.0)
        y = a * b
        (y * y).sum().backward(inputs=[y])
        return g(y), g(a), g(b)

    def non_leaf_and_leaf_behind_it():
        a, b = leaf(), leaf(1.0, 2.0, 3.0)
        y = a.exp() * b
        (y.tanh() * a).sum().backward(inputs=[y, a])
        return g(y), g(a), g(b)

    def branches():  # a reaches the output along two branches; b along one
        a, b, c = leaf(), leaf(1.0, 2.0, 3.0), leaf(-1.0, 0.5, 4.0)
        z = ((a * b).sin() + (a * c).cos() + c.exp()).sum()
        z.backward(inputs=[a, c])
        return g(a), g(b), g(c)

    def shared_subgraph():
        a, b = leaf(), leaf(1.0, 2.0, 3.0)
        s = (a * b).tanh()
        z1, z2 = (s * a).sum(), (s.exp() * b).sum()
        lib.autograd.backward([z1, z2], inputs=[b, s])
        return g(a), g(b), g(s)

    def grad_tensors_and_inputs():
        a, b = leaf(), leaf(1.0, 2.0, 3.0)
        y = a * b
        y.backward(lib.tensor([1.0, -2.0, 0.5]), inputs=[b])
        return g(a), g(b)

    def retain_graph_second_call():
        a, b = leaf(), leaf(1.0, 2.0, 3.0)
        z = ((a * b).sin() * a).sum()
        z.backward(inputs=[b], retain_graph=True)
        first = (g(a), g(b))
        z.backward(inputs=[a])
        z2 = (a * 2).sum()
        z2.backward(inputs=[a])
        return first, g(a), g(b)

    def second_call_freed():  # without retain_graph the nodes that ran are freed
        a, b = leaf(), leaf(1.0, 2.0, 3.0)
        z = ((a * b).sin() * a).sum()
        z.backward(inputs=[b])
        z.backward(inputs=[a])

    def graph_behind_non_leaf_kept():  # ... but not those behind a non-leaf input
        a, b = leaf(), leaf(1.0, 2.0, 3.0)
        y = a * b
        w = y.sin()
        z = (w * w).sum()
        z.backward(inputs=[w])
        y.sum().backward()
        return g(w), g(a), g(b)

    def non_leaf_node_runs_and_is_freed():  # the input's own node runs: a second call through it fails
        a = leaf()
        y = a * a
        y.sum().backward(inputs=[y])
        first = g(y)
        y.sum().backward()
        return first

    def unreachable_input():  # no error, .grad stays None (or what it was)
        a, c, d = leaf(), leaf(), leaf()
        (d * 2).sum().backward()
        z = (a * a).sum()
        z.backward(inputs=[c, d], retain_graph=True)
        z.backward()
        return g(a), g(c), g(d)

    def unreachable_root_hooks():  # a single root that leads to no input still calls its own hooks
        events = []
        a, c = leaf(), leaf()
        y = a * a
        y.register_hook(lambda gr: events.append(("y", gr.clone())))
        y.retain_grad()
        y.backward(lib.ones(3), inputs=[c])
        y2 = a * 3
        y2.retain_grad()
        y3 = a.exp()
        y3.retain_grad()
        lib.autograd.backward([y2, y3], [lib.ones(3), lib.ones(3)], inputs=[c])
        return events, g(y), g(y2), g(y3), g(a)

    def duplicates():
        a, b = leaf(), leaf(1.0, 2.0, 3.0)
        y = a * b
        (y * a).sum().backward(inputs=[a, a, y, y])
        return g(a), g(b), g(y)

    def root_is_input():
        a = leaf()
        y = a * a
        y.register_hook(lambda gr: gr * 5)
        y.backward(lib.ones(3), inputs=y)
        return g(y), g(a)

    def hooks():
        events = []
        a, b = leaf(), leaf(1.0, 2.0, 3.0)
        a.register_hook(lambda gr: events.append(("a", gr.clone())) or gr * 10)
        b.register_hook(lambda gr: events.append(("b", gr.clone())))
        a.register_post_accumulate_grad_hook(lambda t: events.append(("a post", t.grad.clone())))
        b.register_post_accumulate_grad_hook(lambda t: events.append(("b post", t.grad.clone())))
        y = a * b
        y.register_hook(lambda gr: events.append(("y", gr.clone())) or gr * 2)
        y.retain_grad()
        w = y.exp()
        w.retain_grad()
        w.register_hook(lambda gr: events.append(("w", gr.clone())))
        v = b.cos()
        v.retain_grad()
        z = (w + y + v).sum()
        z.backward(inputs=[y], retain_graph=True)
        first = (g(y), g(w), g(v), g(a), g(b))
        z.backward(inputs=[a])
        return events, first, g(y), g(w), g(v), g(a), g(b)

    def empty_list():
        a = leaf()
        (a * 2).sum().backward(inputs=[])

    def empty_tuple_module_function():
        a = leaf()
        lib.autograd.backward((a * 2).sum(), inputs=())

    def input_without_grad():
        a = leaf()
        (a * 2).sum().backward(inputs=[lib.ones(3)])

    def input_not_a_tensor():
        a = leaf()
        (a * 2).sum().backward(inputs=[a, "x"])

    def inputs_not_a_dict():
        import collections
        a = leaf()
        (a * 2).sum().backward(inputs=collections.OrderedDict(a=a))

    def error_before_running():  # a bad input raises before any .grad changes
        a = leaf()
        try:
            (a * 2).sum().backward(inputs=[a, lib.ones(3)])
        except RuntimeError:
            pass
        return g(a)

    def grad_variables():
        a = leaf()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.autograd.backward(a * 2, grad_variables=[lib.ones(3)], inputs=[a])
        return g(a), [(w.category.__name__, str(w.message)) for w in caught]

    def grad_variables_and_grad_tensors():
        a = leaf()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lib.autograd.backward(a * 2, [lib.ones(3)], grad_variables=[lib.ones(3)])

    def positional_like_torch():  # gradient, retain_graph, create_graph, inputs
        a, b = leaf(), leaf(1.0, 2.0, 3.0)
        y = a * b
        y.backward(lib.ones(3), True, False, [a])
        lib.autograd.backward([y], [lib.ones(3)], None, False, None, [b])
        return g(a), g(b)

    def autograd_grad_single_root_hooks():  # autograd.grad shares the engine's single-root rule
        events = []
        a, c = leaf(), leaf()
        y = a * a
        y.register_hook(lambda gr: events.append(gr.clone()))
        y.retain_grad()
        out = lib.autograd.grad(y, c, lib.ones(3), allow_unused=True)
        return out, events, g(y)

    return {f.__name__: f for f in (
        leaf_only, tensor_not_list, dict_and_generator, non_leaf, non_leaf_and_leaf_behind_it, branches,
        shared_subgraph, grad_tensors_and_inputs, retain_graph_second_call, second_call_freed,
        graph_behind_non_leaf_kept, non_leaf_node_runs_and_is_freed, unreachable_input, unreachable_root_hooks,
        duplicates, root_is_input, hooks, empty_list, empty_tuple_module_function, input_without_grad,
        input_not_a_tensor, inputs_not_a_dict, error_before_running, grad_variables,
        grad_variables_and_grad_tensors, positional_like_torch, autograd_grad_single_root_hooks)}


@pytest.mark.parametrize("case", sorted(_backward_inputs_cases(mc)))
def test_backward_inputs_as_torch(case):
    torch = pytest.importorskip("torch")
    out = []
    for lib in (mc, torch):
        try:
            out.append(_backward_inputs_cases(lib)[case]())
        except Exception as e:  # noqa: BLE001 - compared below
            out.append(e)
    m, t = out
    if isinstance(t, Exception) or isinstance(m, Exception):
        assert type(m) is type(t) and str(m) == str(t), f"miniconv: {m!r}  torch: {t!r}"
        return

    def flat(r):
        return [v for item in r for v in (flat(item) if isinstance(item, (tuple, list)) else [item])]

    fm, ft = flat([m]), flat([t])
    assert len(fm) == len(ft), (fm, ft)
    for a, b in zip(fm, ft):
        if b is None or isinstance(b, (int, str)):
            assert a == b
        else:
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_backward_create_graph_records_the_gradient():  # more in tests/autograd/test_higher_order.py
    x = mc.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="reference cycle"):
        (x * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.tolist() == [2.0]
