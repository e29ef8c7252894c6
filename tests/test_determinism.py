"""A whole training step gives the same bits with 1, 2 or 3 threads (every kernel and every GEMM
splits its work by shape, never by thread count)."""
import numpy as np

import miniconv as mc
import miniconv.nn as nn
import miniconv.nn.functional as F


def train(n_threads, steps=3):
    old = mc.get_num_threads()
    mc.set_num_threads(n_threads)
    try:
        mc.manual_seed(0)
        model = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(True), nn.MaxPool2d(2), nn.Dropout2d(0.25),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(True), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10),
        )
        opt = mc.optim.Adam(model.parameters(), lr=1e-3)
        x = mc.randn(96, 1, 28, 28)
        y = mc.randint(0, 10, (96,))
        for _ in range(steps):
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    finally:
        mc.set_num_threads(old)


def test_training_is_bitwise_identical_for_any_thread_count():
    ref = train(1)
    for n in (2, 3):
        other = train(n)
        for k in ref:
            np.testing.assert_array_equal(ref[k], other[k], err_msg=f"{k} differs with {n} threads")
