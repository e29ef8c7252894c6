"""Sliding blocks: unfold (im2col) and fold (col2im), composed from ``pad``, advanced indexing and
``scatter_add``, whose Functions give the gradients (fold is unfold's adjoint: overlaps are summed)."""
import numpy as np

from ...autograd.composite import composite
from ._args import _pair, _tensor_arg
from .padding import pad


def _block_args(fn, kernel_size, dilation, padding, stride):
    k, d, p, s = (_pair(v, fn, n) for v, n in ((kernel_size, "kernel_size"), (dilation, "dilation"),
                                                (padding, "padding"), (stride, "stride")))
    if min(k) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {k[0]} "
                           f"kernel_width: {k[1]}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} stride_width: {s[1]}")
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {d[0]} "
                           f"dilation_width: {d[1]}")
    if min(p) < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}")
    return k, d, p, s


def _blocks(size, k, d, p, s):
    return tuple((size[i] + 2 * p[i] - (d[i] * (k[i] - 1) + 1)) // s[i] + 1 for i in range(2))


def _block_index(k, d, s, blocks, width):
    """Flat index into a padded (H, W) plane of each (ki, kj, block) tap, shape (kh * kw, L)."""
    rows = (np.arange(k[0]) * d[0])[:, None, None, None] + (np.arange(blocks[0]) * s[0])[None, None, :, None]
    cols = (np.arange(k[1]) * d[1])[None, :, None, None] + (np.arange(blocks[1]) * s[1])[None, None, None, :]
    return rows, cols, (rows * width + cols).reshape(k[0] * k[1], blocks[0] * blocks[1])


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """Sliding local blocks of an (N, C, H, W) or (C, H, W) input as columns: (N, C * kh * kw, L)."""
    return composite("Im2ColBackward0", lambda x: _unfold(x, kernel_size, dilation, padding, stride), (input,),
                     saved=())


def _unfold(input, kernel_size, dilation, padding, stride):  # noqa: A002
    _tensor_arg(input, "unfold")
    k, d, p, s = _block_args("unfold", kernel_size, dilation, padding, stride)
    if input.ndim in (1, 2):  # PyTorch's im2col reads dimension ndim first
        n = input.ndim
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {n})")
    if input.ndim not in (3, 4) or any(n == 0 for n in input.shape[-3:]):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    x = input if input.ndim == 4 else input.unsqueeze(0)
    size = tuple(x.shape[2:])
    blocks = _blocks(size, k, d, p, s)
    if min(blocks) < 1:
        raise RuntimeError(
            f"Given input with spatial size ({size[0]}, {size[1]}), kernel_size=({k[0]}, {k[1]}), "
            f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of sliding blocks "
            f"as ({blocks[0]}, {blocks[1]}), but its components must be at least one.")
    if p != (0, 0):
        x = pad(x, (p[1], p[1], p[0], p[0]))
    rows, cols, _ = _block_index(k, d, s, blocks, 0)
    n, c = x.shape[:2]
    out = x[:, :, rows, cols].reshape(n, c * k[0] * k[1], blocks[0] * blocks[1])
    return out if input.ndim == 4 else out.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """Sum columns (N, C * kh * kw, L) (or (C * kh * kw, L)) back into an (N, C, H, W) image: overlaps add."""
    return composite("Col2ImBackward0", lambda x: _fold(x, output_size, kernel_size, dilation, padding, stride),
                     (input,), saved=())


def _fold(input, output_size, kernel_size, dilation, padding, stride):  # noqa: A002
    _tensor_arg(input, "fold")
    out_hw = _pair(output_size, "fold", "output_size")
    k, d, p, s = _block_args("fold", kernel_size, dilation, padding, stride)
    if input.ndim not in (2, 3) or any(n == 0 for n in input.shape[-2:]):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    x = input if input.ndim == 3 else input.unsqueeze(0)
    kk = k[0] * k[1]
    if x.shape[1] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={x.shape[1]} and kernel_size=({k[0]}, {k[1]}).")
    blocks = _blocks(out_hw, k, d, p, s)
    if min(blocks) < 1:
        raise RuntimeError(
            f"Given output_size=({out_hw[0]}, {out_hw[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, {d[1]}), "
            f"padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), calculated shape of the array of sliding blocks as "
            f"({blocks[0]}, {blocks[1]}), but its components must be at least one.")
    if x.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(
            f"Given output_size=({out_hw[0]}, {out_hw[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, {d[1]}), "
            f"padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input's dimension 2 to match the "
            f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
            f"input.size(2)={x.shape[2]}.")
    n, c = x.shape[0], x.shape[1] // kk
    hp, wp = out_hw[0] + 2 * p[0], out_hw[1] + 2 * p[1]
    _, _, flat = _block_index(k, d, s, blocks, wp)
    index = x.new_tensor(np.broadcast_to(flat.reshape(1, 1, -1), (n, c, flat.size)).copy()).long()
    out = x.new_zeros((n, c, hp * wp)).scatter_add(2, index, x.reshape(n, c, flat.size))
    out = out.reshape(n, c, hp, wp)[:, :, p[0]:p[0] + out_hw[0], p[1]:p[1] + out_hw[1]]
    return out if input.ndim == 3 else out.squeeze(0)
