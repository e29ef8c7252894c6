"""How a Tensor prints: PyTorch's ``repr`` (``torch/_tensor_str.py``)."""
import numpy as np

from ..dtypes import _builtin_bool, bool, get_default_dtype, int64


class _PrintOptions:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


PRINT_OPTS = _PrintOptions()
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, float("inf"), 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """PyTorch's ``torch.set_printoptions``: digits, summarisation threshold and edge items, line width,
    a profile (``'default'``, ``'short'``, ``'full'``) and a forced scientific mode (None: automatic).
    Note that, as in PyTorch, every call resets ``sci_mode`` to the value passed."""
    if profile is not None and profile in _PROFILES:
        (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems,
         PRINT_OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    return {"precision": PRINT_OPTS.precision, "threshold": PRINT_OPTS.threshold,
            "edgeitems": PRINT_OPTS.edgeitems, "linewidth": PRINT_OPTS.linewidth, "sci_mode": PRINT_OPTS.sci_mode}


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
        # PyTorch's _add_suffixes: a suffix that would run past the line width starts a new line (the
        # width counted as PyTorch's "torch." spelling, so the line breaks fall where PyTorch's do)
        out = [prefix + body]
        last_line_len = len(out[0]) - out[0].rfind("\n") + 1
        for e in extras:
            if last_line_len + len(e.replace("miniconv.", "torch.")) + 2 > PRINT_OPTS.linewidth:
                out.append(",\n" + " " * len(prefix) + e)
                last_line_len = len(prefix) + len(e)
            else:
                out.append(", " + e)
                last_line_len += len(e) + 2
        return "".join(out) + ")"


def _format_array(a, indent):
    """PyTorch's tensor printing (``torch/_tensor_str.py``: _Formatter, _vector_str,
    _tensor_str_with_formatter) for a non-empty array: same widths, line breaks and summarisation."""
    edge, linewidth, prec = PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth, PRINT_OPTS.precision
    summarize = a.size > PRINT_OPTS.threshold

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
            sci = (mx / mn > 1000.0 or mx > 1.0e8 or mn < 1.0e-4) if PRINT_OPTS.sci_mode is None \
                else _builtin_bool(PRINT_OPTS.sci_mode)
            if int_mode:
                width = max(len(f"{v:.{prec}e}") if sci else len(f"{v:.0f}") + 1 for v in nz)
            else:
                width = max(len(f"{v:.{prec}e}") if sci else len(f"{v:.{prec}f}") for v in nz)
    else:
        width = max(len(str(v)) for v in vals.tolist())

    def fmt(v):
        if floating:
            v = float(v)
            if sci:
                out = f"{v:.{prec}e}"
            elif int_mode:
                out = f"{v:.0f}" + ("." if np.isfinite(v) else "")
            else:
                out = f"{v:.{prec}f}"
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
