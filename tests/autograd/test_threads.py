"""Autograd under threads, compared with PyTorch running the same code.

N threads run backward into shared leaves at the same time: no gradient update may be lost (the sums are
exact: integer-valued float64 data); hooks run once per gradient; callbacks queued with
``queue_callback`` run in the backward call that queued them (DDP's gradient wait relies on it), and grad
mode is per thread.
"""
import sys
import threading

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")
N_THREADS = 8


def _queue_callback(lib):
    if lib is torch:
        from torch.autograd.variable import Variable

        return Variable._execution_engine.queue_callback
    return miniconv.autograd.queue_callback


def _run_threads(n, target):
    errors = []

    def run(i):
        try:
            target(i)
        except BaseException as e:  # noqa: BLE001 (reported by the main thread)
            errors.append(e)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    if errors:
        raise errors[0]


def _data(size, seed):
    return np.random.default_rng(seed).integers(-8, 9, size).astype(np.float64)  # exact sums in float64


def shared_leaf_sums(lib, size=1_000_000, steps=4):
    """Every thread runs ``steps`` backward passes into two shared leaves; returns their grads."""
    w = lib.tensor(_data(size, 0), requires_grad=True)
    b = lib.tensor(_data(size, 1), requires_grad=True)
    xs = [lib.tensor(_data(size, 10 + i)) for i in range(N_THREADS)]

    def work(i):
        for _ in range(steps):
            ((w * xs[i]).sum() + (b * b).sum() + (w * 2.0).sum()).backward()

    _run_threads(N_THREADS, work)
    return w.grad.numpy().copy(), b.grad.numpy().copy()


def test_threads_lose_no_gradient_update():
    size, steps = 1_000_000, 4  # large arrays: NumPy adds them without the GIL, so unlocked adds overlap
    gw_ours, gb_ours = shared_leaf_sums(miniconv, size, steps)
    gw_torch, gb_torch = shared_leaf_sums(torch, size, steps)
    xs = sum(_data(size, 10 + i) for i in range(N_THREADS))
    want_w = steps * (xs + 2.0 * N_THREADS)
    want_b = steps * N_THREADS * 2 * _data(size, 1)
    np.testing.assert_array_equal(gw_torch, want_w)  # the reference itself
    np.testing.assert_array_equal(gw_ours, gw_torch)
    np.testing.assert_array_equal(gb_ours, gb_torch)
    np.testing.assert_array_equal(gb_ours, want_b)


def hooks_under_threads(lib, steps=20):
    """A tensor hook (doubles the gradient) and a post-accumulate hook on a shared leaf, counted."""
    w = lib.tensor(_data(1000, 3), requires_grad=True)
    counts = {"hook": 0, "post": 0}
    lock = threading.Lock()

    def hook(g):
        with lock:
            counts["hook"] += 1
        return g * 2

    def post(p):
        with lock:
            counts["post"] += 1

    w.register_hook(hook)
    w.register_post_accumulate_grad_hook(post)

    def work(i):
        for _ in range(steps):
            (w * float(i + 1)).sum().backward()

    _run_threads(N_THREADS, work)
    return counts, w.grad.numpy().copy()


def test_hooks_run_once_per_gradient_under_threads():
    ours = hooks_under_threads(miniconv)
    theirs = hooks_under_threads(torch)
    assert ours[0] == theirs[0] == {"hook": 20 * N_THREADS, "post": 20 * N_THREADS}
    np.testing.assert_array_equal(ours[1], theirs[1])
    np.testing.assert_array_equal(ours[1], np.full(1000, 2.0 * 20 * sum(range(1, N_THREADS + 1))))


def callbacks_per_backward(lib):
    """Two threads in backward at the same time (a barrier inside a tensor hook holds both there), each
    queueing callbacks: every callback must run once, in the backward call of its own thread, before that
    call returns."""
    queue = _queue_callback(lib)
    both_inside = threading.Barrier(2, timeout=30)
    ran = {0: [], 1: []}
    returned = {}

    def work(i):
        x = lib.tensor(_data(64, 20 + i), requires_grad=True)
        y = x * 3.0

        def hook(g):
            queue(lambda: ran[i].append(("first", threading.get_ident())))
            both_inside.wait()  # the other thread is in its backward too
            queue(lambda: ran[i].append(("second", threading.get_ident())))
            both_inside.wait()  # neither backward returns before both queued their second callback
            return g

        y.register_hook(hook)
        y.sum().backward()
        returned[i] = (list(ran[i]), threading.get_ident())

    _run_threads(2, work)
    out = []
    for i in range(2):
        seen, ident = returned[i]
        assert all(t == ident for _, t in seen)  # ran on the thread of the backward that queued them
        out.append([name for name, _ in seen])
    return out


def test_queue_callback_belongs_to_its_backward_call():
    ours = callbacks_per_backward(miniconv)
    assert ours == callbacks_per_backward(torch) == [["first", "second"], ["first", "second"]]


