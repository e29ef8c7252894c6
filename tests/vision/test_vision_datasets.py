"""miniconv.vision.datasets read small files in the exact on-disk formats (written by vision_formats.py)
and give what torchvision gives for the same files (reference/, from make_reference.py): PIL images,
targets, len, classes, class_to_idx. Plus checksums, corrupt files, downloads refused offline, and the
restricted unpickler refusing code."""
import hashlib
import os
import pickle

import numpy as np
import pytest

pytest.importorskip("PIL")
import miniconv  # noqa: E402
from miniconv.vision import datasets, transforms  # noqa: E402
from miniconv.vision.datasets import _utils  # noqa: E402
from miniconv.vision.datasets.cifar import RestrictedUnpickler, restricted_load  # noqa: E402

import vision_formats  # noqa: E402
import vision_reference as ref  # noqa: E402


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("vision_data"))
    vision_formats.write_all(d)
    for archive in ("cifar-10-python.tar.gz", "cifar-100-python.tar.gz"):
        _utils.extract_archive(os.path.join(d, archive), d)
    return d


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def local_mnist(cls, root):
    """``cls`` whose published checksums are those of the generated files (the verification code runs)."""
    raw = os.path.join(root, cls.__name__, "raw")
    resources = {name if name.endswith(".gz") else name + ".gz": (_sha256(os.path.join(raw, name)), None)
                 for name in os.listdir(raw) if name.endswith(("ubyte", "ubyte.gz"))}
    return type(cls.__name__, (cls,), {"resources": resources, "split_sizes": {}})


def assert_matches_reference(ds, key):
    want = ref.meta()[key]
    assert len(ds) == want["len"]
    items = [ds[i] for i in range(len(ds))]
    assert [t for _, t in items] == want["targets"]
    assert all(isinstance(t, int) for _, t in items)
    assert [im.mode for im, _ in items] == want["modes"]
    assert [list(im.size) for im, _ in items] == want["sizes"]
    if want["classes"]:
        assert list(ds.classes) == want["classes"]
        assert dict(ds.class_to_idx) == want["class_to_idx"]
    for i, (im, _) in enumerate(items):
        np.testing.assert_array_equal(np.asarray(im), ref.array(f"{key}.{i}"), err_msg=f"{key}[{i}]")


@pytest.mark.parametrize("name", ["MNIST", "FashionMNIST", "KMNIST"])
@pytest.mark.parametrize("train", [True, False])
def test_mnist_family_equals_torchvision(root, name, train):
    cls = local_mnist(getattr(datasets, name), root)
    assert_matches_reference(cls(root, train=train), f"ds.{name}.{train}")


@pytest.mark.parametrize("split", ["letters", "balanced"])
def test_emnist_equals_torchvision(root, split):
    assert_matches_reference(datasets.EMNIST(root, split=split, train=True), f"ds.EMNIST.{split}")


def test_emnist_bad_split(root):
    with pytest.raises(ValueError, match="Unknown value 'nope' for argument split"):
        datasets.EMNIST(root, split="nope")


def test_mnist_is_miniconv_data_class_with_pil_items(root):
    assert issubclass(datasets.MNIST, miniconv.data.datasets.MNIST)
    assert issubclass(datasets.FashionMNIST, miniconv.data.datasets.FashionMNIST)
    cls = local_mnist(datasets.MNIST, root)
    ds = cls(root, train=True, transform=transforms.ToTensor())
    x, y = ds[0]
    assert x.shape == (1, 28, 28) and x.dtype == miniconv.float32
    batch = next(iter(miniconv.data.DataLoader(ds, batch_size=4)))
    assert batch[0].shape == (4, 1, 28, 28) and batch[1].tolist() == [ds[i][1] for i in range(4)]


def test_mnist_unpublished_file_refused(root):
    # the real class checks every file against the published checksum: the generated files are refused
    with pytest.raises(miniconv.data.datasets.mnist.CorruptDataError, match="checksum mismatch"):
        datasets.MNIST(root, train=True)
    with pytest.raises(miniconv.data.datasets.mnist.CorruptDataError, match="checksum mismatch.*MD5"):
        datasets.KMNIST(root, train=True)


def test_gzipped_idx_reads_the_same(tmp_path, root):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in os.listdir(os.path.join(root, "MNIST", "raw")):
        with open(os.path.join(root, "MNIST", "raw", name), "rb") as f:
            vision_formats.write_idx(str(raw / (name + ".gz")), miniconv.data.datasets.read_idx(f.name),
                                     compress=True)
    a = local_mnist(datasets.MNIST, str(tmp_path))
    b = local_mnist(datasets.MNIST, root)
    ds_gz, ds_raw = a(str(tmp_path), train=False), b(root, train=False)
    np.testing.assert_array_equal(ds_gz.data.numpy(), ds_raw.data.numpy())


