"""SGD's fused update (``_kernels.sgd_update``, one pass over parameter, gradient and momentum buffer)
against its NumPy twin (the expressions it replaced, op by op: the same bits), against torch.optim.SGD
(values), for 1, 2 and 3 threads (the same bits), and the NumPy path kept for what the kernel does not take."""
import numpy as np
import pytest

import miniconv
from miniconv import _kernels

torch = pytest.importorskip("torch")


def numpy_twin(p, g, buf, lr, wd, momentum, dampening, nesterov, maximize):
    """The NumPy expressions of SGD.step (Python float scalars: rounded to the arrays' dtype)."""
    p, g = p.copy(), g.copy()
    buf = None if buf is None else buf.copy()
    if maximize:
        g = -g
    if wd != 0:
        g = g + wd * p
    if momentum != 0:
        if buf is None:
            buf = np.array(g, copy=True)
        else:
            buf *= momentum
            buf += (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf
    p -= lr * g
    return p, buf


OPTIONS = [
    dict(lr=0.01, wd=5e-4, momentum=0.9, dampening=0.0, nesterov=False, maximize=False),
    dict(lr=0.1, wd=0.0, momentum=0.0, dampening=0.0, nesterov=False, maximize=False),
    dict(lr=0.03, wd=1e-2, momentum=0.5, dampening=0.3, nesterov=False, maximize=True),
    dict(lr=0.2, wd=1e-3, momentum=0.8, dampening=0.0, nesterov=True, maximize=False),
    dict(lr=1, wd=0, momentum=1, dampening=0, nesterov=False, maximize=False),  # ints, as a user may pass
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opts", OPTIONS)
@pytest.mark.parametrize("n", [1, 7, 1000, (1 << 15) * 3 + 5])  # below one chunk, several chunks, a ragged tail
@pytest.mark.parametrize("first", [True, False])
def test_kernel_same_bits_as_numpy_twin_any_threads(dtype, opts, n, first):
    rng = np.random.default_rng(n)
    p0 = rng.standard_normal(n).astype(dtype)
    g = rng.standard_normal(n).astype(dtype)
    b0 = None if first else rng.standard_normal(n).astype(dtype)
    want_p, want_b = numpy_twin(p0, g, b0, **opts)
    for threads in (1, 2, 3):
        p = p0.copy()
        b = np.empty_like(p0) if first else b0.copy()
        _kernels.sgd_update(p, g, b, opts["lr"], opts["wd"], opts["momentum"], opts["dampening"],
                            opts["nesterov"], opts["maximize"], first, threads)
        np.testing.assert_array_equal(p, want_p, err_msg=f"{threads} threads")
        if opts["momentum"] != 0:
            np.testing.assert_array_equal(b, want_b, err_msg=f"{threads} threads")


def test_kernel_rejects_mismatched_lengths():
    p = np.zeros(5, np.float32)
    with pytest.raises(ValueError, match="sgd_update: grad has 4 elements, expected 5"):
        _kernels.sgd_update(p, np.zeros(4, np.float32), p.copy(), 0.1, 0.0, 0.9, 0.0, False, False, False, 1)
    with pytest.raises(ValueError, match="sgd_update: buf has 6 elements, expected 5"):
        _kernels.sgd_update(p, np.zeros(5, np.float32), np.zeros(6, np.float32), 0.1, 0.0, 0.9, 0.0,
                            False, False, False, 1)


def _run(lib, params, grads, steps, **kw):
    ps = [lib.nn.Parameter(lib.from_numpy(a.copy())) for a in params]
    opt = lib.optim.SGD(ps, **kw)
    for k in range(steps):
        for p, g in zip(ps, grads):
            p.grad = lib.from_numpy((g * (1 + 0.1 * k)).astype(g.dtype))
        opt.step()
    return [p.detach().numpy().copy() for p in ps], opt


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", [dict(lr=0.05, momentum=0.9, weight_decay=5e-4),
                                dict(lr=0.05, momentum=0.9, dampening=0.2, maximize=True),
                                dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2),
                                dict(lr=0.05, weight_decay=1e-2)])
