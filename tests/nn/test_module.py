"""The nn.Module API: registration, iteration, modes, state_dict, containers, repr."""
from collections import OrderedDict

import numpy as np
import pytest

import miniconv
import miniconv.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU())
        self.head = nn.Linear(8, 3)
        self.scale = nn.Parameter(miniconv.ones(1))
        self.register_buffer("steps", miniconv.zeros(1))
        self.register_buffer("scratch", miniconv.zeros(2), persistent=False)
        self.not_a_param = miniconv.zeros(1)

    def forward(self, x):
        return self.head(self.features(x)) * self.scale


def test_parameters_and_named_parameters_order():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias",
                     "head.weight", "head.bias"]
    assert len(list(net.parameters())) == 7
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]


def test_buffers_and_named_buffers():
    net = Net()
    names = [n for n, _ in net.named_buffers()]
    assert names == ["steps", "scratch", "features.1.running_mean", "features.1.running_var",
                     "features.1.num_batches_tracked"]
    assert len(list(net.buffers())) == 5
    assert "not_a_param" not in dict(net.named_buffers())


def test_children_modules_named_modules():
    net = Net()
    assert [type(m).__name__ for m in net.children()] == ["Sequential", "Linear"]
    assert [n for n, _ in net.named_modules()] == ["", "features", "features.0", "features.1", "features.2", "head"]
    assert [type(m).__name__ for m in net.modules()][:2] == ["Net", "Sequential"]
    assert net.get_submodule("features.1") is net.features[1]


def test_add_module_register_parameter_register_buffer_errors():
    m = nn.Module()
    m.add_module("lin", nn.Linear(1, 1))
    assert m.lin is m._modules["lin"]
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(KeyError, match=r'contain "\.", got: a\.b'):
        m.add_module("a.b", nn.ReLU())
    with pytest.raises(KeyError, match="already exists"):
        m.add_module("forward", nn.ReLU())
    m.register_parameter("p", nn.Parameter(miniconv.zeros(2)))
    m.register_parameter("none", None)
    assert [n for n, _ in m.named_parameters()] == ["p", "lin.weight", "lin.bias"]
    with pytest.raises(TypeError, match="Parameter or None required"):
        m.register_parameter("q", miniconv.zeros(2))
    with pytest.raises(TypeError, match="Tensor or None required"):
        m.register_buffer("b", np.zeros(2))
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'p'"):
        m.p = miniconv.zeros(2)


def test_train_eval_propagate():
    net = Net()
    assert net.training and net.features[1].training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")


