"""Attention: scaled_dot_product_attention and multi_head_attention_forward (PyTorch's reference math),
composed from matmul, softmax, dropout and linear, whose Functions give the gradients."""
import math
import warnings

import numpy as np

from ...autograd.composite import composite
from ...creation import cat, zeros
from ...functional import where
from ._args import _tensor_arg
from .activation import softmax
from .dropout import dropout
from .linear import linear


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(q @ k^T * scale + mask) @ v over (..., L, E) queries and (..., S, E) keys/values.

    ``attn_mask``: bool (True = may attend) or float (added); ``is_causal`` masks keys after each
    query (lower-left triangle); ``dropout_p`` drops attention weights (always, as PyTorch's function).
    """
    for name, t in (("query", query), ("key", key), ("value", value)):
        _tensor_arg(t, "scaled_dot_product_attention", name)
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError("scaled_dot_product_attention: expected query, key and value to have at least 2 "
                           "dimensions")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"Expected query and key to have the same embedding size, got {query.shape[-1]} and "
                           f"{key.shape[-1]}")
    L, S = query.shape[-2], key.shape[-2]
    scale_factor = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    if enable_gqa and key.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        rep = query.shape[-3] // key.shape[-3]
        key = key.unsqueeze(-3).expand(*key.shape[:-2], rep, *key.shape[-2:]).reshape(
            *key.shape[:-3], key.shape[-3] * rep, *key.shape[-2:])
        value = value.unsqueeze(-3).expand(*value.shape[:-2], rep, *value.shape[-2:]).reshape(
            *value.shape[:-3], value.shape[-3] * rep, *value.shape[-2:])

    def attend(query, key, value, attn_mask):
        scores = query.matmul(key.transpose(-2, -1)) * scale_factor
        if is_causal:
            allowed = np.tril(np.ones((L, S), dtype=bool))
            scores = where(query.new_tensor(allowed).bool(), scores, float("-inf"))
        if attn_mask is not None:
            if attn_mask.dtype == np.bool_:
                scores = where(attn_mask, scores, float("-inf"))
            else:
                scores = scores + attn_mask
        weights = softmax(scores, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p, training=True)
        return weights.matmul(value)
    if not _flash_path(query, key, value, dropout_p):
        return attend(query, key, value, attn_mask)
    # PyTorch's CPU flash-attention kernel: one node, whose backward it does not differentiate again
    return composite("ScaledDotProductFlashAttentionForCpuBackward0", attend, (query, key, value, attn_mask),
                     double_backward_error=(RuntimeError, "derivative for aten::_scaled_dot_product_flash_attention_"
                                            "for_cpu_backward is not implemented", "torch::autograd::NotImplemented"))


def _flash_path(q, k, v, dropout_p):
    """Whether PyTorch 2.13 runs this attention with its CPU flash kernel (4-D query, key and value of one batch
    and head shape and one head size, no dropout, nothing empty) rather than with composed ops."""
    return (dropout_p == 0.0 and q.ndim == k.ndim == v.ndim == 4 and q.shape[-1] == v.shape[-1]
            and q.shape[:2] == k.shape[:2] == v.shape[:2] and min(q.numel(), k.numel(), v.numel()) > 0)


def _canonical_mask(mask, name, target_dtype):
    """A bool mask (True = masked out) -> a float mask of 0 / -inf; a float mask is kept."""
    if mask is None:
        return None
    if mask.dtype == np.bool_:
        return where(mask, float("-inf"), zeros(tuple(mask.shape), dtype=target_dtype))
    if mask.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """PyTorch's multi-head attention over (L, N, E) query and (S, N, E) key/value (or unbatched (L, E))."""
    if static_k is not None or static_v is not None:
        raise NotImplementedError("multi_head_attention_forward: static_k / static_v are not supported by miniconv")
    is_batched = query.ndim == 3
    if query.ndim not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D "
                             "query tensor")
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if tuple(key.shape[:2]) != tuple(value.shape[:2]):
        raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                             f"{tuple(value.shape[:2])}")
    if key_padding_mask is not None and attn_mask is not None and key_padding_mask.dtype != attn_mask.dtype:
        warnings.warn("Support for mismatched key_padding_mask and attn_mask is deprecated. Use same type for both "
                      "instead.", stacklevel=2)  # PyTorch's deprecation (a bool padding mask with a float mask)
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    attn_mask = _canonical_mask(attn_mask, "attn_mask", query.dtype)
    # the causal hint only selects a kernel in PyTorch; the mask given is what is applied here
    if use_separate_proj_weight:
        b = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q = linear(query, q_proj_weight, b[0])
        k = linear(key, k_proj_weight, b[1])
        v = linear(value, v_proj_weight, b[2])
    else:
        w = in_proj_weight.chunk(3)
        b = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = linear(query, w[0], b[0]), linear(key, w[1], b[1]), linear(value, w[2], b[2])
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.expand(1, bsz, embed_dim)])
        v = cat([v, bias_v.expand(1, bsz, embed_dim)])
        if attn_mask is not None:
            attn_mask = cat([attn_mask, attn_mask.new_zeros((attn_mask.shape[0], attn_mask.shape[1], 1))], 2)
        if key_padding_mask is not None:
            key_padding_mask = cat([key_padding_mask, key_padding_mask.new_zeros((bsz, 1))], 1)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if add_zero_attn:
        k = cat([k, k.new_zeros((bsz * num_heads, 1, head_dim))], 1)
        v = cat([v, v.new_zeros((bsz * num_heads, 1, head_dim))], 1)
        if attn_mask is not None:
            attn_mask = cat([attn_mask, attn_mask.new_zeros((attn_mask.shape[0], attn_mask.shape[1], 1))], 2)
        if key_padding_mask is not None:
            key_padding_mask = cat([key_padding_mask, key_padding_mask.new_zeros((bsz, 1))], 1)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                 f"{tuple(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len).reshape(
            bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    scores = (q * math.sqrt(1.0 / float(head_dim))).matmul(k.transpose(-2, -1))
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = dropout(weights, p=dropout_p)
    out = weights.matmul(v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if not need_weights:
        return (out if is_batched else out.squeeze(1)), None
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(dim=1)
    if not is_batched:
        return out.squeeze(1), weights.squeeze(0)
    return out, weights
