"""Cases for the v1 transforms added after the first set (blur, colour ops, five/ten crops, perspective,
random containers), written once against torchvision's API and run on both libraries:
make_transforms_more_reference.py runs them with torchvision, test_vision_transforms_more.py with miniconv.

``lib`` gives ``T``, ``F``, ``Image``, ``tensor(ndarray)``, ``numpy(Tensor)``, ``seed(int)``."""
import random

import numpy as np


def make_inputs():
    rng = np.random.default_rng(77)
    rgb = rng.integers(0, 256, size=(23, 31, 3), dtype=np.uint8)
    rgb[:4, :5] = 0  # a flat dark corner so autocontrast/equalize/solarize see varied histograms
    return {"rgb": rgb, "gray": rng.integers(20, 200, size=(23, 31), dtype=np.uint8),
            "float": rng.random((3, 23, 31)).astype(np.float32)}


def _out(lib, img):
    if isinstance(img, lib.Image.Image):
        return np.asarray(img).copy(), f"PIL:{img.mode}"
    arr = lib.numpy(img)
    return arr, f"tensor:{arr.dtype}"


def images(lib, inputs):
    Image = lib.Image
    return {"pil": Image.fromarray(inputs["rgb"]), "gray": Image.fromarray(inputs["gray"]),
            "u8": lib.tensor(np.ascontiguousarray(inputs["rgb"].transpose(2, 0, 1))),
            "f32": lib.tensor(inputs["float"])}


def cases(lib, inputs):
    """{name: (array, kind)}: deterministic ops, and random ones made deterministic by p=0/1 or by seeding
    Python's ``random`` (which RandomChoice/RandomOrder use in torchvision)."""
    T, F = lib.T, lib.F
    IM = T.InterpolationMode
    imgs = images(lib, inputs)
    start = [[0, 0], [30, 0], [30, 22], [0, 22]]
    end = [[3, 2], [27, 1], [29, 20], [1, 19]]
    ops = {
        "blur3": lambda im: F.gaussian_blur(im, 3),
        "blur5_sigma": lambda im: F.gaussian_blur(im, [5, 3], [1.5, 0.7]),
        "invert": F.invert,
        "solarize": lambda im: F.solarize(im, 128 if not _is_float(lib, im) else 0.5),
        "sharp2": lambda im: F.adjust_sharpness(im, 2.0),
        "sharp0": lambda im: F.adjust_sharpness(im, 0.3),
        "autocontrast": F.autocontrast,
        "perspective": lambda im: F.perspective(im, start, end),
        "perspective_nearest_fill": lambda im: F.perspective(im, start, end, IM.NEAREST,
                                                             fill=[7.0] * F.get_dimensions(im)[0]),
        "tencrop": lambda im: T.TenCrop(10)(im),
        "fivecrop_hw": lambda im: T.FiveCrop((8, 12))(im),
        "tencrop_v": lambda im: T.TenCrop(9, vertical_flip=True)(im),
        "random_invert1": T.RandomInvert(p=1.0),
        "random_autocontrast1": T.RandomAutocontrast(p=1.0),
        "random_sharp1": T.RandomAdjustSharpness(3.0, p=1.0),
        "random_solarize0": T.RandomSolarize(0.1, p=0.0),
        "random_gray1": T.RandomGrayscale(p=1.0),
        "random_apply1": T.RandomApply([T.CenterCrop(12), T.Pad(2)], p=1.0),
        "random_apply0": T.RandomApply([T.CenterCrop(12)], p=0.0),
        "random_perspective0": T.RandomPerspective(p=0.0),
    }
    out = {}
    for op_name, op in ops.items():
        for img_name, img in imgs.items():
            res = op(img)
            if isinstance(res, tuple):
                for k, r in enumerate(res):
                    out[f"{op_name}.{k}/{img_name}"] = _out(lib, r)
            else:
                out[f"{op_name}/{img_name}"] = _out(lib, res)
    for img_name in ("pil", "gray", "u8"):  # uint8-only ops
        img = imgs[img_name]
        out[f"posterize3/{img_name}"] = _out(lib, F.posterize(img, 3))
        out[f"equalize/{img_name}"] = _out(lib, F.equalize(img))
        out[f"random_posterize1/{img_name}"] = _out(lib, T.RandomPosterize(2, p=1.0)(img))
        out[f"random_equalize1/{img_name}"] = _out(lib, T.RandomEqualize(p=1.0)(img))
    batch = lib.tensor(np.stack([inputs["rgb"].transpose(2, 0, 1), inputs["rgb"].transpose(2, 0, 1)[:, ::-1]]))
    out["batch/equalize"] = _out(lib, F.equalize(batch))
    out["batch/autocontrast"] = _out(lib, F.autocontrast(batch))
    out["batch/sharp"] = _out(lib, F.adjust_sharpness(batch, 1.7))
    out["posterize0/u8"] = _out(lib, F.posterize(imgs["u8"], 0))
    flat = lib.tensor(np.full((3, 6, 7), 0.25, np.float32))
    out["flat/autocontrast"] = _out(lib, F.autocontrast(flat))
    # Python's random drives RandomChoice / RandomOrder in torchvision: the same seed gives the same picks
    ops3 = [T.CenterCrop(12), T.Pad(1), F.hflip, F.invert]
    for k in range(4):
        random.seed(10 + k)
        out[f"random_choice.{k}/u8"] = _out(lib, T.RandomChoice(ops3)(imgs["u8"]))
        random.seed(20 + k)
        out[f"random_choice_p.{k}/pil"] = _out(lib, T.RandomChoice(ops3, p=[0.1, 0.2, 0.3, 0.4])(imgs["pil"]))
        random.seed(30 + k)
        out[f"random_order.{k}/u8"] = _out(lib, T.RandomOrder([T.CenterCrop(12), T.Pad((1, 0, 3, 2)), F.hflip])(
            imgs["u8"]))
    return out


