"""transforms.v2 cases written once against torchvision's API and run on both libraries
(make_transforms_more_reference.py with torchvision, test_vision_transforms_v2.py with miniconv).

``lib`` gives ``v2`` (transforms.v2), ``F`` (v2.functional), ``tv_tensors``, ``Image`` (PIL.Image),
``tensor(ndarray)``, ``numpy(Tensor)``, ``float32``, ``uint8``, ``int64``. Random transforms get fixed
parameters by replacing ``make_params`` on the instance (v2 calls it once per sample), so the transform
step and the handling of nested samples are compared exactly."""
import numpy as np


def make_inputs():
    rng = np.random.default_rng(5)
    return {"rgb": rng.integers(0, 256, size=(23, 31, 3), dtype=np.uint8),
            "float": rng.random((3, 23, 31)).astype(np.float32),
            "batch": rng.random((4, 3, 6, 7)).astype(np.float32)}


def _leaf(lib, x):
    """(array or None, kind) for a leaf of an output structure."""
    if isinstance(x, lib.Image.Image):
        return np.asarray(x).copy(), f"PIL:{x.mode}"
    if isinstance(x, lib.tv_tensors.Image):
        arr = lib.numpy(x)
        return arr, f"Image:{arr.dtype}"
    if hasattr(x, "shape") and not isinstance(x, np.ndarray):
        arr = lib.numpy(x)
        return arr, f"tensor:{arr.dtype}"
    return None, f"{type(x).__name__}:{x!r}"


def _flatten(x):
    if isinstance(x, (list, tuple)):
        out = [f"{type(x).__name__}[{len(x)}]"]
        for item in x:
            out.extend(_flatten(item))
        return out
    if isinstance(x, dict):
        out = [f"dict{list(x)}"]
        for item in x.values():
            out.extend(_flatten(item))
        return out
    return [x]


def _record(lib, out, name, result):
    """Store each leaf of ``result`` as name.k (arrays) and the structure as a list of kinds."""
    kinds = []
    for k, leaf in enumerate(_flatten(result)):
        if isinstance(leaf, str) and (leaf.startswith("tuple[") or leaf.startswith("list[") or
                                      leaf.startswith("dict[")):
            kinds.append(leaf)
            continue
        arr, kind = _leaf(lib, leaf)
        kinds.append(kind)
        if arr is not None:
            out["arrays"][f"{name}.{k}"] = arr
    out["kinds"][name] = kinds


def _fixed(t, **params):
    t.make_params = lambda flat_inputs: dict(params)
    return t


