"""miniconv.utils.tensorboard against torch.utils.tensorboard: the same logging code run under both
libraries writes the same event records (every field but the wall time), read back with
TensorBoard's own event loader."""
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader  # noqa: E402

import miniconv  # noqa: E402
from miniconv.utils.tensorboard import SummaryWriter as MWriter  # noqa: E402
from torch.utils.tensorboard import SummaryWriter as TWriter  # noqa: E402


def events(logdir):
    """{relative event-file directory: [Event without wall_time, ...]} under logdir."""
    out = {}
    for root, _dirs, files in os.walk(logdir):
        for f in sorted(files):
            if "tfevents" not in f:
                continue
            evs = []
            for ev in EventFileLoader(os.path.join(root, f)).Load():
                ev.wall_time = 0
                evs.append(ev)
            out.setdefault(os.path.relpath(root, logdir), []).extend(evs)
    return out


def log_everything(lib, writer_cls, logdir, data):
    w = writer_cls(logdir)
    t = lib.from_numpy
    for step in range(3):
        w.add_scalar("loss/train", 1.0 / (step + 1), step)
        w.add_scalar("loss/tensor", t(np.float32([0.5 * step]))[0], step)
        w.add_scalars("run", {"a": step * 2.0, "b": float(step) ** 2}, step)
    w.add_histogram("weights", t(data["hist"]), 0)
    w.add_histogram("weights_fd", t(data["hist"]), 1, bins="fd")
    w.add_histogram("weights_max", t(data["hist"]), 2, bins=64, max_bins=10)
    w.add_histogram_raw("raw", min=0.0, max=3.0, num=6, sum=9.0, sum_squares=19.0,
                        bucket_limits=[1.0, 2.0, 3.0], bucket_counts=[1, 2, 3], global_step=0)
    w.add_image("img_chw", t(data["img"]), 0)
    w.add_image("img_hwc", t(data["img"].transpose(1, 2, 0)), 0, dataformats="HWC")
    w.add_image("img_u8", t(data["img_u8"]), 0, dataformats="HW")
    w.add_images("batch", t(data["batch"]), 0)
    w.add_text("note", "hello **tensorboard**", 0)
    w.add_tensor("tensor", t(data["tensor"]), 0)
    w.add_pr_curve("pr", t(data["labels"]), t(data["preds"]), 0)
    w.add_custom_scalars({"losses": {"both": ["Multiline", ["loss/train", "loss/tensor"]]}})
    w.add_audio("sound", t(data["audio"]), 0, sample_rate=8000)
    w.add_mesh("mesh", vertices=t(data["verts"]), faces=t(data["faces"]), global_step=0)
    w.add_embedding(t(data["emb"]), metadata=["a", "b", "c", "d"], tag="emb", global_step=1)
    w.add_hparams({"lr": 0.1, "opt": "sgd", "nest": True}, {"hparam/acc": 0.75}, run_name="hp")
    w.flush()
    w.close()


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return {
        "hist": rng.standard_normal(500).astype(np.float32),
        "img": rng.random((3, 8, 6)).astype(np.float32),
        "img_u8": rng.integers(0, 256, (5, 7)).astype(np.uint8),
        "batch": rng.random((3, 1, 4, 4)).astype(np.float32),
        "tensor": rng.standard_normal((2, 3)).astype(np.float32),
        "labels": rng.integers(0, 2, 50).astype(np.int64),
        "preds": rng.random(50).astype(np.float32),
        "audio": np.sin(np.linspace(0, 20, 400)).astype(np.float32)[None],
        "verts": rng.random((1, 4, 3)).astype(np.float32),
        "faces": np.array([[[0, 1, 2], [1, 2, 3]]], dtype=np.int32),
        "emb": rng.standard_normal((4, 3)).astype(np.float32),
    }


def test_same_event_records_as_torch(tmp_path, data):
    log_everything(miniconv, MWriter, str(tmp_path / "m"), data)
    log_everything(torch, TWriter, str(tmp_path / "t"), data)
    m, t = events(tmp_path / "m"), events(tmp_path / "t")
    assert sorted(m) == sorted(t)
    for key in t:
        assert len(m[key]) == len(t[key]), key
        for em, et in zip(m[key], t[key]):
            assert em == et, f"{key}:\n{em}\n!=\n{et}"
    # the projector files
    for f in ("00001/emb/tensors.tsv", "00001/emb/metadata.tsv", "projector_config.pbtxt"):
        with open(tmp_path / "m" / f) as a, open(tmp_path / "t" / f) as b:
            assert a.read() == b.read(), f


def test_scalar_values_read_back(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    with MWriter(str(tmp_path)) as w:
        for i in range(5):
            w.add_scalar("x", miniconv.tensor(float(i) ** 2), i)
    ea = EventAccumulator(str(tmp_path))
    ea.Reload()
    assert [(s.step, s.value) for s in ea.Scalars("x")] == [(i, float(i) ** 2) for i in range(5)]


def test_default_logdir_and_comment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = MWriter(comment="_lr0.1")
    logdir = w.get_logdir()
    w.close()
    assert logdir.startswith("runs" + os.sep) and logdir.endswith("_lr0.1")
    assert any("tfevents" in f for f in os.listdir(logdir))


def test_graph_of_a_model(tmp_path):
    net = miniconv.nn.Sequential(miniconv.nn.Conv2d(1, 2, 3), miniconv.nn.ReLU(), miniconv.nn.Flatten(),
                                 miniconv.nn.Linear(2 * 4 * 4, 3))
    training = net.training
    with MWriter(str(tmp_path)) as w:
        w.add_graph(net, miniconv.randn(2, 1, 6, 6))
    assert net.training == training
    from tensorboard.compat.proto.graph_pb2 import GraphDef
    graphs = [ev.graph_def for evs in events(tmp_path).values() for ev in evs if ev.graph_def]
    assert len(graphs) == 1
    g = GraphDef.FromString(graphs[0])
    names = {n.name for n in g.node}
    assert {"Sequential/0.weight", "Sequential/0.bias", "Sequential/3.weight", "input/input.0",
            "output/output.1"} <= names
    ops = {n.op for n in g.node}
    assert {"Conv2d", "ReLU", "Reshape", "Linear", "IO Node", "prim::GetAttr"} == ops
    by_name = {n.name: n for n in g.node}
    out = by_name["output/output.1"]
    assert list(out.input) and out.input[0].startswith("Sequential/Linear[3]")
    shape = by_name[out.input[0]].attr["_output_shapes"].list.shape[0]
    assert [d.size for d in shape.dim] == [2, 3]


def test_errors_match_torch(tmp_path):
    for writer_cls, lib in ((MWriter, miniconv), (TWriter, torch)):
        w = writer_cls(str(tmp_path / lib.__name__))
        with pytest.raises(AssertionError, match="one element"):
            w.add_scalar("bad", lib.ones(3), 0)
        with pytest.raises(ValueError, match="no element"):
            w.add_histogram("empty", lib.zeros(0), 0)
        with pytest.raises(TypeError, match="hparam_dict and metric_dict should be dictionary"):
            w.add_hparams([1], {"a": 1.0})
        w.close()