def _is_float(lib, im):
    return not isinstance(im, lib.Image.Image) and lib.numpy(im).dtype.kind == "f"


def error_cases(lib, inputs):
    """{name: (exception class name, message)} for bad arguments."""
    T, F = lib.T, lib.F
    imgs = images(lib, inputs)
    calls = {
        "blur_even": lambda: F.gaussian_blur(imgs["u8"], 4),
        "blur_kernel_type": lambda: F.gaussian_blur(imgs["u8"], 3.0),
        "blur_kernel_len": lambda: F.gaussian_blur(imgs["u8"], [3, 3, 3]),
        "blur_sigma_neg": lambda: F.gaussian_blur(imgs["u8"], 3, -1.0),
        "blur_sigma_len": lambda: F.gaussian_blur(imgs["u8"], 3, [1.0, 2.0, 3.0]),
        "GaussianBlur_even": lambda: T.GaussianBlur(4),
        "GaussianBlur_sigma": lambda: T.GaussianBlur(3, sigma=(2.0, 1.0)),
        "GaussianBlur_sigma_neg": lambda: T.GaussianBlur(3, sigma=-1),
        "GaussianBlur_sigma_len": lambda: T.GaussianBlur(3, sigma=(1.0, 2.0, 3.0)),
        "posterize_bits": lambda: F.posterize(imgs["u8"], 9),
        "posterize0_pil": lambda: F.posterize(imgs["pil"], 0),
        "posterize_float": lambda: F.posterize(imgs["f32"], 3),
        "equalize_float": lambda: F.equalize(imgs["f32"]),
        "solarize_threshold": lambda: F.solarize(imgs["u8"], 300),
        "solarize_threshold_f": lambda: F.solarize(imgs["f32"], 1.5),
        "sharpness_neg": lambda: F.adjust_sharpness(imgs["f32"], -1.0),
        "invert_channels": lambda: F.invert(lib.tensor(np.zeros((2, 4, 4), np.uint8))),
        "invert_2d": lambda: F.invert(lib.tensor(np.zeros((4, 4), np.uint8))),
        "fivecrop_big": lambda: F.five_crop(imgs["u8"], 40),
        "fivecrop_dims": lambda: F.five_crop(imgs["u8"], [1, 2, 3]),
        "perspective_corners": lambda: F.perspective(imgs["u8"], [[0, 0]] * 3, [[0, 0]] * 4),
        "perspective_interp": lambda: F.perspective(imgs["u8"], [[0, 0], [1, 0], [1, 1], [0, 1]],
                                                    [[0, 0], [1, 0], [1, 1], [0, 1]], "bilinear"),
        "perspective_bicubic_tensor": lambda: F.perspective(imgs["u8"], [[0, 0], [1, 0], [1, 1], [0, 1]],
                                                            [[0, 0], [1, 0], [1, 1], [0, 1]],
                                                            T.InterpolationMode.BICUBIC),
        "RandomChoice_p": lambda: T.RandomChoice([F.hflip], p=0.5),
        "RandomOrder_seq": lambda: T.RandomOrder(F.hflip),
        "RandomPerspective_fill": lambda: T.RandomPerspective(fill="x"),
    }
    out = {}
    for name, call in calls.items():
        try:
            call()
        except Exception as e:  # noqa: BLE001 - the class and message are what is compared
            out[name] = [type(e).__name__, str(e)]
        else:
            out[name] = ["none", ""]
    return out


