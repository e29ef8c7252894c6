"""Transform cases written once against torchvision's API and run on both libraries: the reference
generator runs them with torchvision (``make_reference.py``), the tests with ``miniconv.vision``.

``lib`` gives: ``T`` (transforms), ``F`` (transforms.functional), ``tensor(ndarray)``, ``numpy(Tensor)``,
``seed(int)`` (torch.manual_seed / miniconv.manual_seed), ``Image`` (PIL.Image)."""
import numpy as np


def make_inputs():
    rng = np.random.default_rng(2024)
    return {
        "rgb": rng.integers(0, 256, size=(23, 31, 3), dtype=np.uint8),
        "gray": rng.integers(0, 256, size=(23, 31), dtype=np.uint8),
        "float": rng.random((3, 23, 31)).astype(np.float32),
    }


def _out(lib, img):
    """A PIL image or Tensor as (array, kind)."""
    if isinstance(img, lib.Image.Image):
        return np.asarray(img).copy(), f"PIL:{img.mode}"
    arr = lib.numpy(img)
    return arr, f"tensor:{arr.dtype}"


def transform_cases(lib, inputs):
    """{case name: (output array, kind)} for every deterministic transform / functional op with fixed parameters."""
    T, F, Image = lib.T, lib.F, lib.Image
    IM = T.InterpolationMode
    pil_rgb = Image.fromarray(inputs["rgb"])
    pil_gray = Image.fromarray(inputs["gray"])
    t_u8 = lib.tensor(np.ascontiguousarray(inputs["rgb"].transpose(2, 0, 1)))
    t_f32 = lib.tensor(inputs["float"])
    images = {"pil": pil_rgb, "gray": pil_gray, "u8": t_u8, "f32": t_f32}
    ops = {
        "resize16": T.Resize(16),
        "resize_hw": T.Resize((12, 40)),
        "resize_nearest": T.Resize(16, IM.NEAREST),
        "resize_nearest_exact": T.Resize(17, IM.NEAREST_EXACT),
        "resize_bicubic": T.Resize(16, IM.BICUBIC),
        "resize_up": T.Resize(40),
        "resize_up_bicubic": T.Resize((30, 37), IM.BICUBIC),
        "resize_max": T.Resize(16, max_size=20),
        "center10": T.CenterCrop(10),
        "center_pad": T.CenterCrop((30, 40)),
        "pad3": T.Pad(3),
        "pad_ltrb_fill": T.Pad((1, 2, 3, 4), fill=7),
        "pad_edge": T.Pad((2, 3), padding_mode="edge"),
        "pad_reflect": T.Pad(4, padding_mode="reflect"),
        "pad_symmetric": T.Pad((1, 2, 5, 3), padding_mode="symmetric"),
        "crop": lambda im: F.crop(im, 2, 3, 10, 12),
        "crop_outside": lambda im: F.crop(im, -2, -3, 10, 40),
        "hflip": F.hflip,
        "vflip": F.vflip,
        "resized_crop": lambda im: F.resized_crop(im, 2, 3, 15, 20, [16, 16]),
        "rotate30": lambda im: F.rotate(im, 30.0),
        "rotate_bilinear": lambda im: F.rotate(im, -17.5, IM.BILINEAR),
        "rotate_expand": lambda im: F.rotate(im, 40.0, IM.BILINEAR, expand=True),
        "rotate_center_fill": lambda im: F.rotate(im, 25.0, center=[5, 7], fill=[9.0] * F.get_dimensions(im)[0]),
        "affine": lambda im: F.affine(im, 20.0, [3, -2], 0.9, [10.0, 5.0]),
        "affine_bilinear": lambda im: F.affine(im, -12.0, [1, 2], 1.2, [0.0, -8.0], IM.BILINEAR),
        "affine_fill": lambda im: F.affine(im, 33.0, [0, 0], 0.7, 0.0, fill=[20.0] * F.get_dimensions(im)[0]),
        "brightness": lambda im: F.adjust_brightness(im, 1.3),
        "contrast": lambda im: F.adjust_contrast(im, 0.7),
        "saturation": lambda im: F.adjust_saturation(im, 1.6),
        "hue": lambda im: F.adjust_hue(im, 0.2),
        "hue_neg": lambda im: F.adjust_hue(im, -0.35),
        "gray1": T.Grayscale(),
        "gray3": T.Grayscale(3),
    }
    out = {}
    for op_name, op in ops.items():
        for img_name, img in images.items():
            if img_name == "gray" and op_name in ("gray3",):
                continue
            if img_name == "f32" and op_name in ("saturation",):
                pass
            out[f"{op_name}/{img_name}"] = _out(lib, op(img))
    # conversions
    out["to_tensor/pil"] = _out(lib, T.ToTensor()(pil_rgb))
    out["to_tensor/gray"] = _out(lib, T.ToTensor()(pil_gray))
    out["to_tensor/ndarray"] = _out(lib, T.ToTensor()(inputs["rgb"]))
    out["to_tensor/ndarray_f32"] = _out(lib, T.ToTensor()(inputs["float"].transpose(1, 2, 0).copy()))
    out["pil_to_tensor/pil"] = _out(lib, T.PILToTensor()(pil_rgb))
    out["to_pil/f32"] = _out(lib, T.ToPILImage()(t_f32))
    out["to_pil/u8"] = _out(lib, T.ToPILImage()(t_u8))
    out["to_pil/ndarray"] = _out(lib, T.ToPILImage()(inputs["gray"]))
    out["to_pil/f32_gray_F"] = _out(lib, T.ToPILImage(mode="F")(lib.tensor(inputs["float"][:1].copy())))
    out["convert/u8_to_f32"] = _out(lib, T.ConvertImageDtype(lib.float32)(t_u8))
    out["convert/f32_to_u8"] = _out(lib, T.ConvertImageDtype(lib.uint8)(t_f32))
    out["normalize/f32"] = _out(lib, T.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))(t_f32))
    out["erase/f32"] = _out(lib, F.erase(t_f32, 3, 4, 5, 6, lib.tensor(np.float32([[[0.5]], [[0.25]], [[-1.0]]]))))
    # batched tensors (..., C, H, W)
    batch = lib.tensor(np.stack([inputs["float"], inputs["float"][:, ::-1].copy()]))
    out["batch/resize"] = _out(lib, T.Resize((15, 18))(batch))
    out["batch/rotate"] = _out(lib, F.rotate(batch, 21.0, IM.BILINEAR))
    out["batch/hue"] = _out(lib, F.adjust_hue(batch, 0.1))
    out["batch/contrast"] = _out(lib, F.adjust_contrast(batch, 1.4))
    out["batch/erase"] = _out(lib, F.erase(batch, 1, 2, 3, 4, lib.tensor(np.float32([[[0.0]]]))))
    out["batch/pad_symmetric"] = _out(lib, F.pad(batch, [2, 1], padding_mode="symmetric"))
    out["pad_negative/u8"] = _out(lib, F.pad(t_u8, [-2, 1, 3, -1], padding_mode="edge"))
    out["pad_negative/pil"] = _out(lib, F.pad(pil_rgb, [-2, 1, 3, -1], padding_mode="edge"))
    out["resize_max/f32_antialias_off"] = _out(lib, F.resize(t_f32, 12, max_size=15, antialias=False))
    out["resize_bilinear_noaa/u8"] = _out(lib, F.resize(t_u8, [40, 17], antialias=False))
    # PIL modes through ToTensor / PILToTensor
    out["to_tensor/mode1"] = _out(lib, T.ToTensor()(pil_gray.convert("1")))
    out["to_tensor/modeI"] = _out(lib, T.ToTensor()(pil_gray.convert("I")))
    out["to_tensor/modeF"] = _out(lib, T.ToTensor()(pil_gray.convert("F")))
    out["to_tensor/rgba"] = _out(lib, T.ToTensor()(pil_rgb.convert("RGBA")))
    out["pil_to_tensor/L"] = _out(lib, T.PILToTensor()(pil_gray))
    out["to_pil/rgba_u8"] = _out(lib, T.ToPILImage()(lib.tensor(np.ascontiguousarray(
        np.concatenate([inputs["rgb"], inputs["rgb"][..., :1]], axis=2).transpose(2, 0, 1)))))
    out["compose/pil"] = _out(lib, T.Compose([T.Pad(4, padding_mode="reflect"), T.CenterCrop(24), T.ToTensor(),
                                              T.Normalize((0.5,) * 3, (0.25,) * 3)])(pil_rgb))
    return out