def cases(lib, inputs):
    v2, F, tvt = lib.v2, lib.F, lib.tv_tensors
    IM = v2.InterpolationMode
    pil = lib.Image.fromarray(inputs["rgb"])
    u8 = lib.tensor(np.ascontiguousarray(inputs["rgb"].transpose(2, 0, 1)))
    f32 = lib.tensor(inputs["float"])
    image = tvt.Image(u8)
    fimage = tvt.Image(f32)
    out = {"arrays": {}, "kinds": {}}
    singles = {"pil": pil, "u8": u8, "f32": f32, "image": image}
    ops = {
        "resize16": v2.Resize(16),
        "resize_hw": v2.Resize((12, 40)),
        "resize_bicubic": v2.Resize(16, IM.BICUBIC),
        "resize_up": v2.Resize(40),
        "resize_up_bicubic": v2.Resize((30, 37), "bicubic"),
        "resize_nearest": v2.Resize(17, IM.NEAREST),
        "resize_noaa": v2.Resize(16, antialias=False),
        "resize_max_only": v2.Resize(None, max_size=20),
        "center10": v2.CenterCrop(10),
        "pad_fill": v2.Pad(3, fill=5),
        "pad_reflect": v2.Pad((1, 2, 3, 4), padding_mode="reflect"),
        "gray1": v2.Grayscale(),
        "gray3": v2.Grayscale(3),
        "rotate": lambda x: F.rotate(x, 30.0),
        "rotate_bilinear_fill": lambda x: F.rotate(x, -20.0, IM.BILINEAR, fill=[3.0, 4.0, 5.0]),
        "affine": lambda x: F.affine(x, 15.0, [2, -1], 0.9, [5.0, 0.0]),
        "perspective": lambda x: F.perspective(x, [[0, 0], [30, 0], [30, 22], [0, 22]],
                                               [[2, 1], [28, 2], [29, 20], [1, 21]]),
        "brightness": lambda x: F.adjust_brightness(x, 1.4),
        "contrast": lambda x: F.adjust_contrast(x, 0.6),
        "saturation": lambda x: F.adjust_saturation(x, 1.5),
        "hue": lambda x: F.adjust_hue(x, 0.15),
        "sharpness": lambda x: F.adjust_sharpness(x, 1.8),
        "blur": lambda x: F.gaussian_blur(x, [3, 5], [1.0, 1.5]),
        "hflip": F.horizontal_flip,
        "vflip": F.vertical_flip,
        "invert": F.invert,
        "autocontrast": F.autocontrast,
        "crop_fixed": _fixed(v2.RandomCrop(16, padding=2), needs_crop=True, top=3, left=5, height=16, width=16,
                             needs_pad=True, padding=[2, 2, 2, 2]),
        "rrc_fixed": _fixed(v2.RandomResizedCrop(12), top=2, left=4, height=15, width=20),
        "rotation_fixed": _fixed(v2.RandomRotation(30, fill=7), angle=12.5),
        "affine_fixed": _fixed(v2.RandomAffine(10, interpolation=IM.BILINEAR), angle=-8.0, translate=(2, 1),
                               scale=1.1, shear=(3.0, 0.0)),
        "jitter_fixed": _fixed(v2.ColorJitter(0.4, 0.4, 0.4, 0.1), fn_idx=[2, 0, 3, 1], brightness_factor=1.2,
                               contrast_factor=0.8, saturation_factor=1.3, hue_factor=-0.05),
        "blur_fixed": _fixed(v2.GaussianBlur(5), sigma=[1.2, 1.2]),
        "hflip_p1": v2.RandomHorizontalFlip(p=1.0),
        "gray_p1": v2.RandomGrayscale(p=1.0),
    }
    for op_name, op in ops.items():
        for img_name, img in singles.items():
            _record(lib, out, f"{op_name}/{img_name}", op(img))
    # conversions
    _record(lib, out, "to_image/pil", v2.ToImage()(pil))
    _record(lib, out, "to_image/ndarray", v2.ToImage()(inputs["rgb"]))
    _record(lib, out, "to_image/tensor", v2.ToImage()(u8))
    _record(lib, out, "to_dtype/u8", v2.ToDtype(lib.float32, scale=True)(u8))
    _record(lib, out, "to_dtype/image", v2.ToDtype(lib.float32, scale=True)(image))
    _record(lib, out, "to_dtype/noscale", v2.ToDtype(lib.float32)(image))
    _record(lib, out, "to_dtype/f32_to_u8", v2.ToDtype(lib.uint8, scale=True)(fimage))
    _record(lib, out, "to_dtype/pil_passes", v2.ToDtype(lib.float32, scale=True)(pil))
    _record(lib, out, "to_pure/image", v2.ToPureTensor()(image))
    _record(lib, out, "pil_to_tensor/pil", v2.PILToTensor()(pil))
    _record(lib, out, "to_pil/image", v2.ToPILImage()(image))
    _record(lib, out, "normalize/fimage", v2.Normalize([0.4, 0.5, 0.6], [0.2, 0.25, 0.3])(fimage))
    _record(lib, out, "erase_fixed/fimage", _fixed(v2.RandomErasing(p=1.0), i=2, j=3, h=5, w=6,
                                                    v=lib.tensor(np.float32([[[0.5]]])))(fimage))
    _record(lib, out, "pipeline/pil", v2.Compose([
        v2.ToImage(), _fixed(v2.RandomResizedCrop(16), top=1, left=2, height=20, width=25),
        v2.RandomHorizontalFlip(p=1.0), v2.ToDtype(lib.float32, scale=True),
        v2.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])(pil))
    # nested samples: images get one set of parameters, other leaves pass through
    crop = _fixed(v2.RandomResizedCrop(10), top=3, left=1, height=14, width=18)
    _record(lib, out, "nested/tuple_label", crop((pil, 3)))
    _record(lib, out, "nested/dict", crop({"image": image, "label": 7, "name": "x", "extra": u8}))
    _record(lib, out, "nested/two_images", crop([image, tvt.Image(f32), {"t": u8}]))
    _record(lib, out, "nested/pure_tensors", crop((u8, f32, 2)))
    _record(lib, out, "nested/args", v2.RandomVerticalFlip(p=1.0)(pil, {"label": 1}))
    _record(lib, out, "nested/compose_args", v2.Compose([v2.CenterCrop(8), v2.ToImage()])(pil, 4))
    # MixUp / CutMix on a batch with fixed lambda / box
    batch = lib.tensor(inputs["batch"])
    labels = lib.tensor(np.array([0, 2, 1, 3], np.int64))
    _record(lib, out, "mixup/batch", _fixed(v2.MixUp(num_classes=5), lam=0.3)(batch, labels))
    _record(lib, out, "mixup/image", _fixed(v2.MixUp(num_classes=4), lam=0.8)((tvt.Image(batch), labels)))
    _record(lib, out, "cutmix/batch", _fixed(v2.CutMix(num_classes=5), box=(1, 2, 5, 6), lam_adjusted=0.6)(
        batch, labels))
    _record(lib, out, "cutmix/dict", _fixed(v2.CutMix(num_classes=4), box=(0, 0, 3, 2), lam_adjusted=0.75)(
        {"image": batch, "labels": labels}))
    return out


