"""conv2d_plan (the cost model's pick, for tests and benchmarks) refuses shapes with no convolution to plan
with a ValueError instead of dividing by zero in the estimates (it crashed the process with SIGFPE)."""
import pytest

from miniconv import _kernels


@pytest.mark.parametrize("x, w, out, kw", [
    ((2, 3, 4, 4), (0, 3, 1, 1), (4, 4), {}),
    ((0, 3, 4, 4), (4, 3, 3, 3), (2, 2), {}),
    ((2, 3, 4, 4), (4, 3, 3, 3), (0, 2), {}),
    ((2, 3, 4, 4), (4, 3, 3, 3), (2, 2), {"stride": (0, 1)}),
    ((2, 3, 4, 4), (4, 3, 3, 3), (2, 2), {"groups": 0}),
    ((2, 4, 4, 4), (3, 2, 3, 3), (2, 2), {"groups": 2}),
])
@pytest.mark.parametrize("pass_name", ["forward", "grad_input", "grad_weight"])
def test_plan_refuses_empty_or_invalid_shapes(x, w, out, kw, pass_name):
    with pytest.raises(ValueError, match="no convolution to plan"):
        _kernels.conv2d_plan(pass_name, x, w, out, **kw)


def test_plan_still_plans_a_real_layer():
    name, costs = _kernels.conv2d_plan("forward", (2, 3, 8, 8), (4, 3, 3, 3), (6, 6))
    assert name in ("direct-wide", "direct-lanes", "gemm", "winograd", "im2col", "taps")
    assert all(c is None or c > 0 for c in costs.values())