def local_cifar(cls, root):
    folder = os.path.join(root, cls.base_folder)
    md5 = {n: _md5(os.path.join(folder, n)) for n in os.listdir(folder)}
    return type(cls.__name__, (cls,), {
        "train_list": [[n, md5[n]] for n, _ in cls.train_list], "test_list": [[n, md5[n]] for n, _ in cls.test_list],
        "meta": dict(cls.meta, md5=md5[cls.meta["filename"]])})


@pytest.mark.parametrize("name", ["CIFAR10", "CIFAR100"])
@pytest.mark.parametrize("train", [True, False])
def test_cifar_equals_torchvision(root, name, train):
    ds = local_cifar(getattr(datasets, name), root)(root, train=train)
    assert ds.data.dtype == np.uint8 and ds.data.shape[1:] == (32, 32, 3)
    assert_matches_reference(ds, f"ds.{name}.{train}")


def test_cifar_checksums_and_missing(root, tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted. You can use download=True"):
        datasets.CIFAR10(root)  # the generated batches are not the published ones
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        datasets.CIFAR10(str(tmp_path))


def test_cifar_pickle_with_numpy2_module_name(tmp_path):
    arr = np.arange(12, dtype=np.uint8).reshape(3, 4)
    obj = {"data": arr, "labels": [1, 2, 3], "name": "x", "raw": b"\x00\x01"}
    for data in (pickle.dumps(obj, protocol=2), vision_formats._py2_style_pickle(obj), pickle.dumps(obj, protocol=4)):
        got = restricted_load(data)
        np.testing.assert_array_equal(got["data"], arr)
        assert got["labels"] == [1, 2, 3] and got["name"] == "x" and got["raw"] == b"\x00\x01"


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvilEval:
    def __reduce__(self):
        return (eval, ("__import__('os').getpid()",))


def test_malicious_pickle_refused_without_side_effects(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"data": _Evil(str(marker))}, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load global '(posix|os|nt).system'"):
        restricted_load(payload)
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError, match="refusing to load global 'builtins.eval'"):
        restricted_load(pickle.dumps(_EvilEval()))
    with pytest.raises(pickle.UnpicklingError, match="_codecs.encode with arguments other than"):
        restricted_load(b"\x80\x02c_codecs\nencode\nK\x01X\x01\x00\x00\x00x\x86R.")
    assert issubclass(RestrictedUnpickler, pickle.Unpickler)


def test_malicious_cifar_batch_is_a_corrupt_data_error(root, tmp_path):
    import shutil

    folder = tmp_path / "cifar-10-batches-py"
    shutil.copytree(os.path.join(root, "cifar-10-batches-py"), folder)
    marker = tmp_path / "pwned"
    (folder / "data_batch_1").write_bytes(pickle.dumps({"data": _Evil(str(marker))}, protocol=2))
    cls = local_cifar(datasets.CIFAR10, str(tmp_path))
    with pytest.raises(_utils.CorruptDataError, match="data_batch_1: not a CIFAR batch file.*refusing"):
        cls(str(tmp_path))
    assert not marker.exists()


@pytest.mark.parametrize("split", ["train", "test"])
def test_svhn_equals_torchvision(root, split):
    md5 = _md5(os.path.join(root, f"{split}_32x32.mat"))
    cls = type("SVHN", (datasets.SVHN,), {"split_list": dict(datasets.SVHN.split_list, **{
        split: datasets.SVHN.split_list[split][:2] + [md5]})})
    ds = cls(root, split=split)
    assert ds.labels.dtype == np.int64 and ds.labels.max() <= 9
    assert_matches_reference(ds, f"ds.SVHN.{split}")
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        datasets.SVHN(root, split=split)
    with pytest.raises(ValueError, match="Unknown value 'valid' for argument split"):
        datasets.SVHN(root, split="valid")


def test_image_folder_equals_torchvision(root):
    folder = os.path.join(root, "folder")
    ds = datasets.ImageFolder(folder)
    assert [[os.path.relpath(p, folder), t] for p, t in ds.samples] == ref.meta()["ds.ImageFolder"]["samples"]
    assert ds.imgs == ds.samples and ds.targets == [t for _, t in ds.samples]
    want = ref.meta()["ds.ImageFolder"]
    assert ds.classes == want["classes"] and ds.class_to_idx == want["class_to_idx"]
    for i in range(len(ds)):
        im, t = ds[i]
        assert im.mode == "RGB" and t == want["targets"][i]
        expected = ref.array(f"ds.ImageFolder.{i}")
        tol = 0 if ds.samples[i][0].lower().endswith(".png") else 2  # JPEG decoders may round differently
        np.testing.assert_allclose(np.asarray(im, dtype=int), expected.astype(int), atol=tol)


def test_dataset_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        datasets.ImageFolder(str(tmp_path))
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x")
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes a. Supported extensions are: "
                                                ".jpg, .jpeg"):
        datasets.ImageFolder(str(tmp_path))
    assert len(datasets.ImageFolder(str(tmp_path), allow_empty=True)) == 0
    ds = datasets.DatasetFolder(str(tmp_path), loader=lambda p: open(p).read(), extensions=(".txt",))
    assert ds[0] == ("x", 0)
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None or not None"):
        datasets.DatasetFolder(str(tmp_path), loader=open)


