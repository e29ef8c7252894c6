"""TensorBoard logging, as ``torch.utils.tensorboard``: ``SummaryWriter`` writes the event files
TensorBoard reads. Like PyTorch's, it needs the ``tensorboard`` package (the optional extra
``miniconv[tensorboard]``) and raises ImportError at import without it.

Ported from PyTorch's torch/utils/tensorboard (BSD-3-Clause licence, (c) PyTorch contributors):
the summaries are the same protocol buffers, built from the same NumPy code, so a script logs
the same records under either library. ``add_graph`` draws miniconv's autograd graph (PyTorch
traces with TorchScript), see ``_graph.py``; ``add_onnx_graph`` is PyTorch-only."""

try:
    import tensorboard
except ImportError as e:
    raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above") from e


def _version_tuple(v):
    out = []
    for part in str(v).split(".")[:2]:
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits or 0))
    return tuple(out)


if not hasattr(tensorboard, "__version__") or _version_tuple(tensorboard.__version__) < (1, 15):
    raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above")
del tensorboard

from tensorboard.summary.writer.record_writer import RecordWriter

from .writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "RecordWriter", "SummaryWriter"]