def param_statistics(lib, n=1500):
    """Means/stds of the random parameters each random transform draws (for the distribution check)."""
    T = lib.T
    lib.seed(0)
    img = lib.tensor(np.zeros((3, 80, 100), np.float32))
    stats = {}
    rrc = np.array([T.RandomResizedCrop.get_params(img, [0.08, 1.0], [3 / 4, 4 / 3]) for _ in range(n)], float)
    stats["rrc_mean"], stats["rrc_std"] = rrc.mean(0).tolist(), rrc.std(0).tolist()
    rc = np.array([T.RandomCrop.get_params(img, (50, 60)) for _ in range(n)], float)
    stats["rc_mean"], stats["rc_std"] = rc.mean(0).tolist(), rc.std(0).tolist()
    ang = np.array([T.RandomRotation.get_params([-30.0, 10.0]) for _ in range(n)])
    stats["rot_mean"], stats["rot_std"] = float(ang.mean()), float(ang.std())
    aff = []
    for _ in range(n):
        a, (tx, ty), s, (sx, sy) = T.RandomAffine.get_params([-20.0, 20.0], [0.1, 0.2], [0.8, 1.2],
                                                             [-5.0, 5.0, -3.0, 9.0], [100, 80])
        aff.append([a, tx, ty, s, sx, sy])
    aff = np.array(aff)
    stats["aff_mean"], stats["aff_std"] = aff.mean(0).tolist(), aff.std(0).tolist()
    cj = []
    for _ in range(n):
        order, b, c, s, h = T.ColorJitter.get_params((0.6, 1.4), (0.7, 1.3), (0.5, 1.5), (-0.1, 0.2))
        cj.append([b, c, s, h, list(lib.numpy(order)).index(0)])
    cj = np.array(cj)
    stats["cj_mean"], stats["cj_std"] = cj.mean(0).tolist(), cj.std(0).tolist()
    er = np.array([T.RandomErasing.get_params(img, (0.02, 0.33), (0.3, 3.3), [0.0])[:4] for _ in range(n)], float)
    stats["erase_mean"], stats["erase_std"] = er.mean(0).tolist(), er.std(0).tolist()
    flips = [lib.numpy(T.RandomHorizontalFlip(0.3)(lib.tensor(np.arange(2, dtype=np.float32)[None, None])))[0, 0, 0]
             for _ in range(n)]
    stats["hflip_rate"] = float(np.mean(np.asarray(flips) == 1.0))
    return stats


