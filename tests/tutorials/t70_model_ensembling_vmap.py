"""PyTorch's "Model ensembling" tutorial (pytorch/tutorials intermediate_source/ensembling.py, BSD licence):
an ensemble of SimpleMLPs run in a loop and through torch.func.stack_module_state + functional_call(base_model,
(params, buffers), (x,)) under torch.vmap, with different minibatches (in_dims 0) and one shared minibatch
(in_dims=(0, 0, None)), the tutorial's allclose checks, and torch.utils.benchmark.Timer. Unchanged except where
marked ``# adapted``: device 'cpu' instead of 'cuda', 4 models and 8 minibatches of 16 instead of 10 and 100 of
64, the random data and weights drawn with NumPy (the libraries' generators differ), ``base_model.to('meta')``
left out (miniconv has no meta device; functional_call never reads the base model's own tensors), Timer run 3
times instead of 100."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import numpy as np  # adapted

from _vision_helpers import load_weights  # adapted

torch.manual_seed(0)

# Here's a simple MLP
class SimpleMLP(nn.Module):
    def __init__(self):
        super(SimpleMLP, self).__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 128)
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.flatten(1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        x = F.relu(x)
        x = self.fc3(x)
        return x

device = 'cpu'  # adapted ('cuda')
num_models = 4  # adapted (10)

draws = np.random.default_rng(0)  # adapted
data = torch.tensor(draws.standard_normal((8, 16, 1, 28, 28)).astype(np.float32), device=device)  # adapted (randn)
targets = torch.tensor(draws.integers(0, 10, 128), device=device)  # adapted (torch.randint(10, (6400,)))

models = [SimpleMLP().to(device) for _ in range(num_models)]
for seed, model in enumerate(models):  # adapted
    load_weights(torch, model, seed=seed)

minibatches = data[:num_models]
predictions_diff_minibatch_loop = [model(minibatch) for model, minibatch in zip(models, minibatches)]

minibatch = data[0]
predictions2 = [model(minibatch) for model in models]

from torch.func import stack_module_state

params, buffers = stack_module_state(models)

from torch.func import functional_call
import copy

# Construct a "stateless" version of one of the models. It is "stateless" in
# the sense that the parameters are meta Tensors and do not have storage.
base_model = copy.deepcopy(models[0])
# base_model = base_model.to('meta')  # adapted: no meta device in miniconv

def fmodel(params, buffers, x):
    return functional_call(base_model, (params, buffers), (x,))

print([p.size(0) for p in params.values()]) # show the leading 'num_models' dimension

assert minibatches.shape == (num_models, 16, 1, 28, 28) # verify minibatch has leading dimension of size 'num_models'  # adapted (64)

from torch import vmap

predictions1_vmap = vmap(fmodel)(params, buffers, minibatches)

# verify the ``vmap`` predictions match the
assert torch.allclose(predictions1_vmap, torch.stack(predictions_diff_minibatch_loop), atol=1e-3, rtol=1e-5)

predictions2_vmap = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)

assert torch.allclose(predictions2_vmap, torch.stack(predictions2), atol=1e-3, rtol=1e-5)

from torch.utils.benchmark import Timer
without_vmap = Timer(
    stmt="[model(minibatch) for model, minibatch in zip(models, minibatches)]",
    globals=globals())
with_vmap = Timer(
    stmt="vmap(fmodel)(params, buffers, minibatches)",
    globals=globals())
print(f'Predictions without vmap {without_vmap.timeit(3)}')  # adapted (100)
print(f'Predictions with vmap {with_vmap.timeit(3)}')  # adapted (100)

result = {  # adapted
    "stacked": sorted((k, list(v.shape)) for k, v in params.items()),
    "params_require_grad": [v.requires_grad for v in params.values()],
    "predictions1_vmap": predictions1_vmap.detach().numpy(),
    "predictions2_vmap": predictions2_vmap.detach().numpy(),
    "loss": F.cross_entropy(predictions1_vmap.reshape(-1, 10), targets[:64]).item(),
}
