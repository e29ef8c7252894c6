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


# -- samplers: arrays in, arrays out (argument checks are the callers', with PyTorch's messages) ------
def multinomial(g, probs, num_samples, replacement):
    """Indices drawn from the rows of ``probs`` (1-D or 2-D, non-negative, finite, each row summing > 0):
    with replacement by inverting each row's CDF; without, by the Gumbel-top-k trick (sampling
    without replacement in proportion to the weights), rows whose positive entries run out continue
    with the zero entries in order, as PyTorch does."""
    p = np.atleast_2d(np.asarray(probs, np.float64))
    rows, n = p.shape
    if replacement:
        cdf = np.cumsum(p, axis=1)
        cdf /= cdf[:, -1:]
        u = g.random((rows, num_samples))
        out = np.stack([np.searchsorted(cdf[r], u[r], side="right") for r in range(rows)]) if rows else \
            np.zeros((0, num_samples), np.int64)
        out = np.minimum(out, n - 1)
    else:
        with np.errstate(divide="ignore"):
            keys = np.log(p) - np.log(-np.log(g.random((rows, n))))  # log p + Gumbel noise; -inf for p == 0
        zero = ~(p > 0)
        keys[zero] = -np.inf
        order = np.argsort(-keys, axis=1, kind="stable")  # positive entries by key, then zeros by index
        out = order[:, :num_samples]
    out = out.astype(np.int64)
    return out[0] if np.ndim(probs) == 1 else out


def bernoulli(g, p, shape):
    return (g.random(shape) < p)


def poisson(g, rates):
    return g.poisson(np.asarray(rates, np.float64))


def exponential(g, lambd, shape):
    return g.exponential(1.0 / lambd, size=shape)


def geometric(g, p, shape):
    return g.geometric(p, size=shape)


def log_normal(g, mean, std, shape):
    return g.lognormal(mean, std, size=shape)


def cauchy(g, median, sigma, shape):
    return median + sigma * g.standard_cauchy(size=shape)


def integers(g, low, high, shape):
    return g.integers(low, high, size=shape, endpoint=False)