def test_queue_callback_outside_backward_raises_on_any_thread():
    errors = {}
    for lib in (miniconv, torch):
        queue = _queue_callback(lib)

        def work(i, queue=queue, lib=lib):
            try:
                queue(lambda: None)
            except Exception as e:  # noqa: BLE001
                errors[lib.__name__] = type(e)

        _run_threads(1, work)
    assert errors == {"miniconv": RuntimeError, "torch": RuntimeError}


def test_nested_backward_in_a_hook_runs_its_own_callbacks():
    def run(lib):
        queue = _queue_callback(lib)
        order = []
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        c = lib.tensor([3.0], requires_grad=True)

        def post(p):
            queue(lambda: order.append("outer callback"))
            with lib.enable_grad():  # PyTorch runs hooks with grad mode off during backward
                (c * 2).sum().backward()  # a second backward from inside the first
            order.append("inner backward returned")

        def inner_post(p):
            queue(lambda: order.append("inner callback"))

        a.register_post_accumulate_grad_hook(post)
        c.register_post_accumulate_grad_hook(inner_post)
        (a * a).sum().backward()
        order.append("outer backward returned")
        return order

    assert run(miniconv) == run(torch) == ["inner callback", "inner backward returned", "outer callback",
                                           "outer backward returned"]


def grad_mode_per_thread(lib):
    """One thread under no_grad, the other with grad enabled, interleaved step by step."""
    step = threading.Barrier(2, timeout=30)
    seen = {}

    def work(i):
        x = lib.ones(3, requires_grad=True)
        if i == 0:
            with lib.no_grad():
                step.wait()
                y = x * 2
                step.wait()
                seen[i] = (y.requires_grad, lib.is_grad_enabled())
        else:
            step.wait()
            y = x * 2
            step.wait()
            seen[i] = (y.requires_grad, lib.is_grad_enabled())

    _run_threads(2, work)
    return seen


def test_grad_mode_is_per_thread():
    assert grad_mode_per_thread(miniconv) == grad_mode_per_thread(torch) == {0: (False, False), 1: (True, True)}


def test_leaf_lock_survives_copy_and_pickle():
    import copy
    import pickle

    model = miniconv.nn.Linear(3, 2)
    model(miniconv.ones(1, 3)).sum().backward()
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        clone(miniconv.ones(1, 3)).sum().backward()
        np.testing.assert_array_equal(clone.weight.grad.numpy(), 2 * np.ones((2, 3), np.float32))


def grad_mode_in_hooks(lib):
    """What hooks and callbacks see while backward runs: grad mode off (nothing they compute is recorded)."""
    queue = _queue_callback(lib)
    seen = []
    w = lib.ones(2, requires_grad=True)

    def tensor_hook(g):
        seen.append(("tensor hook", lib.is_grad_enabled(), (w * 2).requires_grad))

    def post(p):
        seen.append(("post-accumulate hook", lib.is_grad_enabled(), (p * 2).requires_grad))
        queue(lambda: seen.append(("callback", lib.is_grad_enabled(), (w * 2).requires_grad)))

    y = w * 3
    y.register_hook(tensor_hook)
    w.register_hook(tensor_hook)
    w.register_post_accumulate_grad_hook(post)
    y.sum().backward()
    seen.append(("after", lib.is_grad_enabled(), (w * 2).requires_grad))
    return seen


def test_hooks_and_callbacks_run_with_grad_mode_off():
    assert grad_mode_in_hooks(miniconv) == grad_mode_in_hooks(torch)


@pytest.mark.parametrize("lib", [miniconv, torch], ids=["miniconv", "torch"])
def test_first_forward_of_a_fresh_leaf_in_many_threads_loses_no_gradient(lib, monkeypatch):
    """Each thread's first op on a new leaf finds no gradient accumulator yet; all must end up
    with the same one, or the sums race through different locks. The accumulator's creation is
    slowed down in miniconv so that, without a lock, the threads would each make their own."""
    if lib is miniconv:
        import time

        from miniconv.autograd import function as fn

        real = fn.AccumulateGrad

        def slow(t):
            time.sleep(0.002)
            return real(t)

        monkeypatch.setattr(fn, "AccumulateGrad", slow)
    for trial in range(5):
        w = lib.zeros(64, dtype=lib.float64, requires_grad=True)
        barrier = threading.Barrier(N_THREADS)
        outs = [None] * N_THREADS

        def work(i):
            barrier.wait()
            outs[i] = (w * float(i + 1)).sum()
            outs[i].backward()

        _run_threads(N_THREADS, work)
        expected = float(sum(range(1, N_THREADS + 1)))
        assert w.grad is not None
        np.testing.assert_array_equal(np.asarray(w.grad.detach().numpy()), np.full(64, expected))
        if lib is miniconv:
            accs = {id(o.grad_fn.next_functions[0][0].next_functions[0][0]) for o in outs}
            assert len(accs) == 1
