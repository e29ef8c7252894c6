"""torch.amp / torch.cuda.amp on a CPU: the same training loops on miniconv and PyTorch.

GradScaler('cpu') must take the same steps as PyTorch's (scale, unscale_, skipped steps on inf,
backoff, growth after growth_interval good steps, state_dict); the CUDA forms disable themselves
with PyTorch's warning; autocast never lowers precision in miniconv (warned), and the region's
results are then the float32 ones."""
import pickle
import warnings

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

W0 = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
XS = np.random.default_rng(1).standard_normal((6, 5, 4)).astype(np.float32)


def _loop(lib, inf_at=(), growth_interval=2, scaler_kw=None, unscale_and_clip=False, steps=6):
    model = lib.nn.Linear(4, 3)
    with lib.no_grad():
        model.weight.copy_(lib.tensor(W0))
        model.bias.zero_()
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scaler = lib.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=growth_interval, **(scaler_kw or {}))
    log = []
    for i in range(steps):
        opt.zero_grad()
        x = lib.tensor(XS[i])
        if i in inf_at:
            x = x * float("inf")
        loss = model(x).pow(2).mean()
        scaled = scaler.scale(loss)
        scaled.backward()
        if unscale_and_clip:
            scaler.unscale_(opt)
            lib.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        ret = scaler.step(opt)
        scaler.update()
        log.append((float(scaled.item()) if np.isfinite(scaled.item()) else "inf", scaler.get_scale(), ret,
                    scaler._get_growth_tracker()))
    return log, model.weight.detach().numpy().copy(), scaler.state_dict()


@pytest.mark.parametrize("kw", [{}, {"inf_at": (1, 2)}, {"inf_at": (3,), "growth_interval": 1},
                                {"unscale_and_clip": True}, {"scaler_kw": {"backoff_factor": 0.25,
                                                                           "growth_factor": 4.0}, "inf_at": (0,)}])
def test_cpu_grad_scaler_takes_pytorchs_steps(kw):
    a, b = _loop(miniconv, **kw), _loop(torch, **kw)
    assert len(a[0]) == len(b[0])
    for (la, sa, ra, ta), (lb, sb, rb, tb) in zip(a[0], b[0]):
        assert sa == sb and ra == rb and ta == tb
        if la == "inf" or lb == "inf":
            assert la == lb
        else:
            assert la == pytest.approx(lb, rel=1e-6)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-5, atol=1e-6)
    assert a[2] == b[2]


def test_state_dict_round_trip_and_pickle():
    for lib in (miniconv, torch):
        s = lib.amp.GradScaler("cpu", init_scale=8.0, growth_interval=3)
        s2 = lib.amp.GradScaler("cpu")
        s2.load_state_dict(s.state_dict())
        assert s2.state_dict() == s.state_dict() == {"scale": 8.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                                                      "growth_interval": 3, "_growth_tracker": 0}
        s3 = pickle.loads(pickle.dumps(s))
        assert s3.get_scale() == 8.0
        off = lib.amp.GradScaler("cpu", enabled=False)
        assert off.state_dict() == {} and off.get_scale() == 1.0
        with pytest.raises(RuntimeError, match="source state dict is empty"):
            s.load_state_dict({})


def test_misuse_errors_match():
    for lib in (miniconv, torch):
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.1)
        s = lib.amp.GradScaler("cpu")
        with pytest.raises(AssertionError, match="Attempted unscale_ but _scale is None"):
            s.unscale_(opt)
        s.scale(p.sum()).backward()
        s.unscale_(opt)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
            s.unscale_(opt)
        s.step(opt)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            s.step(opt)
        with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
            s.step(opt, closure=lambda: 0)
        with pytest.raises(AssertionError, match="growth factor must be > 1.0"):
            lib.amp.GradScaler("cpu", growth_factor=1.0)
        with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable"):
            s.scale(3.0)
        scaled = s.scale([p.sum(), (p * 2).sum()])
        assert isinstance(scaled, list) and len(scaled) == 2


def test_cuda_forms_disable_themselves_like_pytorch_without_cuda():
    for lib in (miniconv, torch):
        with pytest.warns(UserWarning, match="CUDA is not available.  Disabling"), \
                pytest.warns(FutureWarning, match="torch.cuda.amp.GradScaler\\(args...\\)` is deprecated"):
            s = lib.cuda.amp.GradScaler()
        with pytest.warns(FutureWarning, match="torch.cuda.amp.autocast\\(args...\\)` is deprecated"):
            lib.cuda.amp.autocast(enabled=False)
        assert not s.is_enabled()
        with pytest.warns(UserWarning, match="CUDA is not available or torch_xla is imported"):
            ctx = lib.autocast(device_type="cuda")
        with ctx:
            pass
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            s2 = lib.cuda.amp.GradScaler(enabled=False)  # the usual guarded form: silent
            lib.autocast(device_type="cuda", enabled=False)
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.5)
        loss = s2.scale((p * p).sum())
        loss.backward()
        s2.step(opt)
        s2.update()
        np.testing.assert_array_equal(p.detach().numpy(), [0.0, 0.0])


def test_cpu_autocast_runs_in_float32_and_says_so():
    x = np.random.default_rng(2).standard_normal((4, 8)).astype(np.float32)
    lin = miniconv.nn.Linear(8, 3)
    with pytest.warns(UserWarning, match="no bfloat16 kernels"):
        ctx = miniconv.autocast(device_type="cpu", dtype=miniconv.bfloat16)
    with ctx:
        y = lin(miniconv.tensor(x))
    assert y.dtype == miniconv.float32
    np.testing.assert_array_equal(y.detach().numpy(), lin(miniconv.tensor(x)).detach().numpy())
    for lib in (miniconv, torch):
        with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
            lib.autocast(device_type=3)
        assert lib.amp.autocast is lib.autocast

        @lib.autocast(device_type="cpu", enabled=False)
        def f(a):
            return a * 2

        assert f(lib.ones(1)).item() == 2.0


def test_out_of_memory_error_names():
    for lib in (miniconv, torch):
        assert lib.OutOfMemoryError is lib.cuda.OutOfMemoryError
        assert issubclass(lib.OutOfMemoryError, RuntimeError)
        try:
            raise lib.OutOfMemoryError("x")
        except RuntimeError as e:
            assert str(e) == "x"


def test_module_level_autocast_and_anomaly_state_functions():
    for lib in (miniconv, torch):
        assert lib.is_autocast_enabled("cpu") is False and lib.is_autocast_cpu_enabled() is False
        assert lib.get_autocast_dtype("cpu") == lib.get_autocast_cpu_dtype() == lib.bfloat16
        assert lib.get_autocast_gpu_dtype() == lib.float16
        assert lib.is_autocast_cache_enabled() is True
        lib.set_autocast_cache_enabled(False)
        assert lib.is_autocast_cache_enabled() is False
        lib.set_autocast_cache_enabled(True)
        lib.set_autocast_cpu_dtype(lib.float16)
        assert lib.get_autocast_cpu_dtype() == lib.float16
        lib.set_autocast_cpu_dtype(lib.bfloat16)
        assert lib.is_inference_mode_enabled() is False
        with lib.inference_mode():
            assert lib.is_inference_mode_enabled() is True
        assert lib.is_anomaly_enabled() is False and lib.is_anomaly_check_nan_enabled() is True
        lib.set_anomaly_enabled(True, False)
        assert lib.is_anomaly_enabled() is True and lib.is_anomaly_check_nan_enabled() is False
        lib.set_anomaly_enabled(False)
        assert lib.is_anomaly_enabled() is False and lib.is_anomaly_check_nan_enabled() is True
