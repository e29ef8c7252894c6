"""NumPy stand-ins for the scikit-learn helpers Zero to Mastery's notebooks import (scikit-learn is not a
dependency): make_circles, make_blobs and train_test_split with the same signatures and array layouts
(the values come from NumPy's generator, not scikit-learn's). No torch import: the same file serves both runs."""
import numpy as np


def make_circles(n_samples=100, *, noise=None, random_state=None, factor=0.8):
    rng = np.random.default_rng(random_state)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack([np.c_[np.cos(t_out), np.sin(t_out)], factor * np.c_[np.cos(t_in), np.sin(t_in)]])
    y = np.hstack([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    order = rng.permutation(n_samples)
    X, y = X[order], y[order]
    if noise is not None:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


def make_blobs(n_samples=100, n_features=2, *, centers=3, cluster_std=1.0, random_state=None):
    rng = np.random.default_rng(random_state)
    centres = rng.uniform(-10, 10, size=(centers, n_features))
    y = rng.integers(0, centers, n_samples)
    X = centres[y] + rng.normal(scale=cluster_std, size=(n_samples, n_features))
    return X, y


def train_test_split(X, y, *, test_size=0.25, random_state=None):
    """(X_train, X_test, y_train, y_test); works on NumPy arrays and on tensors (indexed with a list)."""
    n = len(X)
    order = np.random.default_rng(random_state).permutation(n).tolist()
    n_test = int(np.ceil(n * test_size))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]
