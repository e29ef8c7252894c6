"""PyTorch's numbers beyond the tensor API: distributions built on the samplers, torchvision-style random
transforms (their draws replayed with torch's own calls) and FakeData."""
import numpy as np
import pytest

import miniconv
import miniconv.distributions as MD
from test_torch_stream_core import assert_ulp, run

torch = pytest.importorskip("torch")
TD = torch.distributions


@pytest.mark.parametrize("make", [
    lambda l, D: D.Normal(l.zeros(20), l.ones(20) * 2).sample((3,)),
    lambda l, D: D.Normal(0.5, 2.0).rsample((5,)),
    lambda l, D: D.Uniform(l.zeros(7) - 1, l.ones(7)).sample(),
    lambda l, D: D.Bernoulli(l.full((10,), 0.3)).sample(),
    lambda l, D: D.Categorical(l.tensor([0.1, 0.2, 0.7])).sample((6,)),
    lambda l, D: D.OneHotCategorical(l.tensor([0.1, 0.2, 0.7])).sample((4,)),
    lambda l, D: D.Exponential(l.tensor([1.0, 2.0])).sample((3,)),
    lambda l, D: D.Laplace(l.tensor(0.0), l.tensor(1.0)).sample((5,)),
    lambda l, D: D.Cauchy(l.tensor(0.0), l.tensor(1.0)).sample((5,)),
    lambda l, D: D.LogNormal(l.tensor(0.0), l.tensor(1.0)).sample((5,)),
    lambda l, D: D.Geometric(l.tensor(0.3)).sample((5,)),
    lambda l, D: D.Gumbel(l.tensor(0.0), l.tensor(1.0)).sample((5,)),
    lambda l, D: D.HalfNormal(l.tensor(1.0)).sample((5,)),
    lambda l, D: D.VonMises(l.tensor(0.0), l.tensor(1.0)).sample((5,)),
    lambda l, D: D.RelaxedOneHotCategorical(l.tensor(0.5), probs=l.tensor([0.3, 0.6, 0.1])).sample((3,)),
    lambda l, D: D.MultivariateNormal(l.zeros(3), l.eye(3) * 2).sample((4,)),
], ids=["normal", "normal_scalar", "uniform", "bernoulli", "categorical", "onehot", "exponential", "laplace",
        "cauchy", "lognormal", "geometric", "gumbel", "halfnormal", "vonmises", "relaxed_onehot", "mvn"])
def test_distribution_samples(make):
    for seed in (1, 8):
        miniconv.manual_seed(seed)
        a = make(miniconv, MD).numpy()
        torch.manual_seed(seed)
        b = make(torch, TD).numpy()
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
        assert_ulp(*run(lambda lib: lib.rand(2)))  # the stream is where PyTorch's is


def test_transform_draws_replay_torch_calls():
    from miniconv.vision import transforms as T
    img = miniconv.rand(3, 20, 24)
    miniconv.manual_seed(3)
    crops = [T.RandomCrop(10).get_params(img, (10, 12)) for _ in range(5)]
    flips = [bool(np.array_equal(T.RandomHorizontalFlip(0.5)(img).numpy(), img.flip(-1).numpy())) for _ in range(8)]
    jitter = T.ColorJitter.get_params((0.5, 1.5), (0.5, 1.5), None, (-0.1, 0.1))
    torch.manual_seed(3)
    want_crops = [(int(torch.randint(0, 20 - 10 + 1, size=(1,)).item()),
                   int(torch.randint(0, 24 - 12 + 1, size=(1,)).item()), 10, 12) for _ in range(5)]
    want_flips = [bool(torch.rand(1) < 0.5) for _ in range(8)]
    fn_idx = torch.randperm(4)
    b = float(torch.empty(1).uniform_(0.5, 1.5))
    c = float(torch.empty(1).uniform_(0.5, 1.5))
    h = float(torch.empty(1).uniform_(-0.1, 0.1))
    assert crops == want_crops and flips == want_flips
    assert jitter[0].tolist() == fn_idx.tolist() and jitter[1:] == (b, c, None, h)


def test_fakedata_items_are_torchvisions_draws():
    from miniconv.vision import datasets
    ds = datasets.FakeData(size=4, image_size=(1, 5, 6), num_classes=7, random_offset=3)
    for i in range(4):
        torch.manual_seed(i + 3)
        values = torch.randn(1, 5, 6)
        label = int(torch.randint(0, 7, size=(1,), dtype=torch.long)[0])
        img, target = ds[i]
        assert target == label
        want = miniconv.vision.transforms.functional.to_pil_image(miniconv.tensor(values.numpy()))
        np.testing.assert_array_equal(np.asarray(img), np.asarray(want))
