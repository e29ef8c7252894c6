"""Direct oracle tests for the gaps the tutorial scripts t12-t19 found (each fixed in the file owning the op)."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("step_size", [1.0, 2.5, 3])
def test_steplr_float_step_size(step_size):
    """PyTorch's transformer tutorial builds StepLR(optimizer, 1.0, gamma=0.95)."""
    res = []
    for lib in (miniconv, torch):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=1.0)
        s = lib.optim.lr_scheduler.StepLR(opt, step_size, gamma=0.5)
        lrs = []
        for _ in range(6):
            opt.step()
            s.step()
            lrs.append(opt.param_groups[0]["lr"])
        s.step(4)  # closed form
        lrs.append(opt.param_groups[0]["lr"])
        res.append(lrs)
    np.testing.assert_allclose(res[0], res[1], rtol=1e-12)
