"""PyTorch's "Forward-mode Automatic Differentiation (Beta)" tutorial (pytorch/tutorials intermediate_source/
forward_ad_usage.py, BSD licence), the sections before the functorch ones: dual tensors in a dual_level
(make_dual returning the tangent as is, or copied when its layout differs (tangent.T); unpack_dual's
namedtuple; plain tensors as zero tangents; tangents gone after the level exits), a Module whose parameters
are replaced through delattr/setattr by dual tensors, torch.func.functional_call with dual parameters, a
custom Function with a jvp staticmethod and gradcheck(check_forward_ad=True, check_backward_ad=False, ...).
Unchanged except where marked ``# adapted``: random tensors come from NumPy (the libraries' generators
differ), the Linear layers' weights are set from NumPy, and the results are recorded. The last sections
import the separate ``functorch`` package (``ft.jvp``, ``ft.make_functional_with_buffers``) and are left out."""
import torch
import torch.autograd.forward_ad as fwAD
import numpy as np  # adapted

from _vision_helpers import load_weights  # adapted

draws = np.random.default_rng(0)  # adapted
randn = lambda *s, dtype=torch.float32: torch.tensor(draws.standard_normal(s), dtype=dtype)  # adapted (torch.randn)
rand_like = lambda p: torch.tensor(draws.random(tuple(p.shape)), dtype=p.dtype)  # adapted (torch.rand_like)
result = {}  # adapted

primal = randn(10, 10)  # adapted (torch.randn)
tangent = randn(10, 10)  # adapted (torch.randn)

def fn(x, y):
    return x ** 2 + y ** 2

with fwAD.dual_level():
    dual_input = fwAD.make_dual(primal, tangent)
    assert fwAD.unpack_dual(dual_input).tangent is tangent

    # To demonstrate the case where the copy of the tangent happens,
    # we pass in a tangent with a layout different from that of the primal
    dual_input_alt = fwAD.make_dual(primal, tangent.T)
    assert fwAD.unpack_dual(dual_input_alt).tangent is not tangent

    # Tensors that do not have an associated tangent are automatically
    # considered to have a zero-filled tangent of the same shape.
    plain_tensor = randn(10, 10)  # adapted (torch.randn)
    dual_output = fn(dual_input, plain_tensor)

    # Unpacking the dual returns a namedtuple with ``primal`` and ``tangent``
    # as attributes
    jvp = fwAD.unpack_dual(dual_output).tangent
    result["basic"] = [jvp.numpy(), fwAD.unpack_dual(dual_output).primal.numpy(),
                       fwAD.unpack_dual(dual_input_alt).tangent.numpy()]  # adapted

assert fwAD.unpack_dual(dual_output).tangent is None

import torch.nn as nn

model = nn.Linear(5, 5)
load_weights(torch, model, seed=1)  # adapted
input = randn(16, 5)  # adapted (torch.randn)

params = {name: p for name, p in model.named_parameters()}
tangents = {name: rand_like(p) for name, p in params.items()}  # adapted (torch.rand_like)

with fwAD.dual_level():
    for name, p in params.items():
        delattr(model, name)
        setattr(model, name, fwAD.make_dual(p, tangents[name]))

    out = model(input)
    jvp = fwAD.unpack_dual(out).tangent
    result["module"] = [fwAD.unpack_dual(out).primal.detach().numpy(), jvp.detach().numpy()]  # adapted

from torch.func import functional_call

# We need a fresh module because the functional call requires the
# the model to have parameters registered.
model = nn.Linear(5, 5)

dual_params = {}
with fwAD.dual_level():
    for name, p in params.items():
        # Using the same ``tangents`` from the above section
        dual_params[name] = fwAD.make_dual(p, tangents[name])
    out = functional_call(model, dual_params, input)
    jvp2 = fwAD.unpack_dual(out).tangent

# Check our results
assert torch.allclose(jvp, jvp2)
result["functional_call"] = jvp2.detach().numpy()  # adapted

class Fn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, foo):
        result = torch.exp(foo)
        # Tensors stored in ctx can be used in the subsequent forward grad
        # computation.
        ctx.result = result
        return result

    @staticmethod
    def jvp(ctx, gI):
        gO = gI * ctx.result
        # If the tensor stored in ctx will not also be used in the backward pass,
        # one can manually free it using ``del``
        del ctx.result
        return gO

fn = Fn.apply

primal = randn(10, 10, dtype=torch.double).requires_grad_()  # adapted (torch.randn(..., requires_grad=True))
tangent = randn(10, 10)  # adapted (torch.randn)

with fwAD.dual_level():
    dual_input = fwAD.make_dual(primal, tangent)
    dual_output = fn(dual_input)
    jvp = fwAD.unpack_dual(dual_output).tangent
    result["custom_jvp"] = [jvp.detach().numpy(), str(jvp.dtype).split(".")[-1]]  # adapted

torch.autograd.gradcheck(Fn.apply, (primal,), check_forward_ad=True,
                         check_backward_ad=False, check_undefined_grad=False,
                         check_batched_grad=False)
