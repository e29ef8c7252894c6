"""make_grid and save_image against torchvision's outputs for the same batch (reference/)."""
import io

import numpy as np
import pytest

import miniconv
from miniconv.vision import utils

import vision_reference as ref


@pytest.fixture
def batch():
    return miniconv.Tensor(ref.array("utils.input"))


@pytest.mark.parametrize("case, kwargs", [
    ("grid_default", {}),
    ("grid_nrow2_pad1", {"nrow": 2, "padding": 1, "pad_value": 0.5}),
    ("grid_normalize", {"normalize": True}),
    ("grid_norm_range_each", {"normalize": True, "value_range": (0.0, 1.0), "scale_each": True}),
])
def test_make_grid_equals_torchvision(batch, case, kwargs):
    before = batch.numpy().copy()
    out = utils.make_grid(batch, **kwargs)
    np.testing.assert_allclose(out.numpy(), ref.array(f"utils.{case}"), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(batch.numpy(), before)  # the input is not modified


def test_make_grid_single_gray_and_list(batch):
    np.testing.assert_array_equal(utils.make_grid(batch[:1, :1]).numpy(), ref.array("utils.grid_gray_single"))
    as_list = utils.make_grid([batch[i] for i in range(5)])
    np.testing.assert_array_equal(as_list.numpy(), ref.array("utils.grid_default"))
    with pytest.raises(TypeError, match="tensor or list of tensors expected, got"):
        utils.make_grid(np.zeros((2, 3, 4, 4)))
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        utils.make_grid(batch, normalize=True, value_range=[0, 1])


def test_save_image_equals_torchvision(batch, tmp_path):
    Image = pytest.importorskip("PIL.Image")
    buf = io.BytesIO()
    utils.save_image(batch, buf, format="PNG", nrow=3)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(buf.getvalue()))), ref.array("utils.saved_png"))
    path = tmp_path / "grid.png"
    utils.save_image(batch, str(path), nrow=3)
    np.testing.assert_array_equal(np.asarray(Image.open(path)), ref.array("utils.saved_png"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.png"]  # no temporary file left
    with pytest.raises(ValueError, match="unknown file extension: '.nope'"):
        utils.save_image(batch, str(tmp_path / "x.nope"))
