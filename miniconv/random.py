"""``torch.random``: the default generator's seed and state, and ``fork_rng`` (a block whose random draws do not
change the generator's state after it)."""
import contextlib

from ._random import get_rng_state, manual_seed, set_rng_state
from .functional_math import initial_seed, seed

__all__ = ["fork_rng", "get_rng_state", "initial_seed", "manual_seed", "seed", "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Save the CPU generator's state on entry and restore it on exit (with ``enabled=True``); there are no
    accelerator generators to fork."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
