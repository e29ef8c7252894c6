"""The warning ``nn.TransformerEncoder`` gives for ``enable_nested_tensor`` (printed by the word_language_model
and transformer tutorials): PyTorch's words for the reasons PyTorch gives."""
import warnings

import pytest

import miniconv

torch = pytest.importorskip("torch")


def _warnings(lib, **layer_kwargs):
    layer = lib.nn.TransformerEncoderLayer(8, 2, 16, **layer_kwargs)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        lib.nn.TransformerEncoder(layer, 2)
    return [str(m.message) for m in w if "enable_nested_tensor" in str(m.message)]


@pytest.mark.parametrize("kwargs", [{}, {"norm_first": True}, {"norm_first": True, "batch_first": True}],
                         ids=["seq_first", "norm_first", "norm_first_batch_first"])
def test_nested_tensor_warning_matches_torch(kwargs):
    assert _warnings(miniconv, **kwargs) == _warnings(torch, **kwargs)
    assert len(_warnings(torch, **kwargs)) == 1
