"""One operation, one implementation: the method, the ``miniconv.*`` form and the ``F.*`` form of an op record
the same autograd node and give the same bits, gradients included (and the same values as PyTorch)."""
import numpy as np
import pytest

import miniconv
import miniconv.nn.functional as F

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).standard_normal((3, 4))

# (name, method spelling, miniconv.* spelling, F.* spelling or None); each takes (lib, x)
SPELLINGS = [
    ("amax", lambda x: x.amax(1), lambda lib, x: lib.amax(x, 1), None),
    ("amin", lambda x: x.amin(dim=0), lambda lib, x: lib.amin(x, dim=0), None),
    ("sum", lambda x: x.sum(1, keepdim=True), lambda lib, x: lib.sum(x, 1, keepdim=True), None),
    ("mean", lambda x: x.mean(axis=0), lambda lib, x: lib.mean(x, axis=0), None),
    ("logsumexp", lambda x: x.logsumexp(1), lambda lib, x: lib.logsumexp(x, 1), None),
    ("norm", lambda x: x.norm(3, 1), lambda lib, x: lib.norm(x, 3, 1), None),
    ("vector_norm", lambda x: x.norm(3, 1), lambda lib, x: lib.linalg.vector_norm(x, 3, 1), None),
    ("max(dim)", lambda x: x.max(1)[0], lambda lib, x: lib.max(x, 1)[0], None),
    ("min(dim)", lambda x: x.min(1).values, lambda lib, x: lib.min(x, 1).values, None),
    ("exp", lambda x: x.exp(), lambda lib, x: lib.exp(x), None),
    ("tanh", lambda x: x.tanh(), lambda lib, x: lib.tanh(x), lambda lib, x: lib.nn.functional.tanh(x)),
    ("sigmoid", lambda x: x.sigmoid(), lambda lib, x: lib.sigmoid(x), lambda lib, x: lib.nn.functional.sigmoid(x)),
    ("relu", lambda x: x.relu(), lambda lib, x: lib.relu(x), lambda lib, x: lib.nn.functional.relu(x)),
    ("softmax", lambda x: x.softmax(1), lambda lib, x: lib.softmax(x, 1), lambda lib, x: lib.nn.functional.softmax(x, 1)),
    ("log_softmax", lambda x: x.log_softmax(0), lambda lib, x: lib.log_softmax(x, 0),
     lambda lib, x: lib.nn.functional.log_softmax(x, 0)),
    ("where", lambda x: x.where(x > 0, 0.5), lambda lib, x: lib.where(x > 0, x, 0.5), None),
    ("clamp", lambda x: x.clamp(-0.5, 0.5), lambda lib, x: lib.clamp(x, -0.5, 0.5), None),
]


@pytest.mark.parametrize("name,method,module_form,f_form", SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_every_spelling_is_one_implementation(name, method, module_form, f_form):
    forms = [lambda lib, x: method(x), module_form] + ([f_form] if f_form else [])
    results = []
    for form in forms:
        x = miniconv.tensor(X, requires_grad=True)
        out = form(miniconv, x)
        (out * miniconv.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)))).sum().backward()
        results.append((type(out.grad_fn), out.detach().numpy(), x.grad.numpy()))
    for r in results[1:]:
        assert r[0] is results[0][0]
        np.testing.assert_array_equal(r[1], results[0][1])
        np.testing.assert_array_equal(r[2], results[0][2])
    tx = torch.tensor(X, requires_grad=True)
    tout = module_form(torch, tx)
    (tout * torch.tensor(np.cos(np.arange(tout.numel())).reshape(tuple(tout.shape)))).sum().backward()
    np.testing.assert_allclose(results[0][1], tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(results[0][2], tx.grad.numpy(), rtol=1e-12, atol=1e-12)
