"""Gaps found by the fourth porting sweep (PyTorch Recipes, the chatbot tutorial, MorvanZhou's tutorials,
PyTorch-GAN, the Intro-to-PyTorch YouTube series) with only the imports changed: each test runs the same user
code on both libraries."""
import weakref

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

from oracle import arr as _np, both_messages as both  # noqa: E402  (after the torch check)


# -- load_state_dict(assign=True) (module_load_state_dict_tips.py, swap_tensors.py)
def _assign_case(lib):
    lib.manual_seed(0)
    m = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2))
    opt = lib.optim.SGD(m.parameters(), lr=0.1)
    m.requires_grad_(False)
    m[0].bias.requires_grad_(True)
    src = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2)).double()
    sd = src.state_dict()
    sd["0.weight"] = lib.nn.Parameter(sd["0.weight"], requires_grad=True)
    keys = m.load_state_dict(sd, assign=True)
    w, b = m[0].weight, m[0].bias
    out = m(lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [-2.0, 1.0, 0.0], [0.3, 0.9, 1.7]], dtype=lib.float64))
    out.sum().backward()
    return (repr(keys), type(w).__name__, w.dtype == lib.float64, w.requires_grad, b.requires_grad,
            type(b).__name__, w is sd["0.weight"], b.data_ptr() == sd["0.bias"].data_ptr(),
            m[1].running_mean.data_ptr() == sd["1.running_mean"].data_ptr(), type(m[1].running_mean).__name__,
            opt.param_groups[0]["params"][0] is w, _np(out), _np(b.grad), _np(m[1].running_mean),
            int(m[1].num_batches_tracked))


def test_load_state_dict_assign_takes_the_loaded_tensors():
    m, t = both(_assign_case)
    for i, (a, b) in enumerate(zip(m, t)):
        if isinstance(b, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=str(i))
        else:
            assert a == b, (i, a, b)


def test_load_state_dict_assign_errors_leave_the_module_alone():
    def case(lib):
        m = lib.nn.Linear(3, 2)
        w = m.weight
        sd = {"weight": lib.zeros(2, 4), "bias": lib.zeros(2)}
        try:
            m.load_state_dict(sd, assign=True)
        except RuntimeError as e:
            return str(e).replace("miniconv", "torch"), m.weight is w
    m, t = both(case)
    assert m == t


def test_load_state_dict_assign_strict_false_partial():
    def case(lib):
        lib.manual_seed(1)
        m = lib.nn.Linear(2, 2)
        b = m.bias
        keys = m.load_state_dict({"weight": lib.ones(2, 2), "extra": lib.ones(1)}, strict=False, assign=True)
        return repr(keys), m.bias is b, _np(m.weight).tolist(), m.weight.requires_grad
    m, t = both(case)
    assert m == t


# -- torch.utils.swap_tensors (swap_tensors.py)
def test_swap_tensors_swaps_contents_and_keeps_identity():
    def case(lib):
        t1 = lib.arange(2)
        t2 = lib.arange(3.0).requires_grad_()
        t1.tag = "one"
        ident = id(t1), id(t2)
        lib.utils.swap_tensors(t1, t2)
        p = lib.nn.Parameter(lib.zeros(2))
        q = lib.ones(2)
        lib.utils.swap_tensors(p, q)
        return (ident == (id(t1), id(t2)), _np(t1).tolist(), str(t1.dtype).split(".")[1], t1.requires_grad, _np(t2).tolist(),
                str(t2.dtype).split(".")[1], getattr(t2, "tag", None), hasattr(t1, "tag"), type(p).__name__, type(q).__name__,
                _np(p).tolist(), q.requires_grad)
    m, t = both(case)
    assert m[0] is True and m == t


def test_swap_tensors_refuses_weakrefs():
    def case(lib, which):
        t1, t2 = lib.zeros(1), lib.ones(1)
        keep = weakref.ref(t1 if which == 1 else t2)  # noqa: F841
        lib.utils.swap_tensors(t1, t2)
    for which in (1, 2):
        m, t = both(lambda lib: case(lib, which))
        assert m == t and m[0] == "RuntimeError"


