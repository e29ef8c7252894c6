"""PyTorch's "Creating extensions using numpy and scipy" tutorial (pytorch/tutorials advanced_source/
numpy_extensions_tutorial.py, BSD licence, by Adam Paszke, updated by Adam Dziedzic), the whole script:
BadFFTFunction (a static-method autograd Function over numpy.fft's rfft2/irfft2, returning input.new(ndarray) and
grad_output.new(ndarray)), ScipyConv2dFunction (scipy.signal's correlate2d/convolve2d on detached tensors'
.numpy(), ctx.save_for_backward, torch.as_tensor(result, dtype=input.dtype)), the ScipyConv2d Module with
Parameter(torch.randn(...)) from torch.nn.modules.module and torch.nn.parameter, its forward/backward, and
torch.autograd.gradcheck.gradcheck on a double input. Unchanged except where marked ``# adapted``: what it prints
is also recorded, and the same checks are run on a float32 module."""
import torch
from torch.autograd import Function

result_ = {}  # adapted (the script's own ``result`` below is a tensor)

from numpy.fft import rfft2, irfft2


class BadFFTFunction(Function):
    @staticmethod
    def forward(ctx, input):
        numpy_input = input.detach().numpy()
        result = abs(rfft2(numpy_input))
        return input.new(result)

    @staticmethod
    def backward(ctx, grad_output):
        numpy_go = grad_output.numpy()
        result = irfft2(numpy_go)
        return grad_output.new(result)

# since this layer does not have any parameters, we can
# simply declare this as a function, rather than as an ``nn.Module`` class


def incorrect_fft(input):
    return BadFFTFunction.apply(input)

###############################################################
# **Example usage of the created layer:**

torch.manual_seed(0)  # adapted
input = torch.randn(8, 8, requires_grad=True)
result = incorrect_fft(input)
print(result)
result.backward(torch.randn(result.size()))
print(input)
result_["fft"] = [result.tolist(), result.dtype == torch.float32, result.requires_grad, type(result.grad_fn).__name__,
                  input.grad.tolist()]  # adapted

from numpy import flip
import numpy as np
from scipy.signal import convolve2d, correlate2d
from torch.nn.modules.module import Module
from torch.nn.parameter import Parameter


class ScipyConv2dFunction(Function):
    @staticmethod
    def forward(ctx, input, filter, bias):
        # detach so we can cast to NumPy
        input, filter, bias = input.detach(), filter.detach(), bias.detach()
        result = correlate2d(input.numpy(), filter.numpy(), mode='valid')
        result += bias.numpy()
        ctx.save_for_backward(input, filter, bias)
        return torch.as_tensor(result, dtype=input.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        grad_output = grad_output.detach()
        input, filter, bias = ctx.saved_tensors
        grad_output = grad_output.numpy()
        grad_bias = np.sum(grad_output, keepdims=True)
        grad_input = convolve2d(grad_output, filter.numpy(), mode='full')
        # the previous line can be expressed equivalently as:
        # grad_input = correlate2d(grad_output, flip(flip(filter.numpy(), axis=0), axis=1), mode='full')
        grad_filter = correlate2d(input.numpy(), grad_output, mode='valid')
        return torch.as_tensor(grad_input, dtype=input.dtype), torch.as_tensor(grad_filter, dtype=filter.dtype), torch.as_tensor(grad_bias, dtype=bias.dtype)


class ScipyConv2d(Module):
    def __init__(self, filter_width, filter_height):
        super(ScipyConv2d, self).__init__()
        self.filter = Parameter(torch.randn(filter_width, filter_height))
        self.bias = Parameter(torch.randn(1, 1))

    def forward(self, input):
        return ScipyConv2dFunction.apply(input, self.filter, self.bias)


###############################################################
# **Example usage:**

module = ScipyConv2d(3, 3)
print("Filter and bias: ", list(module.parameters()))
input = torch.randn(10, 10, requires_grad=True)
output = module(input)
print("Output from the convolution: ", output)
output.backward(torch.randn(8, 8))
print("Gradient for the input map: ", input.grad)
result_["conv"] = [[p.tolist() for p in module.parameters()], output.tolist(), input.grad.tolist(),
                   module.filter.grad.tolist(), module.bias.grad.tolist(), output.dtype == torch.float32]  # adapted
# adapted: the same cross-correlation through the library's conv2d
ref = torch.nn.functional.conv2d(input.detach()[None, None], module.filter.detach()[None, None],
                                 module.bias.detach().view(1))
result_["conv_matches_conv2d"] = bool((ref[0, 0] - output.detach()).abs().max() < 1e-5)  # adapted

###############################################################
# **Check the gradients:**

from torch.autograd.gradcheck import gradcheck

moduleConv = ScipyConv2d(3, 3)

input = [torch.randn(20, 20, dtype=torch.double, requires_grad=True)]
test = gradcheck(moduleConv, input, eps=1e-6, atol=1e-4)
print("Are the gradients correct: ", test)
result_["gradcheck"] = test  # adapted
try:  # adapted: gradcheck on the float32 parameters fails and says why
    gradcheck(moduleConv, [torch.randn(6, 6, dtype=torch.double, requires_grad=True)], eps=1e-6, atol=1e-4,
              raise_exception=False)
    result_["gradcheck_f32"] = gradcheck(moduleConv, [torch.randn(6, 6, requires_grad=True)], eps=1e-6,
                                         atol=1e-4, raise_exception=False)
except Exception as e:
    result_["gradcheck_f32"] = [type(e).__name__, str(e)]
result = result_  # adapted
