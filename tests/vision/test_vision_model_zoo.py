"""miniconv.vision.models' zoo against torchvision 0.29 (reference_zoo/, written by make_zoo_reference.py):
for every builder of zoo_cases.ZOO the state_dict layout (names, shapes, dtypes) is torchvision's; with the
same deterministic weights the eval-mode output equals torchvision's, and (but for the largest models) so do
the training-mode output (GoogLeNet/Inception: with auxiliary logits) and the BatchNorm running statistics it
leaves; for GRAD_MODELS the gradients of a fixed linear loss equal torchvision's."""
import numpy as np
import pytest
import vision_cases
import zoo_cases
from zoo_reference import ref_arrays, ref_meta

import miniconv
from miniconv.vision import models


def build(name):
    """The builder's model with the deterministic state loaded; initialisation skipped (it is overwritten)."""
    with pytest.MonkeyPatch.context() as mp:
        for fn in ("kaiming_uniform_", "uniform_", "normal_", "kaiming_normal_", "trunc_normal_"):
            mp.setattr(miniconv.nn.init, fn, lambda tensor, *a, **k: tensor)
        model = getattr(models, name)(**zoo_cases.kwargs(name))
    state = vision_cases.deterministic_state([(k, v.shape) for k, v in model.state_dict().items()])
    model.load_state_dict({k: miniconv.from_numpy(v) for k, v in state.items()}, strict=True)
    return model


def close(got, want, rel, what):
    np.testing.assert_allclose(got, want, rtol=rel, atol=rel * max(float(np.abs(want).max()), 1e-6), err_msg=what)


@pytest.mark.parametrize("name", list(zoo_cases.ZOO))
def test_model_matches_torchvision(name):
    ref = ref_arrays()
    model = build(name)
    layout = [[k, list(v.shape), v.dtype.name] for k, v in model.state_dict().items()]
    assert layout == ref_meta()[f"layout.{name}"]
    x = miniconv.from_numpy(zoo_cases.model_input(name))

    model.eval()
    with miniconv.no_grad():
        outs = zoo_cases.outputs_list(model(x))
    assert len(outs) == len([k for k in ref if k.startswith(f"eval.{name}.")])
    for i, o in enumerate(outs):
        close(o.numpy(), ref[f"eval.{name}.{i}"], 2e-4, f"eval output {i}")
    if name in zoo_cases.LARGE:
        return

    model.train()
    x = miniconv.from_numpy(zoo_cases.train_input(name))
    grad = name in zoo_cases.GRAD_MODELS

    def tol(kind, base):
        # never looser than 3x what a 1e-6 relative input change moves torchvision's own result by
        return max(base, 3 * ref[f"sens.{kind}.{name}"].item())

    with miniconv.enable_grad() if grad else miniconv.no_grad():
        outs = zoo_cases.outputs_list(model(x))
        assert len(outs) == len([k for k in ref if k.startswith("train.") and k.endswith(f".{name}")])
        for i, o in enumerate(outs):
            close(o.detach().numpy(), ref[f"train.{i}.{name}"], tol(f"train.{i}", 1e-3), f"train output {i}")
        if grad:
            loss = sum((o * miniconv.from_numpy(zoo_cases.loss_weights(tuple(o.shape), k))).sum()
                       for k, o in enumerate(outs))
            loss.backward()
            params = list(model.named_parameters())
            norms = np.array([float(p.grad.norm()) for _, p in params])
            want = ref[f"grad.norms.{name}"]
            np.testing.assert_allclose(norms, want, rtol=tol("grad.norms", 2e-3), atol=1e-5 * want.max())
            assert np.median(np.abs(norms - want) / np.maximum(want, 1e-5 * want.max())) < 1e-3
            close(params[0][1].grad.numpy(), ref[f"grad.first.{name}"], tol("grad.first", 2e-3),
                  f"grad of {params[0][0]}")
            close(params[-1][1].grad.numpy(), ref[f"grad.last.{name}"], tol("grad.last", 2e-3),
                  f"grad of {params[-1][0]}")
    stats = np.array([float(v.numpy().astype(np.float64).sum()) for k, v in model.state_dict().items()
                      if k.endswith(("running_mean", "running_var"))])
    np.testing.assert_allclose(stats, ref[f"bn.{name}"], rtol=1e-3, atol=1e-3)