# -- what tensors_deeper_tutorial.py / autogradyt_tutorial.py print: print(type(x)), next_functions
def test_printed_class_names_and_graph_nodes():
    import re

    def case(lib):
        x = lib.empty(3, 4)
        a = lib.linspace(0., 1., steps=5, requires_grad=True)
        d = 2 * lib.sin(a) + 1
        texts = [str(type(x)), str(type(x.shape)), str(d.grad_fn.next_functions),
                 str(d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions),
                 str(d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0].next_functions),
                 repr(a.grad_fn), type(x).__name__, type(x).__qualname__]
        return [re.sub(r"0x[0-9a-f]+", "0x?", t).replace(lib.__name__, "LIB") for t in texts]
    m, t = both(case)
    assert m == t
    assert m[0] == "<class 'LIB.Tensor'>" and m[3] == "((<AccumulateGrad object at 0x?>, 0),)" and m[4] == "()"


# -- torch.__future__'s conversion switches and Tensor.module_load (swap_tensors.py)
def _future_case(lib, swap, overwrite, assign):
    lib.__future__.set_swap_module_params_on_conversion(swap)
    lib.__future__.set_overwrite_module_params_on_conversion(overwrite)
    try:
        lib.manual_seed(0)
        m = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2))
        opt = lib.optim.SGD(m.parameters(), lr=0.5)
        m(lib.ones(4, 3) * lib.arange(4.0)[:, None]).sum().backward()
        w, rm, grad_before = m[0].weight, m[1].running_mean, m[0].weight.grad
        sd = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2)).double().state_dict()
        m.load_state_dict(sd, assign=assign)
        after_load = (m[0].weight is w, m[1].running_mean is rm, str(m[0].weight.dtype).split(".")[1],
                      m[0].weight.grad is None, m[0].weight.grad is grad_before, _np(m[0].weight).tolist(),
                      type(m[0].weight).__name__, m[0].weight.requires_grad,
                      m[0].weight.data_ptr() == sd["0.weight"].data_ptr())
        m2 = lib.nn.Linear(2, 2)
        w2 = m2.weight
        m2(lib.ones(1, 2)).sum().backward()
        m2.double()
        after_to = (m2.weight is w2, str(m2.weight.dtype).split(".")[1], str(m2.weight.grad.dtype).split(".")[1],
                    str(w2.dtype).split(".")[1], type(m2.weight).__name__)
        return after_load, after_to, opt.param_groups[0]["params"][0] is m[0].weight
    finally:
        lib.__future__.set_swap_module_params_on_conversion(False)
        lib.__future__.set_overwrite_module_params_on_conversion(False)


@pytest.mark.parametrize("swap,overwrite,assign", [(False, False, False), (True, False, False), (True, False, True),
                                                   (False, True, False), (False, True, True), (True, True, True)])
def test_future_switches_and_module_load(swap, overwrite, assign):
    m, t = both(lambda lib: _future_case(lib, swap, overwrite, assign))
    assert m == t


