"""nn.init's trunc_normal_, orthogonal_, eye_, dirac_ and the deprecated spellings, against PyTorch."""
import warnings

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("shape,groups", [((4, 2, 3), 1), ((4, 2, 3), 2), ((6, 3, 3, 3), 1), ((6, 2, 3, 5), 3),
                                          ((2, 4, 1, 3, 3), 1), ((3, 5, 3, 3), 1)])
def test_dirac_equals_torch(shape, groups):
    ours = miniconv.nn.init.dirac_(miniconv.empty(*shape), groups).numpy()
    theirs = torch.nn.init.dirac_(torch.empty(*shape), groups).numpy()
    np.testing.assert_array_equal(ours, theirs)
    if len(shape) == 4:  # the point of it: a convolution with this weight passes its input through
        x = miniconv.randn(1, shape[1] * groups, 5, 5)
        w = miniconv.nn.init.dirac_(miniconv.empty(shape[0], shape[1], *shape[2:]), groups)
        y = miniconv.nn.functional.conv2d(x, w, padding=(shape[2] // 2, shape[3] // 2), groups=groups)
        tx = torch.from_numpy(x.numpy())
        ty = torch.nn.functional.conv2d(tx, torch.from_numpy(w.numpy()), padding=(shape[2] // 2, shape[3] // 2),
                                        groups=groups)
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2), (1, 1)])
def test_eye_equals_torch(shape):
    np.testing.assert_array_equal(miniconv.nn.init.eye_(miniconv.empty(*shape)).numpy(),
                                  torch.nn.init.eye_(torch.empty(*shape)).numpy())


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (8, 2, 3, 3), (3, 27)])
def test_orthogonal_is_orthogonal_with_gain(shape):
    w = miniconv.nn.init.orthogonal_(miniconv.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
    small = min(w.shape)
    gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-5)


def test_trunc_normal_range_and_moments_match_torch():
    for (mean, std, a, b) in [(0.0, 1.0, -2.0, 2.0), (0.0, 0.02, -0.04, 0.04), (1.0, 2.0, 0.0, 3.0)]:
        ours = miniconv.nn.init.trunc_normal_(miniconv.empty(200000), mean, std, a, b).numpy()
        theirs = torch.nn.init.trunc_normal_(torch.empty(200000), mean, std, a, b).numpy()
        assert ours.min() >= a and ours.max() <= b
        assert abs(ours.mean() - theirs.mean()) < 0.02 * std + 1e-4
        assert abs(ours.std() - theirs.std()) < 0.02 * std


ERRORS = {
    "eye_3d": lambda L: L.nn.init.eye_(L.empty(2, 2, 2)),
    "dirac_2d": lambda L: L.nn.init.dirac_(L.empty(2, 2)),
    "dirac_groups": lambda L: L.nn.init.dirac_(L.empty(3, 2, 3), groups=2),
    "orthogonal_1d": lambda L: L.nn.init.orthogonal_(L.empty(3)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_as_torch(name):
    classes = []
    for L in (miniconv, torch):
        with pytest.raises(Exception) as info:
            ERRORS[name](L)
        classes.append(type(info.value))
    assert classes[0] is classes[1]


@pytest.mark.parametrize("name", ["uniform", "normal", "constant", "xavier_uniform", "xavier_normal",
                                  "kaiming_uniform", "kaiming_normal", "orthogonal"])
def test_deprecated_spellings_warn_as_torch_and_fill(name):
    args = (0.5,) if name == "constant" else ()
    for L in (miniconv, torch):
        w = L.zeros(4, 5)
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            getattr(L.nn.init, name)(w, *args)
        assert [r.category for r in rec] == [FutureWarning]
        assert f"nn.init.{name}_" in str(rec[0].message)
        assert np.abs(w.numpy()).sum() > 0
