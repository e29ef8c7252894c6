"""nn.utils.prune against PyTorch (its pruning tutorial's calls): masks, the pruned forward and its gradients,
state dict keys, iterative pruning (PruningContainer), global pruning, remove, is_pruned and errors."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")
import torch.nn.utils.prune  # noqa: E402,F401  (as the pruning tutorial imports it; not loaded by import torch)

rng = np.random.default_rng(0)
WC = rng.standard_normal((6, 3, 3, 3)).astype(np.float32)  # distinct magnitudes: no ties in the rankings
WL = rng.standard_normal((5, 8)).astype(np.float32)
XC = rng.standard_normal((2, 3, 5, 5)).astype(np.float32)


def model(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = lib.nn.Conv2d(3, 6, 3)
            self.fc1 = lib.nn.Linear(8, 5)

        def forward(self, x):
            y = self.conv1(x).relu().mean((2, 3))
            return self.fc1(lib.cat([y, y[:, :2]], 1))

    m = Net()
    with lib.no_grad():
        m.conv1.weight.copy_(lib.tensor(WC))
        m.conv1.bias.copy_(lib.tensor(np.linspace(-1, 1, 6, dtype=np.float32)))
        m.fc1.weight.copy_(lib.tensor(WL))
        m.fc1.bias.zero_()
    return m


def steps(lib, m):
    prune = lib.nn.utils.prune
    prune.l1_unstructured(m.conv1, name="weight", amount=0.3)
    prune.ln_structured(m.conv1, name="weight", amount=2, n=2, dim=0)  # iterative: a PruningContainer
    prune.l1_unstructured(m.conv1, name="bias", amount=2)
    prune.ln_structured(m.fc1, name="weight", amount=0.4, n=1, dim=1)
    prune.identity(m.fc1, "bias")
    y = m(lib.tensor(XC))
    (y ** 2).sum().backward()
    out = {
        "keys": list(m.state_dict()), "is_pruned": prune.is_pruned(m),
        "hooks": [type(h).__name__ for h in m.conv1._forward_pre_hooks.values()],
        "container_len": len(list(m.conv1._forward_pre_hooks.values())[0]),
        "conv_mask": m.conv1.weight_mask.numpy().copy(), "bias_mask": m.conv1.bias_mask.numpy().copy(),
        "fc_mask": m.fc1.weight_mask.numpy().copy(), "y": y.detach().numpy(),
        "grad_orig": m.conv1.weight_orig.grad.numpy().copy(), "grad_fc": m.fc1.weight_orig.grad.numpy().copy(),
    }
    prune.remove(m.conv1, "weight")
    out["after_remove"] = (list(m.conv1.state_dict()), m.conv1.weight.detach().numpy().copy(),
                           isinstance(m.conv1.weight, lib.nn.Parameter))
    return out


def test_pruning_tutorial_steps_match_pytorch():
    a, b = steps(miniconv, model(miniconv)), steps(torch, model(torch))
    for k in b:
        if isinstance(b[k], np.ndarray):
            np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-5, err_msg=k)
        elif k == "after_remove":
            assert a[k][0] == b[k][0] and a[k][2] == b[k][2]
            np.testing.assert_allclose(a[k][1], b[k][1], rtol=1e-6)
        else:
            assert a[k] == b[k], k


def test_global_unstructured_and_custom_mask():
    res = []
    for lib in (miniconv, torch):
        prune = lib.nn.utils.prune
        m = model(lib)
        params = ((m.conv1, "weight"), (m.fc1, "weight"))
        prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=0.25)
        mask = lib.tensor(np.arange(6) % 2 == 0)
        prune.custom_from_mask(m.conv1, name="bias", mask=mask)
        scores = lib.tensor(np.abs(WL[::-1].copy()))
        m2 = model(lib)
        prune.l1_unstructured(m2.fc1, "weight", amount=7, importance_scores=scores)
        res.append((m.conv1.weight_mask.numpy().copy(), m.fc1.weight_mask.numpy().copy(),
                    m.conv1.bias.detach().numpy().copy(), m2.fc1.weight_mask.numpy().copy(),
                    float(m.conv1.weight_mask.sum() + m.fc1.weight_mask.sum())))
    for x, y in zip(*res):
        np.testing.assert_allclose(x, y)


def test_random_methods_prune_the_right_amount():
    for lib in (miniconv, torch):
        prune = lib.nn.utils.prune
        m = model(lib)
        prune.random_unstructured(m.conv1, name="weight", amount=0.3)
        assert int((m.conv1.weight_mask == 0).sum()) == round(0.3 * WC.size)
        prune.random_structured(m.fc1, name="weight", amount=3, dim=1)
        assert int((m.fc1.weight_mask.sum(0) == 0).sum()) == 3


@pytest.mark.parametrize("call", [
    lambda p, m: p.l1_unstructured(m.fc1, "weight", amount=1.5),
    lambda p, m: p.l1_unstructured(m.fc1, "weight", amount=-1),
    lambda p, m: p.l1_unstructured(m.fc1, "weight", amount="x"),
    lambda p, m: p.l1_unstructured(m.fc1, "weight", amount=100),
    lambda p, m: p.ln_structured(m.fc1, "bias", amount=1, n=2, dim=0),
    lambda p, m: p.ln_structured(m.fc1, "weight", amount=1, n=2, dim=3),
    lambda p, m: p.remove(m.fc1, "weight"),
    lambda p, m: p.global_unstructured(5, pruning_method=p.L1Unstructured, amount=1),
    lambda p, m: p.global_unstructured([(m.fc1, "weight")], pruning_method=p.RandomStructured, amount=1),
])
def test_errors_match(call):
    errs, keys = [], []
    for lib in (miniconv, torch):
        m = model(lib)
        try:
            call(lib.nn.utils.prune, m)
            errs.append(None)
        except Exception as e:  # noqa: BLE001
            msg = str(e).split(" of module")[0].split("Found method")[0]
            errs.append((type(e).__name__, msg.replace("miniconv.Size", "torch.Size")))
        keys.append((list(m.fc1.state_dict()), m.fc1._forward_pre_hooks == {} or len(m.fc1._forward_pre_hooks)))
    assert errs[0] == errs[1] and errs[0] is not None
    assert keys[0] == keys[1]  # the module is left as PyTorch leaves it after the failure
