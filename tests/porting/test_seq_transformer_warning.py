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


@pytest.mark.parametrize("kpm_dtype", ["bool", "float32"])
def test_mismatched_padding_and_attn_mask_warns_as_torch(kpm_dtype):
    """language_translation passes a float causal mask with a bool padding mask: PyTorch's deprecation warning."""
    found = []
    for lib in (torch, miniconv):
        mha = lib.nn.MultiheadAttention(8, 2)
        x = lib.ones(3, 2, 8)
        attn_mask = lib.zeros(3, 3)
        kpm = lib.zeros(2, 3, dtype=getattr(lib, kpm_dtype))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            mha(x, x, x, key_padding_mask=kpm, attn_mask=attn_mask)
        found.append(sorted({str(m.message) for m in w if "mismatched" in str(m.message)}))
    assert found[0] == found[1]
    assert bool(found[0]) == (kpm_dtype == "bool")
