"""Justin Johnson's "Learning PyTorch with Examples" (github.com/jcjohnson/pytorch-examples, MIT licence), the
two-layer ReLU network with N, D_in, H, D_out = 64, 1000, 100, 10 written seven ways, each script in turn:
tensor/two_layer_net_numpy.py and tensor/two_layer_net_tensor.py (hand-written gradients: x.mm(w1),
clamp(min=0), .t().mm, grad_h[h < 0] = 0, in-place -= updates), autograd/two_layer_net_autograd.py (w1 -= ... under
no_grad, grad.zero_()), autograd/two_layer_net_custom_function.py (MyReLU with ctx.save_for_backward and a
masked assignment into grad_output.clone()), nn/two_layer_net_nn.py (model.zero_grad(), param.data -= ...),
nn/two_layer_net_optim.py (Adam), nn/two_layer_net_module.py (a Module subclass) and nn/dynamic_net.py (a
random number of reused middle layers, SGD with momentum). Unchanged except where marked ``# adapted``: the
scripts' random draws are seeded (NumPy's, torch's and Python's), 40 iterations instead of 500, and the printed
losses are also recorded."""
result = {}  # adapted

# ---------------------------------------------------------------- tensor/two_layer_net_numpy.py
import numpy as np

np.random.seed(0)  # adapted
N, D_in, H, D_out = 64, 1000, 100, 10

x = np.random.randn(N, D_in)
y = np.random.randn(N, D_out)

w1 = np.random.randn(D_in, H)
w2 = np.random.randn(H, D_out)

learning_rate = 1e-6
numpy_losses = []  # adapted
for t in range(40):  # adapted (500)
  h = x.dot(w1)
  h_relu = np.maximum(h, 0)
  y_pred = h_relu.dot(w2)

  loss = np.square(y_pred - y).sum()
  print(t, loss)
  numpy_losses.append(loss)  # adapted

  grad_y_pred = 2.0 * (y_pred - y)
  grad_w2 = h_relu.T.dot(grad_y_pred)
  grad_h_relu = grad_y_pred.dot(w2.T)
  grad_h = grad_h_relu.copy()
  grad_h[h < 0] = 0
  grad_w1 = x.T.dot(grad_h)

  w1 -= learning_rate * grad_w1
  w2 -= learning_rate * grad_w2
numpy_data = x, y, w1, w2  # adapted: the NumPy run is the same on both sides; its data feed the tensor version

# ---------------------------------------------------------------- tensor/two_layer_net_tensor.py
import torch

device = torch.device('cpu')

N, D_in, H, D_out = 64, 1000, 100, 10

torch.manual_seed(0)  # adapted
x = torch.randn(N, D_in, device=device)
y = torch.randn(N, D_out, device=device)

w1 = torch.randn(D_in, H, device=device)
w2 = torch.randn(H, D_out, device=device)

learning_rate = 1e-6
result["tensor"] = []  # adapted
for t in range(40):  # adapted (500)
  h = x.mm(w1)
  h_relu = h.clamp(min=0)
  y_pred = h_relu.mm(w2)

  loss = (y_pred - y).pow(2).sum()
  print(t, loss.item())
  result["tensor"].append(loss.item())  # adapted

  grad_y_pred = 2.0 * (y_pred - y)
  grad_w2 = h_relu.t().mm(grad_y_pred)
  grad_h_relu = grad_y_pred.mm(w2.t())
  grad_h = grad_h_relu.clone()
  grad_h[h < 0] = 0
  grad_w1 = x.t().mm(grad_h)

  w1 -= learning_rate * grad_w1
  w2 -= learning_rate * grad_w2
result["tensor_w2"] = w2[:3].tolist()  # adapted

