"""pairwise_distance and bilinear, composed from differentiable Tensor ops."""
from ...autograd.composite import composite
from ._args import _tensor_arg


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """p-norm of (x1 - x2 + eps) along the last dimension (broadcasting x1 against x2)."""
    _tensor_arg(x1, "pairwise_distance", "x1")
    _tensor_arg(x2, "pairwise_distance", "x2")
    if x1.ndim == 0 and x2.ndim == 0:
        return (x1 - x2 + eps).abs()
    # PyTorch: norm(x1 - x2 + eps) with the scalar added by AddBackward1 and the norm's node NormBackward1
    diff = composite("AddBackward1", lambda d: d + eps, (x1 - x2,), saved=())
    return composite("NormBackward1", lambda d: d.norm(p, dim=-1, keepdim=keepdim), (diff,))


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]."""
    _tensor_arg(input1, "bilinear", "input1")
    _tensor_arg(input2, "bilinear", "input2")
    _tensor_arg(weight, "bilinear", "weight")
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for i in range(input1.ndim - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {input1.shape[i]} and "
                               f"{input2.shape[i]}")
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, got {weight.ndim} dimensions")
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                           f"expected {in1}")
    if input2.shape[-1] != in2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                           f"expected {in2}")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_f):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[-1]} but "
                           f"expected {out_f}")
    lead = tuple(input1.shape[:-1])
    t = input1.reshape(-1, in1).matmul(weight.permute(1, 0, 2).reshape(in1, out_f * in2))
    y = (t.reshape(-1, out_f, in2) * input2.reshape(-1, 1, in2)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(lead + (out_f,))
