"""The version-1 checkpoint writer of miniconv 0.1 (``.npz``), kept in tests only: it makes the old
files that miniconv.io must still load (one version of compatibility)."""
import json
import zipfile
from collections import OrderedDict

import numpy as np

from miniconv import Tensor

_ARRAY_KINDS = "biufc"


class CheckpointError(ValueError):
    pass


def save_v1(obj, path):
    arrays = {}
    root = _encode(obj, arrays, "obj")
    header = json.dumps({"format": "miniconv", "version": 1, "root": root}).encode("utf-8")
    members = {"__miniconv__": np.frombuffer(header, dtype=np.uint8)}
    members.update(arrays)
    with open(path, "wb") as out:
        _write_npz(out, members)


def _write_npz(out, members):
    with zipfile.ZipFile(out, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, arr in members.items():
            with zf.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(arr), allow_pickle=False)


def _encode(obj, arrays, where):
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, Tensor):
        return _encode_array(obj._data, "tensor", arrays, where)
    if isinstance(obj, np.ndarray):
        return _encode_array(obj, "ndarray", arrays, where)
    if isinstance(obj, np.generic):
        return _encode_array(np.asarray(obj), "scalar", arrays, where)
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if isinstance(k, (bool, np.bool_)) or not isinstance(k, (str, int, np.integer)):
                raise CheckpointError(
                    f"miniconv.save: dict keys must be str or int, got {type(k).__name__} key {k!r} in {where}"
                )
            key = k if isinstance(k, str) else int(k)
            items.append([key, _encode(v, arrays, f"{where}[{key!r}]")])
        return {"type": "odict" if isinstance(obj, OrderedDict) else "dict", "items": items}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {"type": kind, "items": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    raise CheckpointError(
        f"miniconv.save cannot store {where} of type {type(obj).__name__}: supported are dicts, lists, tuples, "
        "Tensors, numpy arrays and scalars, int, float, str, bool and None"
    )


def _encode_array(arr, kind, arrays, where):
    if arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.fields is not None:
        raise CheckpointError(f"miniconv.save cannot store {where}: arrays of dtype {arr.dtype} are not supported")
    name = f"a{len(arrays)}"
    arrays[name] = arr
    return {"type": kind, "array": name, "dtype": arr.dtype.str, "shape": list(arr.shape)}
