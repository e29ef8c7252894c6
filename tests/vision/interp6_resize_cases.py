"""Tensor resizes written once against torchvision's API and run on both libraries:
make_interp6_reference.py runs them with torchvision (beside torch 2.14), test_interp6_resize.py with miniconv.
Float images are leaves that require grad: each case records the output and the gradient of a fixed weighted
sum of it (torchvision's resize is interpolate, so it is differentiable).

``lib`` gives ``T``, ``F``, ``v2``, ``F2``, ``IM`` (InterpolationMode), ``tensor(ndarray)``, ``leaf(ndarray)``
(requires grad), ``numpy(Tensor)``, ``grad(leaf)``."""
import numpy as np


def make_inputs():
    rng = np.random.default_rng(606)
    return {"f32": rng.random((3, 23, 31)).astype(np.float32),
            "f64": rng.random((2, 3, 23, 31)),
            "u8": rng.integers(0, 256, size=(3, 23, 31), dtype=np.uint8)}


def _weighted_sum_grad(lib, x, out):
    w = np.random.default_rng(7).standard_normal(tuple(out.shape)).astype(lib.numpy(out).dtype)
    (out * lib.tensor(w)).sum().backward()
    return lib.grad(x)


def cases(lib, inputs):
    """{name: array}: outputs ("<name>") and, for float inputs, input gradients ("<name>.grad")."""
    T, F, IM = lib.T, lib.F, lib.IM
    float_ops = {
        "default_down": ("f32", lambda x: F.resize(x, [11, 14])),
        "bicubic_aa_down": ("f32", lambda x: F.resize(x, [11, 14], IM.BICUBIC)),
        "bicubic_aa_up": ("f32", lambda x: F.resize(x, [40, 50], IM.BICUBIC)),
        "bicubic_plain_down": ("f32", lambda x: F.resize(x, [11, 14], IM.BICUBIC, antialias=False)),
        "bicubic_plain_up": ("f32", lambda x: F.resize(x, [37, 45], IM.BICUBIC, antialias=False)),
        "bilinear_antialias_none": ("f32", lambda x: F.resize(x, [11, 14], antialias=None)),
        "bilinear_mixed": ("f32", lambda x: F.resize(x, [9, 60])),
        "transform_bicubic_short_edge": ("f32", lambda x: T.Resize(12, IM.BICUBIC)(x)),
        "transform_max_size": ("f32", lambda x: T.Resize(12, max_size=14)(x)),
        "resized_crop_bicubic": ("f32", lambda x: F.resized_crop(x, 2, 3, 15, 20, [8, 8], IM.BICUBIC)),
        "nearest_exact_aa_ignored": ("f32", lambda x: F.resize(x, [11, 14], IM.NEAREST_EXACT, antialias=True)),
        "batch_f64_bicubic": ("f64", lambda x: F.resize(x, [9, 40], IM.BICUBIC)),
        "batch_f64_bilinear": ("f64", lambda x: F.resize(x, [30, 12])),
        "v2_bicubic": ("f32", lambda x: lib.v2.Resize(12, IM.BICUBIC)(x)),
        "v2_functional_bilinear": ("f32", lambda x: lib.F2.resize(x, [10, 17])),
    }
    out = {}
    for name, (key, op) in float_ops.items():
        x = lib.leaf(inputs[key])
        y = op(x)
        out[name] = lib.numpy(y)
        out[name + ".grad"] = _weighted_sum_grad(lib, x, y)
    u8 = lib.tensor(inputs["u8"])
    out["u8_bicubic_aa"] = lib.numpy(F.resize(u8, [11, 14], IM.BICUBIC))
    out["u8_bicubic_plain_up"] = lib.numpy(F.resize(u8, [37, 45], IM.BICUBIC, antialias=False))
    out["u8_bilinear_aa"] = lib.numpy(T.Resize((12, 40))(u8))
    out["u8_nearest"] = lib.numpy(F.resize(u8, 12, IM.NEAREST))
    return out