# -- models -------------------------------------------------------------------------------------------------
MODEL_BUILDERS = ["resnet18", "resnet34", "resnet50", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn", "mobilenet_v2",
                  "alexnet"]
FORWARD_MODELS = {"resnet18": 48, "resnet50": 40, "vgg11_bn": 32, "mobilenet_v2": 40, "alexnet": 71}
INIT_STAT_MODELS = ["resnet18", "vgg11", "mobilenet_v2", "alexnet"]


def deterministic_state(named_shapes):
    """{name: array} for (name, shape, kind) triples, drawn from a seed made of the name: weights
    N(0, 1/fan_in), biases small, BatchNorm running stats plausible, counters 0."""
    import zlib

    out = {}
    for name, shape in named_shapes:
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        shape = tuple(shape)
        if name.endswith("num_batches_tracked"):
            out[name] = np.zeros(shape, np.int64)
        elif name.endswith("running_var"):
            out[name] = rng.uniform(0.5, 1.5, shape).astype(np.float32)
        elif name.endswith("running_mean") or name.endswith("bias"):
            out[name] = (0.1 * rng.standard_normal(shape)).astype(np.float32)
        elif len(shape) == 1:  # BatchNorm weight
            out[name] = rng.uniform(0.5, 1.5, shape).astype(np.float32)
        else:
            fan_in = int(np.prod(shape[1:]))
            out[name] = (rng.standard_normal(shape, dtype=np.float32) / np.float32(np.sqrt(fan_in)))
    return out


def model_input(size):
    return np.random.default_rng(size).standard_normal((2, 3, size, size)).astype(np.float32)
