"""PyTorch's "Per-sample-gradients" (pytorch/tutorials intermediate_source/per_sample_grads.py) and "Jacobians,
Hessians, hvp, vhp, and more: composing function transforms" (intermediate_source/jacobians_hessians.py), BSD
licence, in order and unchanged except where marked ``# adapted``: SimpleCNN with log_softmax + nll_loss, the
per-sample loop over torch.autograd.grad(loss, list(model.parameters())) with zip(*...) and torch.stack, then
torch.func's functional_call + grad + vmap(in_dims=(None, None, 0, 0)) over detached params/buffers dicts and the
allclose check against it; the Jacobian row by row with torch.autograd.grad(out, xp, vec), vjp(partial(...)) under
vmap, jacrev(argnums=2) and argnums=(0, 1), jacfwd, hessian vs jacfwd(jacfwd)/jacrev(jacrev), batched Jacobians
and Hessians with vmap(in_dims=(None, None, 0)), the sum trick with movedim(1, 0), and Hessian-vector products by
jvp(grad(f)) and by vjp(grad(f)); torch.utils.benchmark.Timer(...).timeit. Adapted: CPU, smaller batches and
sizes, a few timeit runs (timings are not compared), the tutorial's ``result`` variable renamed (this file
reports through ``result``), and one allclose given atol=1e-6 (see there)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from functools import partial

result = {}
torch.manual_seed(0)


# ---------------------------------------------------------------- per-sample gradients
class SimpleCNN(nn.Module):
    def __init__(self):
        super(SimpleCNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def loss_fn(predictions, targets):
    return F.nll_loss(predictions, targets)


device = 'cpu'  # adapted: 'cuda'
num_models = 10
batch_size = 8  # adapted: 64
data = torch.randn(batch_size, 1, 28, 28, device=device)
targets = torch.randint(10, (batch_size,), device=device)  # adapted: (64,)
model = SimpleCNN().to(device=device)
predictions = model(data)  # move the entire mini-batch through the model
loss = loss_fn(predictions, targets)
loss.backward()  # back propagate the 'average' gradient of this mini-batch
result["batch_loss"] = [loss.item(), targets.tolist(), model.fc2.weight.grad.abs().sum().item()]


def compute_grad(sample, target):
    sample = sample.unsqueeze(0)  # prepend batch dimension for processing
    target = target.unsqueeze(0)

    prediction = model(sample)
    loss = loss_fn(prediction, target)

    return torch.autograd.grad(loss, list(model.parameters()))


def compute_sample_grads(data, targets):
    """ manually process each sample with per sample gradient """
    sample_grads = [compute_grad(data[i], targets[i]) for i in range(batch_size)]
    sample_grads = zip(*sample_grads)
    sample_grads = [torch.stack(shards) for shards in sample_grads]
    return sample_grads


per_sample_grads = compute_sample_grads(data, targets)
print(per_sample_grads[0].shape)
from torch.func import functional_call, vmap, grad

params = {k: v.detach() for k, v in model.named_parameters()}
buffers = {k: v.detach() for k, v in model.named_buffers()}


def compute_loss(params, buffers, sample, target):
    batch = sample.unsqueeze(0)
    targets = target.unsqueeze(0)

    predictions = functional_call(model, (params, buffers), (batch,))
    loss = loss_fn(predictions, targets)
    return loss


ft_compute_grad = grad(compute_loss)
ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
ft_per_sample_grads = ft_compute_sample_grad(params, buffers, data, targets)
for i, (per_sample_grad, ft_per_sample_grad) in enumerate(
    zip(per_sample_grads, ft_per_sample_grads.values())
):
    assert torch.allclose(per_sample_grad, ft_per_sample_grad, atol=3e-3, rtol=1e-5)
result["per_sample"] = [[g.abs().sum(dim=tuple(range(1, g.ndim))).tolist() for g in per_sample_grads],
                        list(ft_per_sample_grads), [list(g.shape) for g in ft_per_sample_grads.values()]]
from torch.utils.benchmark import Timer

without_vmap = Timer(stmt="compute_sample_grads(data, targets)", globals=globals())
with_vmap = Timer(stmt="ft_compute_sample_grad(params, buffers, data, targets)",globals=globals())
no_vmap_timing = without_vmap.timeit(2)  # adapted: 100
with_vmap_timing = with_vmap.timeit(2)
result["timer_fields"] = [no_vmap_timing.number_per_run, len(with_vmap_timing.times)]


# ---------------------------------------------------------------- Jacobians and Hessians
def predict(weight, bias, x):
    return F.linear(x, weight, bias).tanh()


D = 16
weight = torch.randn(D, D)
bias = torch.randn(D)
x = torch.randn(D)  # feature vector


def compute_jac(xp):
    jacobian_rows = [torch.autograd.grad(predict(weight, bias, xp), xp, vec)[0]
                     for vec in unit_vectors]
    return torch.stack(jacobian_rows)


xp = x.clone().requires_grad_()
unit_vectors = torch.eye(D)
jacobian = compute_jac(xp)
print(jacobian.shape)
print(jacobian[0])  # show first row
from torch.func import vmap, vjp

_, vjp_fn = vjp(partial(predict, weight, bias), x)
ft_jacobian, = vmap(vjp_fn)(unit_vectors)
# let's confirm both methods compute the same result
assert torch.allclose(ft_jacobian, jacobian)
from torch.func import jacrev

ft_jacobian = jacrev(predict, argnums=2)(weight, bias, x)
assert torch.allclose(ft_jacobian, jacobian)
result["jacobian"] = jacobian[:3].tolist()
ft_jac_weight, ft_jac_bias = jacrev(predict, argnums=(0, 1))(weight, bias, x)
result["jac_params"] = [list(ft_jac_weight.shape), ft_jac_weight.abs().sum().item(), ft_jac_bias.diagonal().tolist()]
from torch.func import jacrev, jacfwd

Din = 32
Dout = 256  # adapted: 2048
weight = torch.randn(Dout, Din)
bias = torch.randn(Dout)
x = torch.randn(Din)
print(weight.shape)
jf = jacfwd(predict, argnums=2)(weight, bias, x)
jr = jacrev(predict, argnums=2)(weight, bias, x)
result["jacfwd_vs_jacrev"] = [torch.allclose(jf, jr, atol=1e-6), jf.abs().sum().item()]
from torch.func import hessian

Din = 8  # adapted: 512 (miniconv's hessian differentiates its Jacobian one output at a time: slow)
Dout = 4  # adapted: 32
weight = torch.randn(Dout, Din)
bias = torch.randn(Dout)
x = torch.randn(Din)
hess_api = hessian(predict, argnums=2)(weight, bias, x)
hess_fwdfwd = jacfwd(jacfwd(predict, argnums=2), argnums=2)(weight, bias, x)
hess_revrev = jacrev(jacrev(predict, argnums=2), argnums=2)(weight, bias, x)
result["hessian"] = [list(hess_api.shape), torch.allclose(hess_api, hess_fwdfwd, atol=1e-5),
                     torch.allclose(hess_api, hess_revrev, atol=1e-5), hess_api[0, :3, :3].tolist()]
batch_size = 8  # adapted: 64
Din = 7  # adapted: 31
Dout = 5  # adapted: 33
weight = torch.randn(Dout, Din)
print(f"weight shape = {weight.shape}")
bias = torch.randn(Dout)
x = torch.randn(batch_size, Din)
compute_batch_jacobian = vmap(jacrev(predict, argnums=2), in_dims=(None, None, 0))
batch_jacobian0 = compute_batch_jacobian(weight, bias, x)


def predict_with_output_summed(weight, bias, x):
    return predict(weight, bias, x).sum(0)


batch_jacobian1 = jacrev(predict_with_output_summed, argnums=2)(weight, bias, x).movedim(1, 0)
# adapted: atol=1e-6 -- miniconv's vmap runs the function per sample, so a vector's product may round differently
# (by a few ulps) from the same row of the batched product PyTorch's vmap computes; the tutorial's default
# tolerance fails where tanh saturates and 1 - tanh**2 cancels
assert torch.allclose(batch_jacobian0, batch_jacobian1, atol=1e-6)
compute_batch_hessian = vmap(hessian(predict, argnums=2), in_dims=(None, None, 0))
batch_hess = compute_batch_hessian(weight, bias, x)
result["batched"] = [list(batch_jacobian0.shape), batch_jacobian0[:, 0, 0].tolist(), list(batch_hess.shape),
                     batch_hess[:, 0, 0, 0].tolist()]
from torch.func import jvp, grad, vjp


def hvp(f, primals, tangents):
  return jvp(grad(f), primals, tangents)[1]


def f(x):
  return x.sin().sum()


x = torch.randn(2048)
tangent = torch.randn(2048)
hvp_result = hvp(f, (x,), (tangent,))  # adapted: ``result`` (this file reports through ``result``)


def hvp_revrev(f, primals, tangents):
  _, vjp_fn = vjp(grad(f), *primals)
  return vjp_fn(*tangents)


result_hvp_revrev = hvp_revrev(f, (x,), (tangent,))
assert torch.allclose(hvp_result, result_hvp_revrev[0])
result["hvp"] = hvp_result[:16].tolist()