def param_statistics(lib, n=1500):
    """Means/stds of the parameters the new random transforms draw, and their application rates."""
    T = lib.T
    lib.seed(0)
    stats = {}
    sig = np.array([T.GaussianBlur.get_params(0.1, 2.0) for _ in range(n)])
    stats["blur_mean"], stats["blur_std"] = float(sig.mean()), float(sig.std())
    pts = np.array([np.ravel(T.RandomPerspective.get_params(40, 30, 0.5)[1]) for _ in range(n)], float)
    stats["persp_mean"], stats["persp_std"] = pts.mean(0).tolist(), pts.std(0).tolist()
    one = lib.tensor(np.ones((1, 1, 2), np.float32))
    stats["apply_rate"] = float(np.mean([lib.numpy(T.RandomApply([lambda x: x * 0], p=0.3)(one))[0, 0, 0] == 0
                                         for _ in range(n)]))
    stats["invert_rate"] = float(np.mean([lib.numpy(T.RandomInvert(p=0.7)(one))[0, 0, 0] == 0 for _ in range(n)]))
    return stats


AUG_OPS = [("ShearX", 0.25), ("ShearY", -0.3), ("TranslateX", 7.6), ("TranslateY", -5.2), ("Rotate", 21.0),
           ("Brightness", 0.6), ("Color", -0.4), ("Contrast", 0.5), ("Sharpness", 0.8), ("Posterize", 4.0),
           ("Solarize", 170.0), ("AutoContrast", 0.0), ("Equalize", 0.0), ("Invert", 0.0), ("Identity", 0.0)]


def autoaugment_cases(lib, inputs):
    """({name: (array, kind)} of each AutoAugment op on PIL/uint8 images, {name: magnitude table})."""
    A, T = lib.A, lib.T
    imgs = images(lib, inputs)
    out = {}
    for op_name, magnitude in AUG_OPS:
        for img_name in ("pil", "gray", "u8"):
            img = imgs[img_name]
            fill = None if img_name == "pil" else ([128.0] * lib.F.get_dimensions(img)[0] if img_name == "u8"
                                                   else 128)
            res = A._apply_op(img, op_name, magnitude, T.InterpolationMode.NEAREST, fill)
            out[f"aug.{op_name}/{img_name}"] = _out(lib, res)
        res = A._apply_op(imgs["u8"], op_name, magnitude, T.InterpolationMode.BILINEAR, None)
        out[f"aug.{op_name}.bilinear/u8"] = _out(lib, res)
    tables = {}
    for policy in ("IMAGENET", "CIFAR10", "SVHN"):
        aa = T.AutoAugment(getattr(T.AutoAugmentPolicy, policy))
        tables[f"AutoAugment.{policy}.policies"] = [[list(op) for op in sub] for sub in aa.policies]
    spaces = {"AutoAugment": T.AutoAugment()._augmentation_space(10, (23, 31)),
              "RandAugment": T.RandAugment()._augmentation_space(31, (23, 31)),
              "TrivialAugmentWide": T.TrivialAugmentWide()._augmentation_space(31)}
    for cls, space in spaces.items():
        tables[f"{cls}.space"] = [[k, np.asarray(lib.numpy(v) if not isinstance(v, np.ndarray) else v).tolist(), s]
                                  for k, (v, s) in space.items()]  # a list: the draw picks ops by index
    return out, tables
