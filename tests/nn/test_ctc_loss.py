"""nn.CTCLoss / F.ctc_loss against PyTorch: losses and gradients (through log_softmax and on raw
log_probs, where PyTorch's gradient is its own formula), padded and concatenated targets, unbatched
input, repeated labels, empty targets, a non-zero blank, infeasible alignments with and without
zero_infinity, the reductions, and the errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402


def both(x, tg, il, tl, through_softmax=True, **kw):
    out = {}
    for lib in (miniconv, torch):
        xt = lib.tensor(x, requires_grad=True)
        lp = xt.log_softmax(-1) if through_softmax else xt
        loss = lib.nn.functional.ctc_loss(lp, lib.tensor(tg), lib.tensor(il) if not isinstance(il, tuple) else il,
                                          lib.tensor(tl) if not isinstance(tl, tuple) else tl, **kw)
        g = np.linspace(0.5, 1.5, loss.numel()).astype(np.float32).reshape(tuple(loss.shape))
        loss.backward(lib.tensor(g))
        out[lib.__name__] = (loss.detach().numpy(), xt.grad.numpy())
    (lm, gm), (lt, gt) = out["miniconv"], out["torch"]
    np.testing.assert_allclose(lm, lt, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gm, gt, rtol=1e-4, atol=1e-5)


def data(T=12, N=3, C=5, S=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, N, C)).astype(np.float32)
    tg = rng.integers(1, C, (N, S))
    tg[min(1, N - 1), 1] = tg[min(1, N - 1), 0]     # a repeated label needs a blank between
    return x, tg


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("through_softmax", [True, False])
def test_padded_targets(reduction, through_softmax):
    x, tg = data()
    both(x, tg, np.array([12, 10, 7]), np.array([4, 2, 3]), through_softmax, reduction=reduction)


def test_concatenated_targets_tuple_lengths_and_blank():
    x, tg = data(C=6)
    flat = np.concatenate([tg[0, :3], tg[1, :1], tg[2, :4]]) - 1        # labels 0..4, blank 5
    both(x, flat, (12, 9, 11), (3, 1, 4), blank=5, reduction="none")


def test_unbatched_and_empty_target():
    x, tg = data(N=1)
    both(x[:, 0], tg[0], (12,), (4,), reduction="none")
    both(x, tg, np.array([6]), np.array([0]), reduction="none")


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_infeasible_alignment(zero_infinity):
    x, tg = data(N=2)
    tg[0] = [1, 1, 1, 1]    # needs 7 frames
    lm = miniconv.nn.functional.ctc_loss(miniconv.tensor(x).log_softmax(2), miniconv.tensor(tg),
                                         (5, 12), (4, 4), reduction="none", zero_infinity=zero_infinity)
    lt = torch.nn.functional.ctc_loss(torch.tensor(x).log_softmax(2), torch.tensor(tg),
                                      (5, 12), (4, 4), reduction="none", zero_infinity=zero_infinity)
    np.testing.assert_allclose(lm.numpy(), lt.numpy(), rtol=1e-5)
    if zero_infinity:
        both(x, tg, np.array([5, 12]), np.array([4, 4]), reduction="mean", zero_infinity=True)


def test_module_and_errors():
    x, tg = data()
    mm, tm = miniconv.nn.CTCLoss(blank=0), torch.nn.CTCLoss(blank=0)
    assert repr(mm) == repr(tm)
    lp_m, lp_t = miniconv.tensor(x).log_softmax(2), torch.tensor(x).log_softmax(2)
    np.testing.assert_allclose(mm(lp_m, miniconv.tensor(tg), (12, 12, 12), (4, 4, 4)).numpy(),
                               tm(lp_t, torch.tensor(tg), (12, 12, 12), (4, 4, 4)).numpy(), rtol=1e-5)
    cases = [((13, 12, 12), (4, 4, 4), 0, RuntimeError, "Expected input_lengths to have value at most 12"),
             ((12, 12), (4, 4, 4), 0, RuntimeError, "input_lengths must be of size batch_size"),
             ((12, 12, 12), (5, 4, 4), 0, RuntimeError, "Expected tensor to have size at least 5 at dimension 1"),
             ((12, 12, 12), (4, 4, 4), 5, RuntimeError, "blank must be in label range")]
    for il, tl, blank, exc, msg in cases:
        for lib, lp in ((miniconv, lp_m), (torch, lp_t)):
            with pytest.raises(exc, match=msg):
                lib.nn.functional.ctc_loss(lp, lib.tensor(tg), il, tl, blank=blank)
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        miniconv.nn.functional.ctc_loss(lp_m, miniconv.tensor(tg), (12, 12, 12), (4, 4, 4), reduction="avg")


def test_trains_like_torch():
    """A tiny recognizer (Linear over frames) trained 20 SGD steps on CTC: the same losses."""
    rng = np.random.default_rng(1)
    feats = rng.standard_normal((15, 4, 6)).astype(np.float32)
    tg = rng.integers(1, 5, (4, 3))
    torch.manual_seed(0)
    tl = torch.nn.Linear(6, 5)
    ml = miniconv.nn.Linear(6, 5)
    ml.load_state_dict({k: miniconv.tensor(v.detach().numpy()) for k, v in tl.state_dict().items()})
    losses = {}
    for lib, lin in ((miniconv, ml), (torch, tl)):
        opt = lib.optim.SGD(lin.parameters(), lr=0.1)
        crit = lib.nn.CTCLoss()
        seq = []
        for _ in range(20):
            opt.zero_grad()
            loss = crit(lin(lib.tensor(feats)).log_softmax(2), lib.tensor(tg), (15, 15, 14, 13), (3, 3, 2, 3))
            loss.backward()
            opt.step()
            seq.append(loss.item())
        losses[lib.__name__] = seq
    np.testing.assert_allclose(losses["miniconv"], losses["torch"], rtol=1e-4)
    assert losses["torch"][-1] < losses["torch"][0]
