"""Direct oracle tests for the gaps public vision / training scripts (pytorch/examples, yunjey/pytorch-tutorial,
kuangliu/pytorch-cifar) hit under miniconv, each fixed in the file owning the behaviour."""
import os

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001  (the class and message are what is compared)
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("num_workers", [0, 1])
def test_dataloader_iterator_class_names_in_errors(num_workers):
    """yunjey's pytorch_basics calls the Python 2 ``data_iter.next()``: the AttributeError names PyTorch's class."""
    errs = []
    for lib in (torch, miniconv):
        ds = lib.utils.data.TensorDataset(lib.zeros(4, 2))
        it = iter(lib.utils.data.DataLoader(ds, batch_size=2, num_workers=num_workers))
        errs.append(_error(lambda: it.next()))
        del it
    assert errs[0] == errs[1]


@pytest.mark.parametrize("shuffle", [True, False])
def test_dataloader_over_an_empty_dataset(shuffle):
    """shuffle=True over an empty dataset fails when the DataLoader is built (RandomSampler), as in PyTorch;
    without shuffling it builds and yields nothing."""
    res = []
    for lib in (torch, miniconv):
        ds = lib.utils.data.TensorDataset(lib.zeros(0, 2))
        err = _error(lambda: lib.utils.data.DataLoader(ds, batch_size=64, shuffle=shuffle))
        res.append(err if err else len(list(lib.utils.data.DataLoader(ds, batch_size=64))))
    assert res[0] == res[1]
    for lib in (torch, miniconv):
        with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
            lib.utils.data.RandomSampler([])
        assert len(lib.utils.data.RandomSampler([], num_samples=3, replacement=True)) == 3


def test_save_into_a_missing_directory(tmp_path):
    """dcgan / vae / imagenet save checkpoints into --outf: a missing directory is PyTorch's RuntimeError."""
    target = str(tmp_path / "missing" / "ckpt.pth")
    errs = [_error(lambda: lib.save({"w": lib.zeros(2)}, target)) for lib in (torch, miniconv)]
    assert errs[0] == errs[1] == ("RuntimeError", f"Parent directory {tmp_path / 'missing'} does not exist.")
    assert _error(lambda: miniconv.io.save_torch({"w": miniconv.zeros(2)}, target)) == errs[0]
    assert not os.path.exists(tmp_path / "missing")
    miniconv.save({"w": miniconv.zeros(2)}, str(tmp_path / "ok.pth"))  # relative and existing paths still work


def test_save_image_into_a_missing_directory(tmp_path):
    """torchvision's save_image lets PIL open the path: FileNotFoundError naming the path, no temporary name."""
    pytest.importorskip("PIL")
    from miniconv.vision import utils

    target = str(tmp_path / "results" / "sample.png")
    want = _error(lambda: open(target, "wb"))
    assert _error(lambda: utils.save_image(miniconv.zeros(3, 4, 4), target)) == want
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("sub", ["sampler", "dataset", "dataloader"])
def test_torch_utils_data_submodule_paths(sub):
    """mnist_hogwild imports ``from torch.utils.data.sampler import Sampler``: the submodules exist with
    PyTorch's public names (StackDataset aside, which miniconv does not have), the same objects as the package's."""
    import importlib

    theirs = importlib.import_module(f"torch.utils.data.{sub}")
    ours = importlib.import_module(f"miniconv.utils.data.{sub}")
    want = set(theirs.__all__) - {"StackDataset"}
    assert set(ours.__all__) == want
    for name in want:
        assert getattr(ours, name) is getattr(miniconv.utils.data, name)
    assert getattr(miniconv.utils.data, sub) is ours


def test_load_state_dict_error_text():
    """Loading a checkpoint into a changed model: PyTorch's order (missing, unexpected, size mismatches) and
    its shape form (``torch.Size([3, 2])``, here with miniconv's prefix, as every printed Size)."""
    msgs = []
    for lib in (torch, miniconv):
        net = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Linear(2, 1))
        sd = {"0.weight": lib.ones(3, 2), "0.bias": lib.ones(2), "1.weight": lib.ones(1, 2), "extra": lib.ones(1)}
        with pytest.raises(RuntimeError) as info:
            net.load_state_dict(sd)
        msgs.append(str(info.value).replace("miniconv.Size", "torch.Size"))
    assert msgs[1] == msgs[0]