def test_module_load_default_and_its_identity_check():
    def case(lib):
        a, b = lib.zeros(2), lib.arange(2.0)
        r1 = a.module_load(b)
        r2 = b.module_load(a, assign=True)

        class Bad(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.p = lib.nn.Parameter(lib.zeros(2))

        lib.__future__.set_swap_module_params_on_conversion(True)
        orig = lib.Tensor.module_load
        lib.Tensor.module_load = lambda self, other, assign=False: other
        try:
            Bad().load_state_dict({"p": lib.ones(2)})
        except RuntimeError as e:
            err = str(e).replace(lib.__name__ + ".Size", "Size")
        finally:
            lib.Tensor.module_load = orig
            lib.__future__.set_swap_module_params_on_conversion(False)
        return (_np(r1).tolist(), _np(a).tolist(), r1 is a, r2 is a, _np(r2).tolist(), r1.requires_grad, err)
    m, t = both(case)
    assert m == t


# -- torch.dist is one DistBackward0 node (parametrizations.py prints torch.dist(layer.weight, ...))
@pytest.mark.parametrize("p", [2, 3, 1.5, float("inf")])
def test_dist_node_values_and_gradients(p):
    def case(lib):
        rng = np.random.default_rng(3)
        a = lib.tensor(rng.standard_normal((3, 4)), requires_grad=True)
        b = lib.tensor(rng.standard_normal((4,)), requires_grad=True)
        d = lib.dist(a, b, p)
        d.backward()
        same = a.detach().clone().requires_grad_()
        z = same.dist(same.detach())
        z.backward()
        return (d.grad_fn.name(), len(d.grad_fn.next_functions), _np(d).item(), _np(a.grad), _np(b.grad),
                str(z).replace(lib.__name__, "LIB"), _np(same.grad).tolist())
    m, t = both(case)
    assert m[:2] == t[:2] == ("DistBackward0", 2) and abs(m[2] - t[2]) < 1e-12
    np.testing.assert_allclose(m[3], t[3], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(m[4], t[4], rtol=1e-12, atol=1e-15)
    assert m[5:] == t[5:]


# -- saved_tensors_hooks meet a binary op's saved tensors in PyTorch's order: other, then self, then the result
#    (autograd_saved_tensors_hooks_tutorial.py prints "Packing ..." / "Unpacking ...")
def test_saved_tensors_hooks_order():
    def case(lib):
        a = lib.full((2,), 1.0, requires_grad=True)
        b = lib.full((2,), 2.0, requires_grad=True)
        seen = []

        def pack(t):
            seen.append(("pack", _np(t).ravel().tolist()))
            return t

        def unpack(t):
            seen.append(("unpack", _np(t).ravel().tolist()))
            return t

        outs = []
        for fn in (lambda: a * b, lambda: a / b, lambda: a[None] @ b[:, None], lambda: a ** b,
                   lambda: lib.atan2(a, b), lambda: lib.maximum(a, b), lambda: a * a):
            with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
                y = fn()
            y.sum().backward()
            seen.append("--")
        outs.append(_np(a.grad).tolist())
        outs.append(_np(b.grad).tolist())
        return seen, outs
    m, t = both(case)
    assert m == t


# -- and a unary op hands the hooks what PyTorch's node saves: sin its input, tan its output (miniconv keeps both)
@pytest.mark.parametrize("op", ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "exp2", "expm1", "log2",
                                "log10", "log1p", "rsqrt", "square", "reciprocal", "erf", "frac", "sign", "floor",
                                "ceil", "trunc", "round"])
def test_saved_tensors_hooks_see_what_pytorch_saves(op):
    def case(lib):
        x = lib.tensor([0.3, 0.45, 0.6], dtype=lib.float64, requires_grad=True)
        seen = []

        def pack(t):
            seen.append(np.round(_np(t), 12).tolist())
            return t

        with lib.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            y = getattr(lib, op)(x)
        y.sum().backward()
        return seen, _np(x.grad).tolist()
    m, t = both(case)
    assert m[0] == t[0]
    np.testing.assert_allclose(m[1], t[1], rtol=1e-12)


# -- a Python number operand stays in the node (PyTorch's MulBackward1 keeps it): the hooks never see it,
#    while a 0-d Tensor operand is packed as any saved tensor
def test_saved_tensors_hooks_skip_number_operands():
    def case(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        seen = []

        def pack(t):
            seen.append(np.round(_np(t), 12).tolist())
            return t

        grads = []
        for fn in (lambda: x * 2, lambda: 2 * x, lambda: 2 ** x, lambda: x ** 2, lambda: x * lib.tensor(2.0),
                   lambda: x.mul(3.5), lambda: lib.mul(x, 1.5)):
            with lib.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
                y = fn()
            y.sum().backward()
            grads.append(_np(x.grad).tolist())
            x.grad = None
            seen.append("--")
        return seen, grads
    m, t = both(case)
    assert m == t
