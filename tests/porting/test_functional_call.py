"""torch.func.functional_call / nn.utils.stateless.functional_call against PyTorch: values, gradients to the
given tensors (a MAML-style inner step), tied weights, strict errors, the module restored afterwards."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")
import torch.func  # noqa: E402,F401

rng = np.random.default_rng(0)
W1 = rng.standard_normal((4, 3)).astype(np.float32)
W2 = rng.standard_normal((2, 4)).astype(np.float32)
X = rng.standard_normal((5, 3)).astype(np.float32)


def net(lib):
    m = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    with lib.no_grad():
        m[0].weight.copy_(lib.tensor(W1))
        m[3].weight.copy_(lib.tensor(W2))
        m[0].bias.fill_(0.1)
        m[3].bias.zero_()
    return m


def test_maml_inner_step_matches_pytorch():
    res = []
    for lib in (miniconv, torch):
        m = net(lib)
        params = dict(m.named_parameters())
        x = lib.tensor(X)
        loss = (lib.func.functional_call(m, params, (x,)) ** 2).mean()
        grads = lib.autograd.grad(loss, list(params.values()))
        fast = {n: p - 0.1 * g for (n, p), g in zip(params.items(), grads)}
        out = lib.func.functional_call(m, fast, x)
        out.sum().backward()  # through the fast weights to the real parameters
        res.append((out.detach().numpy(), m[0].weight.grad.numpy(), m[3].bias.grad.numpy(),
                    m[1].running_mean.numpy().copy(), m[0].weight.detach().numpy().copy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(res[0][4], W1)  # the module's own weight is back


def test_buffers_tuple_of_dicts_and_stateless_path():
    res = []
    for lib in (miniconv, torch):
        m = net(lib).eval()
        bufs = {"1.running_mean": lib.full((4,), 0.5), "1.running_var": lib.full((4,), 2.0)}
        ws = {"3.weight": lib.ones(2, 4)}
        y = lib.func.functional_call(m, (bufs, ws), (lib.tensor(X),))
        y2 = lib.nn.utils.stateless.functional_call(m, {**bufs, **ws}, (lib.tensor(X),))
        res.append((y.detach().numpy(), y2.detach().numpy(), m[1].running_mean.numpy().copy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_tied_weights_and_errors():
    def tied(lib):
        emb = lib.nn.Embedding(5, 3)
        with lib.no_grad():
            emb.weight.copy_(lib.tensor(np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3)))
        dec = lib.nn.Linear(3, 5, bias=False)
        dec.weight = emb.weight
        return lib.nn.ModuleDict({"emb": emb, "dec": dec})

    res = []
    for lib in (miniconv, torch):
        m = tied(lib)

        class Wrap(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.m = m

            def forward(self, idx):
                return self.m["dec"](self.m["emb"](idx))

        w = Wrap()
        new = lib.tensor(np.arange(15, dtype=np.float32).reshape(5, 3) / 10)
        y_tied = lib.func.functional_call(w, {"m.emb.weight": new}, (lib.tensor([1, 2]),))
        y_untied = lib.func.functional_call(w, {"m.emb.weight": new}, (lib.tensor([1, 2]),), tie_weights=False)
        errs = []
        for call in (lambda: lib.func.functional_call(w, {"nope": lib.ones(1)}, (lib.tensor([1]),), strict=True),
                     lambda: lib.func.functional_call(w, ({"m.emb.weight": new}, {"m.emb.weight": new}),
                                                      (lib.tensor([1]),))):
            try:
                call()
                errs.append(None)
            except Exception as e:  # noqa: BLE001
                errs.append((type(e).__name__, str(e).replace("Wrap", "X")))
        res.append((y_tied.detach().numpy(), y_untied.detach().numpy().shape, errs))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-6)
    assert res[0][1:] == res[1][1:]
