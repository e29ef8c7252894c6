"""PyTorch's "Double Backward with Custom Functions" tutorial (pytorch/tutorials intermediate_source/
custom_function_double_backward_tutorial.py, BSD licence): Square (saving an input), Exp (saving an output),
Sinh returning its intermediate results as extra outputs (and the version that stores them on ctx, whose
gradient then has no graph), and Cube whose backward is itself a custom Function CubeBackward; each checked
with torch.autograd.gradcheck and gradgradcheck, then torch.autograd.grad(..., create_graph=True).
Unchanged except where marked ``# adapted``: torchviz.make_dot (a separate package drawing the graph) is
replaced by recording what the picture shows (grad_fn names, requires_grad) and the second derivatives;
torch.rand draws come from NumPy."""
import torch
import numpy as np  # adapted

rng = np.random.default_rng(0)  # adapted
result = {}  # adapted


def make_dot(outputs, params):  # adapted: what the torchviz picture shows, as numbers and names
    grad_x = params["grad_x"]
    entry = {"grad_requires_grad": grad_x.requires_grad,
             "grad_fn": grad_x.grad_fn.name() if grad_x.grad_fn is not None else None,
             "grad_x": grad_x.detach().numpy()}
    if grad_x.requires_grad:
        second, = torch.autograd.grad(grad_x.sum(), params["x"], retain_graph=True)
        entry["second"] = second.numpy()
    return entry


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        # Because we are saving one of the inputs use `save_for_backward`
        # Save non-tensors and non-inputs/non-outputs directly on ctx
        ctx.save_for_backward(x)
        return x**2

    @staticmethod
    def backward(ctx, grad_out):
        # A function support double backward automatically if autograd
        # is able to record the computations performed in backward
        x, = ctx.saved_tensors
        return grad_out * 2 * x

# Use double precision because finite differencing method magnifies errors
x = torch.tensor(rng.random((3, 3)), requires_grad=True, dtype=torch.double)  # adapted (torch.rand(3, 3, ...))
torch.autograd.gradcheck(Square.apply, x)
# Use gradcheck to verify second-order derivatives
torch.autograd.gradgradcheck(Square.apply, x)

x = torch.tensor(1., requires_grad=True).clone()
out = Square.apply(x)
grad_x, = torch.autograd.grad(out, x, create_graph=True)

# We can see that the gradient wrt to x, is itself a function of x (dout/dx = 2x)
# And the graph of this function has been properly constructed
result["square"] = make_dot((grad_x, x, out), {"grad_x": grad_x, "x": x, "out": out})  # adapted (result = )


class Exp(torch.autograd.Function):
    # Simple case where everything goes well
    @staticmethod
    def forward(ctx, x):
        # This time we save the output
        result = torch.exp(x)
        # Note that we should use `save_for_backward` here when
        # the tensor saved is an ouptut (or an input).
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_out):
        result, = ctx.saved_tensors
        return result * grad_out

x = torch.tensor(1., requires_grad=True, dtype=torch.double).clone()
# Validate our gradients using gradcheck
torch.autograd.gradcheck(Exp.apply, x)
torch.autograd.gradgradcheck(Exp.apply, x)

out = Exp.apply(x)
grad_x, = torch.autograd.grad(out, x, create_graph=True)
result["exp"] = make_dot((grad_x, x, out), {"grad_x": grad_x, "x": x, "out": out})  # adapted (result = )


class Sinh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        expx = torch.exp(x)
        expnegx = torch.exp(-x)
        ctx.save_for_backward(expx, expnegx)
        # In order to be able to save the intermediate results, a trick is to
        # include them as our outputs, so that the backward graph is constructed
        return (expx - expnegx) / 2, expx, expnegx

    @staticmethod
    def backward(ctx, grad_out, _grad_out_exp, _grad_out_negexp):
        expx, expnegx = ctx.saved_tensors
        grad_input = grad_out * (expx + expnegx) / 2
        # We cannot skip accumulating these even though we won't use the outputs
        # directly. They will be used later in the second backward.
        grad_input += _grad_out_exp * expx
        grad_input -= _grad_out_negexp * expnegx
        return grad_input

def sinh(x):
    # Create a wrapper that only returns the first output
    return Sinh.apply(x)[0]

x = torch.tensor(rng.random((3, 3)), requires_grad=True, dtype=torch.double)  # adapted (torch.rand(3, 3, ...))
torch.autograd.gradcheck(sinh, x)
torch.autograd.gradgradcheck(sinh, x)

out = sinh(x)
grad_x, = torch.autograd.grad(out.sum(), x, create_graph=True)
result["sinh"] = make_dot((grad_x, x, out), params={"grad_x": grad_x, "x": x, "out": out})  # adapted (result = )


class Sinh(torch.autograd.Function):
    # This is an example of what NOT to do!
    @staticmethod
    def forward(ctx, x):
        expx = torch.exp(x)
        expnegx = torch.exp(-x)
        ctx.expx = expx
        ctx.expnegx = expnegx
        return (expx - expnegx) / 2

    @staticmethod
    def backward(ctx, grad_out):
        expx = ctx.expx
        expnegx = ctx.expnegx
        grad_input = grad_out * (expx + expnegx) / 2
        return grad_input

out = Sinh.apply(x)
grad_x, = torch.autograd.grad(out.sum(), x, create_graph=True)
result["sinh_wrong"] = make_dot((grad_x, x, out), params={"grad_x": grad_x, "x": x, "out": out})  # adapted


def cube_forward(x):
    return x**3

def cube_backward(grad_out, x):
    return grad_out * 3 * x**2

def cube_backward_backward(grad_out, sav_grad_out, x):
    return grad_out * sav_grad_out * 6 * x

def cube_backward_backward_grad_out(grad_out, x):
    return grad_out * 3 * x**2

class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return cube_forward(x)

    @staticmethod
    def backward(ctx, grad_out):
        x, = ctx.saved_tensors
        return CubeBackward.apply(grad_out, x)

class CubeBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, grad_out, x):
        ctx.save_for_backward(x, grad_out)
        return cube_backward(grad_out, x)

    @staticmethod
    def backward(ctx, grad_out):
        x, sav_grad_out = ctx.saved_tensors
        dx = cube_backward_backward(grad_out, sav_grad_out, x)
        dgrad_out = cube_backward_backward_grad_out(grad_out, x)
        return dgrad_out, dx

x = torch.tensor(2., requires_grad=True, dtype=torch.double)

torch.autograd.gradcheck(Cube.apply, x)
torch.autograd.gradgradcheck(Cube.apply, x)

out = Cube.apply(x)
grad_x, = torch.autograd.grad(out, x, create_graph=True)
result["cube"] = make_dot((grad_x, x, out), params={"grad_x": grad_x, "x": x, "out": out})  # adapted (result = )
