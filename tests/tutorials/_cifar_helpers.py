"""Helpers for the kuangliu/pytorch-cifar script t111 (no torch import here: the library comes in as ``lib``, so
the same file serves both runs): a CIFAR-shaped batch normalised as the repo's main.py does."""
import numpy as np

from _vision_helpers import cifar_like

MEAN = np.array((0.4914, 0.4822, 0.4465), np.float32)[:, None, None]  # main.py's transforms.Normalize
STD = np.array((0.2023, 0.1994, 0.2010), np.float32)[:, None, None]


def cifar_batch(lib, n=2, seed=0):
    x, y = cifar_like(n, seed=seed)
    return lib.from_numpy((x - MEAN) / STD), lib.from_numpy(y)