def test_fake_data():
    ds = datasets.FakeData(size=6, image_size=(3, 10, 12), num_classes=4, transform=transforms.ToTensor())
    x, y = ds[2]
    assert x.shape == (3, 10, 12) and 0 <= y < 4 and len(ds) == 6
    x2, y2 = ds[2]
    np.testing.assert_array_equal(x.numpy(), x2.numpy())
    assert y == y2
    state = miniconv.get_rng_state()
    ds[3]
    assert miniconv.equal(miniconv.get_rng_state(), state)
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[6]
    assert datasets.FakeData(size=2, image_size=(1, 5, 5))[0][0].mode == "L"


def test_tar_member_escaping_the_folder_refused(tmp_path):
    import io
    import tarfile

    archive = tmp_path / "bad.tar.gz"
    with tarfile.open(archive, "w:gz") as t:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        t.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(_utils.CorruptDataError, match="points outside the target folder"):
        _utils.extract_archive(str(archive), str(tmp_path / "out"))
    assert not (tmp_path / "escape.txt").exists()


def test_download_offline_fails_cleanly(tmp_path, monkeypatch):
    import miniconv.data.datasets.mnist as m

    def no_network(url, timeout=None):
        raise OSError("network is unreachable")

    monkeypatch.setattr(m, "urlopen", no_network)
    with pytest.raises(RuntimeError, match="Error downloading cifar-10-python.tar.gz; tried:"):
        datasets.CIFAR10(str(tmp_path), download=True)
    assert os.listdir(tmp_path) == []  # nothing half-written


def test_pillow_needed_only_for_images(root, monkeypatch):
    import subprocess
    import sys

    code = "import miniconv.vision, sys; from miniconv.vision import datasets, transforms, models, utils; " \
           "print('PIL' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # importing miniconv.vision does not import Pillow
    ds = local_mnist(datasets.MNIST, root)(root, train=False)
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    with pytest.raises(ImportError, match=r"needs Pillow.*pip install Pillow"):
        ds[0]
    assert len(ds) == 5 and ds.targets.shape == (5,)


class _Served:
    """``urlopen`` stand-in serving local files by URL (no network here), counting requests."""

    def __init__(self, files):
        self.files, self.requests = files, []

    def __call__(self, url, timeout=None):
        import io

        self.requests.append(url)
        if url not in self.files:
            raise OSError(f"404 for {url}")
        return io.BytesIO(self.files[url])


def test_cifar_download_verifies_and_unpacks(tmp_path, monkeypatch):
    import miniconv.data.datasets.mnist as m

    src = tmp_path / "src"
    src.mkdir()
    archive, _ = vision_formats.write_cifar_archive(str(src), "cifar10")
    data = open(archive, "rb").read()
    extracted = tmp_path / "x"
    _utils.extract_archive(archive, str(extracted))
    cls = local_cifar(datasets.CIFAR10, str(extracted))
    cls.tgz_md5 = hashlib.md5(data).hexdigest()
    served = _Served({cls.url: data})
    monkeypatch.setattr(m, "urlopen", served)
    root = tmp_path / "root"
    ds = cls(str(root), download=True)
    assert len(ds) == 15 and served.requests == [cls.url]
    assert sorted(os.listdir(root)) == ["cifar-10-batches-py", "cifar-10-python.tar.gz"]
    cls(str(root), download=True)  # verified files present: nothing downloaded again
    assert served.requests == [cls.url]
    # a corrupted download is refused and leaves no file behind
    bad = type("Bad", (cls,), {"tgz_md5": "0" * 32})
    with pytest.raises(RuntimeError, match="downloaded file has MD5"):
        bad(str(tmp_path / "other"), download=True)
    assert not os.path.exists(tmp_path / "other" / "cifar-10-python.tar.gz")


def test_emnist_download_unpacks_the_zip(tmp_path, root, monkeypatch):
    import io
    import zipfile

    import miniconv.data.datasets.mnist as m

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        raw = os.path.join(root, "EMNIST", "raw")
        for name in sorted(os.listdir(raw)):
            with open(os.path.join(raw, name), "rb") as f:
                z.writestr(f"gzip/{name}.gz", __import__("gzip").compress(f.read(), mtime=0))
    data = buf.getvalue()
    cls = type("EMNIST", (datasets.EMNIST,), {"md5": hashlib.md5(data).hexdigest()})
    monkeypatch.setattr(m, "urlopen", _Served({cls.url: data}))
    ds = cls(str(tmp_path), split="letters", train=False, download=True)
    ref_ds = datasets.EMNIST(root, split="letters", train=False)
    np.testing.assert_array_equal(ds.data.numpy(), ref_ds.data.numpy())
    assert "gzip" not in os.listdir(tmp_path / "EMNIST" / "raw")