def test_sgd_matches_torch_and_numpy_twin(dtype, kw):
    rng = np.random.default_rng(1)
    shapes = [(64, 3, 3, 3), (64,), (10, 512), (200, 300)]  # the last one spans several chunks
    params = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ours, opt = _run(miniconv, params, grads, 4, **kw)
    theirs, _ = _run(torch, params, grads, 4, **kw)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, **tol)
    # the NumPy twin, step by step, gives the same bits
    for i, (p, g) in enumerate(zip(params, grads)):
        p, buf = p.copy(), None
        for k in range(4):
            p, buf = numpy_twin(p, (g * (1 + 0.1 * k)).astype(dtype), buf, kw["lr"], kw.get("weight_decay", 0),
                                kw.get("momentum", 0), kw.get("dampening", 0), kw.get("nesterov", False),
                                kw.get("maximize", False))
        np.testing.assert_array_equal(ours[i], p)
        if kw.get("momentum", 0):
            np.testing.assert_array_equal(opt.state[opt.param_groups[0]["params"][i]]["momentum_buffer"].numpy(),
                                          buf)


def test_sgd_same_bits_for_any_thread_count():
    rng = np.random.default_rng(2)
    params = [rng.standard_normal((300, 400)).astype(np.float32)]
    grads = [rng.standard_normal((300, 400)).astype(np.float32)]
    old = miniconv.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3):
            miniconv.set_num_threads(threads)
            results.append(_run(miniconv, params, grads, 3, lr=0.1, momentum=0.9, weight_decay=1e-3)[0][0])
    finally:
        miniconv.set_num_threads(old)
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], results[2])


def test_numpy_path_for_numpy_scalar_hyperparameters_and_float16():
    """A NumPy float64 lr makes NumPy compute in float64 (NumPy scalars are not weak): the kernel, which
    rounds scalars to the data's dtype, is not used then, and the result is what the expressions give."""
    rng = np.random.default_rng(3)
    p0 = rng.standard_normal(1000).astype(np.float32)
    g = rng.standard_normal(1000).astype(np.float32)
    p = miniconv.nn.Parameter(miniconv.from_numpy(p0.copy()))
    opt = miniconv.optim.SGD([p], lr=np.float64(0.1), momentum=0.9)
    p.grad = miniconv.from_numpy(g.copy())
    opt.step()
    want, _ = numpy_twin(p0, g, None, np.float64(0.1), 0, 0.9, 0, False, False)
    np.testing.assert_array_equal(p.detach().numpy(), want)
    # a non-contiguous gradient (a strided view): the NumPy path, the same bits as the twin
    wide = rng.standard_normal((50, 40)).astype(np.float32)
    q0 = rng.standard_normal((50, 20)).astype(np.float32)
    q = miniconv.nn.Parameter(miniconv.from_numpy(q0.copy()))
    opt = miniconv.optim.SGD([q], lr=0.1, momentum=0.9, weight_decay=1e-2)
    for _ in range(2):
        q.grad = miniconv.from_numpy(wide)[:, ::2]
        opt.step()
    want, buf = numpy_twin(q0, wide[:, ::2], None, 0.1, 1e-2, 0.9, 0, False, False)
    want, _ = numpy_twin(want, wide[:, ::2], buf, 0.1, 1e-2, 0.9, 0, False, False)
    np.testing.assert_array_equal(q.detach().numpy(), want)


def test_step_bumps_version_and_keeps_parameter_identity():
    p = miniconv.nn.Parameter(miniconv.ones(100000))
    data_id = p.data.data_ptr() if hasattr(p.data, "data_ptr") else None
    opt = miniconv.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = miniconv.ones(100000)
    v0 = p._version
    opt.step()
    assert p._version == v0 + 1
    if data_id is not None:
        assert p.data.data_ptr() == data_id
    np.testing.assert_array_equal(p.detach().numpy(), np.full(100000, 1 - np.float32(0.1), np.float32))