# adapted: the same hand-written steps on the NumPy run's float64 data, as tensors (torch.from_numpy)
x, y, w1, w2 = (torch.from_numpy(a.copy()) for a in numpy_data)  # adapted
h_relu = x.mm(w1).clamp(min=0)  # adapted
_x, _y, _w1, _w2 = numpy_data  # adapted
result["numpy_vs_tensor"] = [(h_relu.mm(w2) - y).pow(2).sum().item(),  # adapted: the final weights' loss both ways
                             float(np.square(np.maximum(_x.dot(_w1), 0).dot(_w2) - _y).sum()), numpy_losses]

# ---------------------------------------------------------------- autograd/two_layer_net_autograd.py
import torch

device = torch.device('cpu')

N, D_in, H, D_out = 64, 1000, 100, 10

torch.manual_seed(0)  # adapted
x = torch.randn(N, D_in, device=device)
y = torch.randn(N, D_out, device=device)

w1 = torch.randn(D_in, H, device=device, requires_grad=True)
w2 = torch.randn(H, D_out, device=device, requires_grad=True)

learning_rate = 1e-6
result["autograd"] = []  # adapted
for t in range(40):  # adapted (500)
  y_pred = x.mm(w1).clamp(min=0).mm(w2)

  loss = (y_pred - y).pow(2).sum()
  print(t, loss.item())
  result["autograd"].append(loss.item())  # adapted

  loss.backward()

  with torch.no_grad():
    w1 -= learning_rate * w1.grad
    w2 -= learning_rate * w2.grad

    w1.grad.zero_()
    w2.grad.zero_()

# ---------------------------------------------------------------- autograd/two_layer_net_custom_function.py
import torch

class MyReLU(torch.autograd.Function):
  """
  We can implement our own custom autograd Functions by subclassing
  torch.autograd.Function and implementing the forward and backward passes
  which operate on Tensors.
  """
  @staticmethod
  def forward(ctx, x):
    """
    In the forward pass we receive a context object and a Tensor containing the
    input; we must return a Tensor containing the output, and we can use the
    context object to cache objects for use in the backward pass.
    """
    ctx.save_for_backward(x)
    return x.clamp(min=0)

  @staticmethod
  def backward(ctx, grad_output):
    """
    In the backward pass we receive the context object and a Tensor containing
    the gradient of the loss with respect to the output produced during the
    forward pass. We can retrieve cached data from the context object, and must
    compute and return the gradient of the loss with respect to the input to the
    forward function.
    """
    x, = ctx.saved_tensors
    grad_x = grad_output.clone()
    grad_x[x < 0] = 0
    return grad_x


device = torch.device('cpu')

N, D_in, H, D_out = 64, 1000, 100, 10

torch.manual_seed(0)  # adapted
x = torch.randn(N, D_in, device=device)
y = torch.randn(N, D_out, device=device)

w1 = torch.randn(D_in, H, device=device, requires_grad=True)
w2 = torch.randn(H, D_out, device=device, requires_grad=True)

learning_rate = 1e-6
result["custom_function"] = []  # adapted
for t in range(40):  # adapted (500)
  y_pred = MyReLU.apply(x.mm(w1)).mm(w2)

  loss = (y_pred - y).pow(2).sum()
  print(t, loss.item())
  result["custom_function"].append(loss.item())  # adapted

  loss.backward()

  with torch.no_grad():
    w1 -= learning_rate * w1.grad
    w2 -= learning_rate * w2.grad

    w1.grad.zero_()
    w2.grad.zero_()

# ---------------------------------------------------------------- nn/two_layer_net_nn.py
import torch

device = torch.device('cpu')

N, D_in, H, D_out = 64, 1000, 100, 10

torch.manual_seed(0)  # adapted
x = torch.randn(N, D_in, device=device)
y = torch.randn(N, D_out, device=device)

model = torch.nn.Sequential(
          torch.nn.Linear(D_in, H),
          torch.nn.ReLU(),
          torch.nn.Linear(H, D_out),
        ).to(device)

loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-4
result["nn"] = []  # adapted
for t in range(40):  # adapted (500)
  y_pred = model(x)

  loss = loss_fn(y_pred, y)
  print(t, loss.item())
  result["nn"].append(loss.item())  # adapted

  model.zero_grad()

  loss.backward()

  with torch.no_grad():
    for param in model.parameters():
      param.data -= learning_rate * param.grad

# ---------------------------------------------------------------- nn/two_layer_net_optim.py
import torch

N, D_in, H, D_out = 64, 1000, 100, 10

torch.manual_seed(0)  # adapted
x = torch.randn(N, D_in)
y = torch.randn(N, D_out)

model = torch.nn.Sequential(
          torch.nn.Linear(D_in, H),
          torch.nn.ReLU(),
          torch.nn.Linear(H, D_out),
        )
loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-4
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
result["optim"] = []  # adapted
for t in range(40):  # adapted (500)
  y_pred = model(x)

  loss = loss_fn(y_pred, y)
  print(t, loss.item())
  result["optim"].append(loss.item())  # adapted

  optimizer.zero_grad()

  loss.backward()

  optimizer.step()

# ---------------------------------------------------------------- nn/two_layer_net_module.py
import torch

class TwoLayerNet(torch.nn.Module):
  def __init__(self, D_in, H, D_out):
    """
    In the constructor we instantiate two nn.Linear modules and assign them as
    member variables.
    """
    super(TwoLayerNet, self).__init__()
    self.linear1 = torch.nn.Linear(D_in, H)
    self.linear2 = torch.nn.Linear(H, D_out)

  def forward(self, x):
    """
    In the forward function we accept a Tensor of input data and we must return
    a Tensor of output data. We can use Modules defined in the constructor as
    well as arbitrary (differentiable) operations on Tensors.
    """
    h_relu = self.linear1(x).clamp(min=0)
    y_pred = self.linear2(h_relu)
    return y_pred

N, D_in, H, D_out = 64, 1000, 100, 10

torch.manual_seed(0)  # adapted
x = torch.randn(N, D_in)
y = torch.randn(N, D_out)

model = TwoLayerNet(D_in, H, D_out)

loss_fn = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
result["module"] = []  # adapted
for t in range(40):  # adapted (500)
  y_pred = model(x)

  loss = loss_fn(y_pred, y)
  print(t, loss.item())
  result["module"].append(loss.item())  # adapted

  optimizer.zero_grad()
  loss.backward()
  optimizer.step()

# ---------------------------------------------------------------- nn/dynamic_net.py
import random
import torch

random.seed(0)  # adapted
torch.manual_seed(0)  # adapted


class DynamicNet(torch.nn.Module):
  def __init__(self, D_in, H, D_out):
    """
    In the constructor we construct three nn.Linear instances that we will use
    in the forward pass.
    """
    super(DynamicNet, self).__init__()
    self.input_linear = torch.nn.Linear(D_in, H)
    self.middle_linear = torch.nn.Linear(H, H)
    self.output_linear = torch.nn.Linear(H, D_out)

  def forward(self, x):
    """
    For the forward pass of the model, we randomly choose either 0, 1, 2, or 3
    and reuse the middle_linear Module that many times to compute hidden layer
    representations.
    """
    h_relu = self.input_linear(x).clamp(min=0)
    for _ in range(random.randint(0, 3)):
      h_relu = self.middle_linear(h_relu).clamp(min=0)
    y_pred = self.output_linear(h_relu)
    return y_pred


N, D_in, H, D_out = 64, 1000, 100, 10

x = torch.randn(N, D_in)
y = torch.randn(N, D_out)

model = DynamicNet(D_in, H, D_out)

criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
result["dynamic"] = []  # adapted
for t in range(40):  # adapted (500)
  y_pred = model(x)

  loss = criterion(y_pred, y)
  print(t, loss.item())
  result["dynamic"].append(loss.item())  # adapted

  optimizer.zero_grad()
  loss.backward()
  optimizer.step()
