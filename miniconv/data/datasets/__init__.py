"""Datasets read from files: MNIST and Fashion-MNIST (gzipped IDX, SHA256-verified)."""
from .mnist import MNIST, FashionMNIST, read_idx

__all__ = ["MNIST", "FashionMNIST", "read_idx"]
