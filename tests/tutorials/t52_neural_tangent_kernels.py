"""PyTorch's "Neural Tangent Kernels" tutorial (pytorch/tutorials intermediate_source/neural_tangent_kernels.py,
BSD licence): torch.func's functional_call, vmap, vjp, jvp and jacrev on a CNN, the empirical NTK by Jacobian
contraction (vmap(jacrev(fnet_single), (None, 0)), .values(), flatten(2), torch.einsum('Naf,Mbf->NMab'),
stack(...).sum(0)) in its 'full', 'trace' and 'diagonal' forms, and by NTK-vector products (vjp, then jvp,
vmap over the rows of torch.eye(...).view(...), vmap(vmap(get_ntk, (None, 0)), (0, None)), einsum('NMKK->NM')),
torch._dynamo.config and torch.backends.cudnn.flags(allow_tf32=False), and the
tutorial's closing torch.allclose check. Unchanged except where marked ``# adapted``: 3x12x12 images instead of
3x32x32 (so the Linear layer takes 32*6*6 features), fewer images, the random data and the initial weights
drawn with NumPy, and the ``@torch.compile`` decorators commented out (PyTorch spends most of a minute
tracing these functions, even with its eager backend; tests/porting covers miniconv's compile)."""
import torch
import torch.nn as nn
from torch.func import functional_call, vmap, vjp, jvp, jacrev
from torch._dynamo import config
import numpy as np  # adapted

from _vision_helpers import load_weights  # adapted

config.inline_inbuilt_nn_modules = 1
device = 'cuda' if torch.cuda.device_count() > 0 else 'cpu'

class CNN(nn.Module):
    def __init__(self):
        super(CNN, self).__init__()
        self.conv1 = nn.Conv2d(3, 32, (3, 3))
        self.conv2 = nn.Conv2d(32, 32, (3, 3))
        self.conv3 = nn.Conv2d(32, 32, (3, 3))
        self.fc = nn.Linear(1152, 10)  # adapted (21632 = 32 * 26 * 26 for 32x32 images)

    def forward(self, x):
        x = self.conv1(x)
        x = x.relu()
        x = self.conv2(x)
        x = x.relu()
        x = self.conv3(x)
        x = x.flatten(1)
        x = self.fc(x)
        return x

######################################################################
# And let's generate some random data

rng = np.random.default_rng(0)  # adapted: torch.randn(20, 3, 32, 32) and torch.randn(5, 3, 32, 32)
x_train = torch.tensor(rng.standard_normal((3, 3, 12, 12)).astype(np.float32), device=device)  # adapted
x_test = torch.tensor(rng.standard_normal((2, 3, 12, 12)).astype(np.float32), device=device)  # adapted

net = CNN().to(device)
load_weights(torch, net, seed=2)  # adapted

# Detaching the parameters because we won't be calling Tensor.backward().
params = {k: v.detach() for k, v in net.named_parameters()}

def fnet_single(params, x):
    return functional_call(net, params, (x.unsqueeze(0),)).squeeze(0)

# @torch.compile  # adapted: PyTorch would spend most of a minute tracing (miniconv runs it eagerly)
def empirical_ntk_jacobian_contraction(fnet_single, params, x1, x2):
    # Compute J(x1)
    jac1 = vmap(jacrev(fnet_single), (None, 0))(params, x1)
    jac1 = jac1.values()
    jac1 = [j.flatten(2) for j in jac1]

    # Compute J(x2)
    jac2 = vmap(jacrev(fnet_single), (None, 0))(params, x2)
    jac2 = jac2.values()
    jac2 = [j.flatten(2) for j in jac2]

    # Compute J(x1) @ J(x2).T
    result = torch.stack([torch.einsum('Naf,Mbf->NMab', j1, j2) for j1, j2 in zip(jac1, jac2)])
    result = result.sum(0)
    return result

result = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test)
print(result.shape)
ntk_full = result.numpy()  # adapted

# @torch.compile  # adapted: PyTorch would spend most of a minute tracing (miniconv runs it eagerly)
def empirical_ntk_jacobian_contraction(fnet_single, params, x1, x2, compute):
    # Compute J(x1)
    jac1 = vmap(jacrev(fnet_single), (None, 0))(params, x1)
    jac1 = jac1.values()
    jac1 = [j.flatten(2) for j in jac1]

    # Compute J(x2)
    jac2 = vmap(jacrev(fnet_single), (None, 0))(params, x2)
    jac2 = jac2.values()
    jac2 = [j.flatten(2) for j in jac2]

    # Compute J(x1) @ J(x2).T
    einsum_expr = None
    if compute == 'full':
        einsum_expr = 'Naf,Mbf->NMab'
    elif compute == 'trace':
        einsum_expr = 'Naf,Maf->NM'
    elif compute == 'diagonal':
        einsum_expr = 'Naf,Maf->NMa'
    else:
        assert False

    result = torch.stack([torch.einsum(einsum_expr, j1, j2) for j1, j2 in zip(jac1, jac2)])
    result = result.sum(0)
    return result

result = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test, 'trace')
print(result.shape)
ntk_trace = result.numpy()  # adapted
ntk_diagonal = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test, 'diagonal').numpy()  # adapted

# @torch.compile  # adapted: PyTorch would spend most of a minute tracing (miniconv runs it eagerly)
def empirical_ntk_ntk_vps(func, params, x1, x2, compute):
    def get_ntk(x1, x2):
        def func_x1(params):
            return func(params, x1)

        def func_x2(params):
            return func(params, x2)

        output, vjp_fn = vjp(func_x1, params)

        def get_ntk_slice(vec):
            # This computes ``vec @ J(x2).T``
            # `vec` is some unit vector (a single slice of the Identity matrix)
            vjps = vjp_fn(vec)
            # This computes ``J(X1) @ vjps``
            _, jvps = jvp(func_x2, (params,), vjps)
            return jvps

        # Here's our identity matrix
        basis = torch.eye(output.numel(), dtype=output.dtype, device=output.device).view(output.numel(), -1)
        return vmap(get_ntk_slice)(basis)

    # ``get_ntk(x1, x2)`` computes the NTK for a single data point x1, x2
    # Since the x1, x2 inputs to ``empirical_ntk_ntk_vps`` are batched,
    # we actually wish to compute the NTK between every pair of data points
    # between {x1} and {x2}. That's what the ``vmaps`` here do.
    result = vmap(vmap(get_ntk, (None, 0)), (0, None))(x1, x2)

    if compute == 'full':
        return result
    if compute == 'trace':
        return torch.einsum('NMKK->NM', result)
    if compute == 'diagonal':
        return torch.einsum('NMKK->NMK', result)

# Disable TensorFloat-32 for convolutions on Ampere+ GPUs to sacrifice performance in favor of accuracy
with torch.backends.cudnn.flags(allow_tf32=False):
    result_from_jacobian_contraction = empirical_ntk_jacobian_contraction(fnet_single, params, x_test, x_train, 'full')
    result_from_ntk_vps = empirical_ntk_ntk_vps(fnet_single, params, x_test, x_train, 'full')

assert torch.allclose(result_from_jacobian_contraction, result_from_ntk_vps, atol=1e-5)

# adapted: the numbers, for the comparison of the two libraries
result = {
    "ntk_full": ntk_full,
    "ntk_trace": ntk_trace,
    "ntk_diagonal": ntk_diagonal,
    "ntk_vps_full": result_from_ntk_vps.numpy(),
    "ntk_vps_trace": empirical_ntk_ntk_vps(fnet_single, params, x_test, x_train, 'trace').numpy(),
    "config": config.inline_inbuilt_nn_modules,
}
