"""--plot of examples/train_mnist.py: a figure with the loss per step (raw and smoothed), the test
accuracy per epoch on integer ticks, the confusion matrix, misclassified test digits labelled with
their predictions and the first layer's filters; without matplotlib, a clear message before training."""
import signal
import sys

import numpy as np
import pytest

from _mnist_example import DATA, EXAMPLES, TINY, needs_mnist, run

sys.path.insert(0, str(EXAMPLES))
import mnist_support  # noqa: E402

TITLES = ["training loss per step", "test accuracy per epoch", "confusion matrix (test set)",
          "misclassified test digits", "first conv layer filters"]


@needs_mnist
def test_plot_of_a_tiny_run_has_the_five_panels(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import train_mnist

    figures, make_figure = [], mnist_support.make_figure

    def keep(*args):
        figures.append((make_figure(*args), args))
        return figures[-1][0]

    monkeypatch.setattr(mnist_support, "make_figure", keep)
    out = tmp_path / "curves.png"
    handler = signal.getsignal(signal.SIGINT)
    argv = ["--data", DATA, *TINY, "--epochs", "2", "--checkpoint", str(tmp_path / "c.ckpt"), "--plot", str(out),
            "--summary-json", str(tmp_path / "s.json")]
    assert train_mnist.main(argv) == 0
    assert signal.getsignal(signal.SIGINT) is handler  # the run put the caller's Ctrl-C handler back
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    (fig, (step_losses, history, labels, pred, images, filters)), = figures
    axes = {ax.get_title().split(" (")[0] if "misclassified" in ax.get_title() else ax.get_title(): ax
            for ax in fig.axes}
    assert sorted(axes) == sorted(TITLES)

    loss = axes["training loss per step"]
    raw, smoothed = loss.get_lines()
    assert len(step_losses) == 24 and np.array_equal(raw.get_xdata(), np.arange(1, 25))
    assert np.array_equal(raw.get_ydata(), step_losses)
    assert np.ptp(smoothed.get_ydata()) < np.ptp(raw.get_ydata())  # smoother than the raw curve

    acc = axes["test accuracy per epoch"]
    test_line = acc.get_lines()[0]
    assert list(test_line.get_xdata()) == [1, 2]
    assert np.allclose(test_line.get_ydata(), [100 * h["test_acc"] for h in history])
    ticks = [t for t in acc.get_xticks() if acc.get_xlim()[0] <= t <= acc.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)  # no 0.96 ... 1.04 axis

    cm = axes["confusion matrix (test set)"].get_images()[0].get_array()
    assert cm.shape == (10, 10) and cm.sum() == len(labels) == 200
    assert np.trace(cm) == round(history[-1]["test_acc"] * 200)

    wrong = np.flatnonzero(pred != labels)
    digits = axes["misclassified test digits"]
    shown = min(len(wrong), 32)
    assert shown > 0  # two epochs of a tiny run leave mistakes to show
    assert [t.get_text() for t in digits.texts] == [str(p) for p in pred[wrong[:shown]]]
    assert f"{len(wrong)} of 200" in digits.get_title()

    tiles = axes["first conv layer filters"].get_images()[0].get_array()
    assert filters.shape == (8, 1, 3, 3) and tiles.shape == (3 * 4, 3 * 4)  # 8 filters on a 3x3 grid, 1-px gaps
    np.testing.assert_array_equal(tiles[:3, :3], filters[0, 0])


def test_smooth_is_a_trailing_mean():
    v = np.array([4.0, 2.0, 6.0, 0.0])
    np.testing.assert_allclose(mnist_support.smooth(v, window=2), [4.0, 3.0, 4.0, 3.0])


@needs_mnist
def test_plot_without_matplotlib_says_so_before_training(tmp_path):
    blocker = tmp_path / "block" / "matplotlib"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('No module named matplotlib')\n")
    out, _ = run(tmp_path, *TINY, "--epochs", "1", "--plot", str(tmp_path / "p.png"),
                 "--checkpoint", str(tmp_path / "c.ckpt"), expect=1, path_first=tmp_path / "block")
    assert "--plot needs matplotlib" in out and "pip install" in out
    assert "training on" not in out and "Traceback" not in out