def test_old_builders_have_torchvision_kwargs():
    """The builders that existed before keep working with torchvision's kwargs and legacy flags."""
    m = models.resnet18(num_classes=3, zero_init_residual=True)
    assert float(m.layer1[0].bn2.weight.detach().abs().sum()) == 0.0
    with pytest.warns(UserWarning) as caught:
        assert models.vgg11(pretrained=False, num_classes=2, init_weights=False).classifier[6].out_features == 2
    assert [str(w.message)[:40] for w in caught] == ["The parameter 'pretrained' is deprecated",
                                                    "Arguments other than a weight enum or `N"]
    assert models.mobilenet_v3_small(width_mult=0.5, num_classes=4).classifier[3].out_features == 4
    assert models.densenet121(memory_efficient=True, num_classes=2).features.denseblock1.denselayer1.memory_efficient


def test_densenet_memory_efficient_gradients_equal():
    """Checkpointed dense layers (recomputed in backward) give the same gradients as the plain ones."""
    grads = []
    for eff in (False, True):
        miniconv.manual_seed(0)
        m = models.DenseNet(growth_rate=8, block_config=(2, 2), num_init_features=8, num_classes=3,
                            memory_efficient=eff)
        x = miniconv.from_numpy(np.random.default_rng(0).standard_normal((2, 3, 16, 16)).astype(np.float32))
        m(x).sum().backward()
        grads.append([p.grad.numpy().copy() for p in m.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_inception_aux_head_matches_torchvision():
    """Inception3's auxiliary head (its training-mode second output) at the 17x17 of 299x299 input."""
    ref = ref_arrays()
    aux = models.inception.InceptionAux(768, 10)
    assert [[k, list(v.shape)] for k, v in aux.state_dict().items()] == ref_meta()["layout.inception_aux"]
    state = vision_cases.deterministic_state([(k, v.shape) for k, v in aux.state_dict().items()])
    aux.load_state_dict({k: miniconv.from_numpy(v) for k, v in state.items()})
    x = miniconv.from_numpy(zoo_cases.aux_input())
    y = aux.train()(x)
    close(y.detach().numpy(), ref["train.inception_aux"], 1e-3, "train")
    (y * miniconv.from_numpy(zoo_cases.loss_weights(tuple(y.shape), 0))).sum().backward()
    g = aux.conv1.conv.weight.grad.numpy().reshape(-1)[zoo_cases.sample_indices((aux.conv1.conv.weight.numel(),))]
    close(g, ref["grad.inception_aux"], 2e-3, "grad")
    with miniconv.no_grad():
        close(aux.eval()(x).numpy(), ref["eval.inception_aux"], 2e-4, "eval")


@pytest.mark.parametrize("name", zoo_cases.INIT_STAT_MODELS)
def test_initialisation_statistics(name):
    """Random initialisation follows torchvision's rules (kaiming normal/uniform, truncated normal, uniform
    Linear ranges, BatchNorm 1/0): each tensor's mean and spread agree with torchvision's draw."""
    miniconv.manual_seed(0)
    model = getattr(models, name)(**zoo_cases.kwargs(name))
    want = ref_meta()[f"init.{name}"]
    state = model.state_dict()
    assert set(want) == {k for k, v in state.items() if v.is_floating_point()}
    for key, (mean, std) in want.items():
        arr = state[key].numpy().astype(np.float64)
        if std == 0.0:  # constants: BatchNorm 1/0, zero biases, running stats
            np.testing.assert_array_equal(arr, np.full(arr.shape, mean), err_msg=key)
        elif arr.size >= 500:
            assert abs(arr.std() - std) < 0.1 * std, (key, arr.std(), std)
            assert abs(arr.mean() - mean) < 6 * std / np.sqrt(arr.size) + 1e-7, (key, arr.mean(), mean)
