"""How a Tensor prints: PyTorch's ``repr`` (``torch/_tensor_str.py``)."""
import numpy as np

from ..dtypes import _builtin_bool, bool, get_default_dtype, int64


class PrintMixin:
    """``repr(t)``: values as PyTorch formats them, then dtype, grad_fn or requires_grad."""

    def __repr__(self):
        """PyTorch's format: 4 decimals (or scientific for wide ranges), ``1.`` for whole floats,
        summarised beyond 1000 elements, then dtype (if not the default), grad_fn or requires_grad."""
        prefix = "tensor("
        if self._data.size == 0:
            body = f"[], size={tuple(self._data.shape)}" if self._data.ndim > 1 else "[]"
        else:
            body = _format_array(self._data, len(prefix))
        extras = []
        if self.dtype not in (get_default_dtype(), int64, bool):
            extras.append(f"dtype=miniconv.{self.dtype.name}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return prefix + body + "".join(", " + e for e in extras) + ")"


def _format_array(a, indent):
    """PyTorch's tensor printing (``torch/_tensor_str.py``: _Formatter, _vector_str,
    _tensor_str_with_formatter) for a non-empty array: same widths, line breaks and summarisation."""
    edge, linewidth = 3, 80
    summarize = a.size > 1000

    def summarized(x):
        if x.ndim == 0:
            return x.reshape(1)
        if summarize and x.shape[0] > 2 * edge:
            return np.concatenate([summarized(x[i]) for i in list(range(edge)) + list(range(len(x) - edge, len(x)))])
        return np.concatenate([summarized(x[i]) for i in range(len(x))]) if x.ndim > 1 else x

    vals = summarized(a)
    floating = a.dtype.kind == "f"
    int_mode, sci, width = True, False, 1
    if floating:
        finite = vals[np.isfinite(vals)]
        nz = finite[finite != 0].astype(np.float64)
        if nz.size:
            mx, mn = np.abs(nz).max(), np.abs(nz).min()
            int_mode = _builtin_bool(np.all(nz == np.ceil(nz)))
            if int_mode:
                sci = mx / mn > 1000.0 or mx > 1.0e8
                width = max(len(f"{v:.4e}") if sci else len(f"{v:.0f}") + 1 for v in nz)
            else:
                sci = mx / mn > 1000.0 or mx > 1.0e8 or mn < 1.0e-4
                width = max(len(f"{v:.4e}") if sci else len(f"{v:.4f}") for v in nz)
    else:
        width = max(len(str(v)) for v in vals.tolist())

    def fmt(v):
        if floating:
            v = float(v)
            if sci:
                out = f"{v:.4e}"
            elif int_mode:
                out = f"{v:.0f}" + ("." if np.isfinite(v) else "")
            else:
                out = f"{v:.4f}"
        else:
            out = str(v)
        return " " * (width - len(out)) + out

    def vector(x, ind):
        per_line = max(1, int((linewidth - ind) // (width + 2)))
        if summarize and len(x) > 2 * edge:
            data = [fmt(v) for v in x[:edge].tolist()] + [" ..."] + [fmt(v) for v in x[-edge:].tolist()]
        else:
            data = [fmt(v) for v in x.tolist()]
        lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (ind + 1)).join(lines) + "]"

    def nested(x, ind):
        if x.ndim == 0:
            return fmt(x.item())
        if x.ndim == 1:
            return vector(x, ind)
        if summarize and x.shape[0] > 2 * edge:
            parts = [nested(x[i], ind + 1) for i in range(edge)] + ["..."] + \
                    [nested(x[i], ind + 1) for i in range(len(x) - edge, len(x))]
        else:
            parts = [nested(x[i], ind + 1) for i in range(len(x))]
        return "[" + ("," + "\n" * (x.ndim - 1) + " " * (ind + 1)).join(parts) + "]"

    return nested(a, indent)