def test_zero_grad():
    net = Net()
    net(miniconv.randn(5, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.detach().numpy() == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_state_dict_contents_and_round_trip_with_bn_buffers():
    miniconv.manual_seed(0)
    net = Net()
    net(miniconv.randn(6, 4))  # updates the BatchNorm buffers
    sd = net.state_dict()
    assert list(sd) == ["scale", "steps", "features.0.weight", "features.0.bias", "features.1.weight",
                        "features.1.bias", "features.1.running_mean", "features.1.running_var",
                        "features.1.num_batches_tracked", "head.weight", "head.bias"]
    assert "scratch" not in sd  # non-persistent
    assert sd["features.1.num_batches_tracked"].dtype == miniconv.int64
    assert sd["features.1.num_batches_tracked"].item() == 1
    # a copy, then load into a fresh net
    saved = OrderedDict((k, v.detach().numpy().copy()) for k, v in sd.items())
    other = Net()
    result = other.load_state_dict({k: miniconv.tensor(v) for k, v in saved.items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    for k, v in other.state_dict().items():
        np.testing.assert_array_equal(v.detach().numpy(), saved[k])
        assert v.dtype == sd[k].dtype
    x = miniconv.randn(3, 4)
    net.eval(), other.eval()
    np.testing.assert_array_equal(net(x).detach().numpy(), other(x).detach().numpy())


def test_state_dict_shares_memory_and_is_detached():
    lin = nn.Linear(2, 2)
    sd = lin.state_dict()
    assert not sd["weight"].requires_grad
    sd["weight"].detach().numpy()[0, 0] = 42.0
    assert lin.weight.detach().numpy()[0, 0] == 42.0
    assert lin.state_dict(keep_vars=True)["weight"] is lin.weight


def test_load_state_dict_strict_errors():
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    sd = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    before = net[0].weight.detach().numpy().copy()

    missing = dict(sd)
    del missing["1.running_var"]
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "1.running_var"'):
        net.load_state_dict(missing)
    r = net.load_state_dict(missing, strict=False)
    assert r.missing_keys == ["1.running_var"]

    unexpected = dict(sd, extra=np.zeros(1))
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "extra"'):
        net.load_state_dict(unexpected)
    assert net.load_state_dict(unexpected, strict=False).unexpected_keys == ["extra"]

    wrong = dict(sd)
    wrong["0.weight"] = np.ones((2, 3), np.float32)
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight: copying a param with shape "
                                           r"miniconv.Size\(\[2, 3\]\) from checkpoint, the shape in current model "
                                           r"is miniconv.Size\(\[3, 2\]\)"):
        net.load_state_dict(wrong, strict=False)
    np.testing.assert_array_equal(net[0].weight.detach().numpy(), before)  # nothing was modified
    with pytest.raises(RuntimeError, match="Error\\(s\\) in loading state_dict for Sequential"):
        net.load_state_dict({})


def test_to_cpu_and_dtype():
    net = Net()
    assert net.to("cpu") is net and net.cpu() is net
    with pytest.raises(RuntimeError, match="CPU only"):
        net.to("cuda")
    net.to(miniconv.float64)
    assert all(p.dtype == miniconv.float64 for p in net.parameters())
    assert net.features[1].num_batches_tracked.dtype == miniconv.int64  # integer buffers keep their dtype
    assert net(miniconv.randn(3, 4, dtype=miniconv.float64)).dtype == miniconv.float64


def test_apply_visits_children_first():
    net = Net()
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "BatchNorm1d", "ReLU", "Sequential", "Linear", "Net"]

    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)

    net.apply(init)
    assert np.all(net.head.weight.detach().numpy() == 0)


def test_sequential_indexing_len_iteration():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3
    assert seq[0] is a and seq[-1] is c
    assert list(seq) == [a, b, c]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    with pytest.raises(IndexError):
        seq[3]
    seq2 = nn.Sequential()
    seq2.add_module("conv_00", a)
    seq2.add_module("relu_00", b)
    assert [n for n, _ in seq2.named_children()] == ["conv_00", "relu_00"]
    assert seq2.conv_00 is a and seq2[1] is b
    od = nn.Sequential(OrderedDict([("x", a), ("y", c)]))
    assert list(od._modules) == ["x", "y"]
    x = miniconv.randn(4, 2)
    np.testing.assert_allclose(seq(x).detach().numpy(), c(b(a(x))).detach().numpy())


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.ReLU())
    assert len(layers) == 4 and isinstance(layers[-1], nn.ReLU)
    holder = nn.Module()
    holder.layers = layers
    assert len(list(holder.parameters())) == 6
    assert [n for n, _ in holder.named_parameters()][:2] == ["layers.0.weight", "layers.0.bias"]
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2


def test_forward_not_implemented():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(1)


def test_repr_of_nested_modules_matches_pytorch():
    torch = pytest.importorskip("torch")

    def build(nn_mod):
        seq = nn_mod.Sequential(nn_mod.Linear(4, 8), nn_mod.Sequential(nn_mod.BatchNorm1d(8), nn_mod.ReLU()),
                                nn_mod.Dropout(0.25))
        seq.add_module("pool", nn_mod.MaxPool2d(2, 2))
        seq.add_module("flatten", nn_mod.Flatten())
        seq.add_module("head", nn_mod.Sequential(OrderedDict([("lin", nn_mod.Linear(8, 2))])))
        outer = nn_mod.Sequential()
        outer.add_module("net", seq)
        outer.add_module("empty", nn_mod.Sequential())
        return outer

    assert repr(build(nn)) == repr(build(torch.nn))
    assert repr(nn.Module()) == "Module()"
    assert repr(nn.Sequential()) == repr(torch.nn.Sequential())


def test_repr_of_module_list_with_repeated_layers_matches_pytorch():
    torch = pytest.importorskip("torch")

    def build(nn_mod):
        inner = nn_mod.Sequential(nn_mod.Linear(1, 2), nn_mod.ReLU())
        return nn_mod.ModuleList([nn_mod.ReLU(), nn_mod.ReLU(), nn_mod.ReLU(), nn_mod.Linear(1, 2), inner, inner,
                                  nn_mod.Dropout()])

    assert repr(build(nn)) == repr(build(torch.nn))
    assert repr(nn.ModuleList()) == "ModuleList()"
