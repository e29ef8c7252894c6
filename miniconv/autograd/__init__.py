"""Reverse-mode automatic differentiation (PyTorch's ``torch.autograd``).

* ``grad_mode.py``: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.
* ``engine.py``: the graph walk, on nodes and NumPy arrays (it never sees a Tensor).
* ``node.py``: what every graph node has (edges, saved values and versions), the edge a Tensor's
  gradient flows into, ``RemovableHandle``.
* ``function.py``: ``Function`` (public, on Tensors), ``ArrayFunction`` (miniconv's ops, on
  arrays), the nodes of in-place writes through views.
* ``entry_points.py``: ``backward`` / ``grad`` (Tensors in, the engine's roots out), ``Variable``.
* ``higher_order.py``: the Tensor side of ``create_graph=True`` (gradients that are Tensors on the graph).
* ``gradcheck.py``: finite differences against the analytical Jacobian; ``gradgradcheck`` for second order.
* ``functional.py`` (``torch.autograd.functional``: jacobian, hessian, vjp, jvp, hvp, vhp), imported by
  ``miniconv/__init__.py`` last, since it builds on Tensor.
"""
from .grad_mode import (  # noqa: F401
    enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad, set_grad_enabled,
)
from .engine import AccumulateGrad, queue_callback  # noqa: F401
from .function import ArrayFunction, Function, RemovableHandle  # noqa: F401
from .entry_points import Variable, backward, grad  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: F401
from . import function  # noqa: F401
from . import profiler  # noqa: F401  (torch.autograd.profiler: profile, record_function)
from . import forward_ad  # noqa: F401,E402  (dual numbers, computed by the double-vjp trick)
from . import graph  # noqa: F401,E402  (saved_tensors_hooks, node hooks, Node)

__all__ = ["Function", "backward", "grad", "gradcheck", "gradgradcheck", "no_grad", "enable_grad", "set_grad_enabled",
           "inference_mode", "is_grad_enabled", "detect_anomaly", "set_detect_anomaly", "Variable"]