AUG_OPS = [("ShearX", 0.25), ("ShearY", -0.3), ("TranslateX", 7.6), ("TranslateY", -5.2), ("Rotate", 21.0),
           ("Brightness", 0.6), ("Color", -0.4), ("Contrast", 0.5), ("Sharpness", 0.8), ("Posterize", 4.0),
           ("Solarize", 0.6), ("AutoContrast", 0.0), ("Equalize", 0.0), ("Invert", 0.0), ("Identity", 0.0)]


def autoaugment_cases(lib, inputs):
    """Each v2 AutoAugment op on PIL / uint8 / Image inputs (through ``lib.apply_op``), and the magnitude
    tables of the three v2 classes as [name, values or None, signed] lists."""
    v2 = lib.v2
    pil = lib.Image.fromarray(inputs["rgb"])
    u8 = lib.tensor(np.ascontiguousarray(inputs["rgb"].transpose(2, 0, 1)))
    out = {"arrays": {}, "kinds": {}}
    aa = v2.AutoAugment(fill=9)
    for op, magnitude in AUG_OPS:
        for name, img in (("pil", pil), ("u8", u8), ("image", lib.tv_tensors.Image(u8))):
            _record(lib, out, f"aa.{op}/{name}", lib.apply_op(aa, img, op, magnitude))
    tables = {}
    for cls in (v2.AutoAugment, v2.RandAugment, v2.TrivialAugmentWide):
        space = cls._AUGMENTATION_SPACE
        rows = []
        for key, (fn, signed) in space.items():
            values = fn(10, 23, 31)
            rows.append([key, None if values is None else np.asarray(lib.numpy(values) if hasattr(values, "shape")
                                                                      and not isinstance(values, np.ndarray)
                                                                      else values).tolist(), signed])
        tables[cls.__name__] = rows
    return out, tables


def error_cases(lib, inputs):
    v2, F = lib.v2, lib.F
    pil = lib.Image.fromarray(inputs["rgb"])
    batch = lib.tensor(inputs["batch"])
    labels = lib.tensor(np.array([0, 2, 1, 3], np.int64))
    calls = {
        "normalize_pil": lambda: v2.Normalize([0.5], [0.5])(pil),
        "compose_empty": lambda: v2.Compose([]),
        "compose_type": lambda: v2.Compose(v2.Identity()),
        "apply_p": lambda: v2.RandomApply([v2.Identity()], p=2.0),
        "choice_p_len": lambda: v2.RandomChoice([v2.Identity()], p=[0.5, 0.5]),
        "flip_p": lambda: v2.RandomHorizontalFlip(p=-1),
        "resize_size": lambda: v2.Resize("x"),
        "resize_none": lambda: v2.Resize(None),
        "to_dtype_arg": lambda: v2.ToDtype("float"),
        "interp_string": lambda: F.resize(pil, [5, 5], interpolation="cubic"),
        "rrc_scale": lambda: v2.RandomResizedCrop(8, scale=0.5),
        "blur_sigma": lambda: v2.GaussianBlur(3, sigma=(2.0, 1.0)),
        "crop_big": lambda: v2.RandomCrop(40)(pil),
        "mixup_no_classes": lambda: v2.MixUp()(batch, labels),
        "mixup_pil": lambda: v2.MixUp(num_classes=5)(pil, labels),
        "mixup_3d_image": lambda: v2.MixUp(num_classes=5)(batch[0], labels),
        "mixup_labels_type": lambda: v2.MixUp(num_classes=5)(batch, 3),
        "jitter_hue": lambda: v2.ColorJitter(hue=0.8),
        "to_image_type": lambda: F.to_image(3),
        "aa_two_images": lambda: v2.AutoAugment()((pil, pil)),
        "aa_no_image": lambda: v2.RandAugment()((3, "x")),
        "randaugment_ops": lambda: v2.RandAugment(num_ops=-1),
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
