"""Random number generation: a Generator wrapping NumPy's PCG64, and the global default one.

``miniconv.manual_seed(s)`` reseeds the default generator so runs are reproducible;
``get_rng_state``/``set_rng_state`` save and restore it (used by training checkpoints).
"""
import numpy as np


class Generator:
    """A source of random numbers (``miniconv.Generator().manual_seed(0)``)."""

    def __init__(self, device="cpu"):
        self.numpy_generator = np.random.Generator(np.random.PCG64())
        self._seed = None

    def manual_seed(self, seed):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"manual_seed(): argument 'seed' must be int, not {type(seed).__name__}")
        self._seed = int(seed)
        self.numpy_generator = np.random.Generator(np.random.PCG64(int(seed) & (2**64 - 1)))
        return self

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The generator state as a JSON-friendly dict."""
        return self.numpy_generator.bit_generator.state

    def set_state(self, state):
        self.numpy_generator.bit_generator.state = state
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator (used by randn, rand, init functions, dropout, shuffling)."""
    return default_generator.manual_seed(seed)


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)
