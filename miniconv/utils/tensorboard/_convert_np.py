"""Objects handed to the summary writer as NumPy arrays (tensors detached, scalars as 1-element arrays)."""

import numpy as np


def make_np(x):
    """``x`` (a miniconv tensor, NumPy array or Python/NumPy scalar) as a NumPy array."""
    from ...tensor import Tensor

    if isinstance(x, np.ndarray):
        return x
    if np.isscalar(x):
        return np.array([x])
    if isinstance(x, Tensor):
        return x.detach().numpy()
    raise NotImplementedError(f"Got {type(x)}, but numpy array or torch tensor are expected.")
