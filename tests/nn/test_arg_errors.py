"""One mistake, one exception: each bad argument fed to a Module, to its functional form and to PyTorch.

For every case the same user code runs on both libraries (construction and the forward call together,
since PyTorch catches some mistakes, e.g. ``stride=0``, only at forward time); the exception classes must
be equal, and the messages too where the case says so. Where PyTorch accepts the argument, miniconv
must too.
"""
import re

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

X4 = np.random.default_rng(0).standard_normal((1, 4, 8, 8)).astype(np.float32)
X3 = X4[:, :, 0]
W4 = np.random.default_rng(1).standard_normal((4, 4, 3, 3)).astype(np.float32)
W3 = W4[:, :, 0]

CONV_MISTAKES = {
    "stride=0": dict(stride=0), "stride=-1": dict(stride=-1), "padding=-1": dict(padding=-1),
    "padding='foo'": dict(padding="foo"), "padding='same',stride=2": dict(padding="same", stride=2),
    "dilation=0": dict(dilation=0), "groups=0": dict(groups=0), "groups=-1": dict(groups=-1), "groups=3": dict(groups=3),
    "stride=(1,2,3)": dict(stride=(1, 2, 3)), "padding=(1,2,3)": dict(padding=(1, 2, 3)),
    "stride=1.5": dict(stride=1.5), "padding=1.5": dict(padding=1.5),
}
MODULE_ONLY = {
    "kernel_size=0": dict(kernel_size=0), "kernel_size=-1": dict(kernel_size=-1), "kernel_size=2.0": dict(kernel_size=2.0),
    "groups=1.0": dict(groups=1.0), "in_channels=0": dict(in_channels=0), "out_channels=0": dict(out_channels=0),
    "padding_mode='bad'": dict(padding_mode="bad"), "dtype=int64": dict(dtype="int64"),
    # PyTorch's _pair keeps a 1-tuple as is: a 3-D weight, or a 2-value pad before the convolution
    "kernel_size=(3,)": dict(kernel_size=(3,)), "padding=(1,),reflect": dict(padding=(1,), padding_mode="reflect"),
    "kernel_size=(1,),same,reflect": dict(kernel_size=(1,), padding="same", padding_mode="reflect"),
}
# messages compared exactly (after sorting the items of a printed set, whose order is Python's hash order)
EXACT = {"stride=0", "stride=-1", "padding=-1", "padding='same',stride=2", "dilation=0", "groups=0", "groups=-1",
         "groups=3", "stride=(1,2,3)", "padding=(1,2,3)", "padding='foo'", "padding_mode='bad'", "kernel_size=0",
         "dtype=int64"}
# PyTorch names the argument's position when it was passed positionally (the module's forward does):
# miniconv's parser cannot tell, so these two compare classes only
NOT_EXACT_FOR_MODULE = {("ConvTranspose2d", "padding='foo'"), ("ConvTranspose2d", "padding='same',stride=2")}


def outcome(thunk):
    """(exception class name, message) or ("ok", "")."""
    try:
        thunk()
    except Exception as e:  # noqa: BLE001  (the class is what is compared)
        return type(e).__name__, str(e)
    return "ok", ""


def normalise(msg):
    msg = re.sub(r"\{([^{}]*)\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", msg)
    return msg.replace("miniconv", "torch")


def _dtype(lib, kw):
    kw = dict(kw)
    if "dtype" in kw:
        kw["dtype"] = getattr(lib, kw["dtype"])
    return kw


MODULES = {
    "Conv2d": (lambda lib: lib.nn.Conv2d, X4, 3),
    "Conv1d": (lambda lib: lib.nn.Conv1d, X3, 3),
    "ConvTranspose2d": (lambda lib: lib.nn.ConvTranspose2d, X4, 3),
}
FUNCTIONAL = {
    "Conv2d": (lambda lib: lib.nn.functional.conv2d, X4, W4),
    "Conv1d": (lambda lib: lib.nn.functional.conv1d, X3, W3),
    "ConvTranspose2d": (lambda lib: lib.nn.functional.conv_transpose2d, X4, W4),
}


def compare(case, run, exact=True):
    ours, theirs = run(miniconv), run(torch)
    assert ours[0] == theirs[0], f"{case}: miniconv {ours}, PyTorch {theirs}"
    if exact and case in EXACT and theirs[0] != "ok":
        assert normalise(ours[1]) == normalise(theirs[1]), f"{case}: miniconv {ours[1]!r}, PyTorch {theirs[1]!r}"


@pytest.mark.parametrize("case", list(CONV_MISTAKES) + list(MODULE_ONLY))
@pytest.mark.parametrize("module", list(MODULES))
def test_conv_module_mistakes_raise_as_torch(module, case):
    cls, x, k = MODULES[module]
    kw = {**CONV_MISTAKES, **MODULE_ONLY}[case]

    def run(lib):
        args = dict(in_channels=4, out_channels=4, kernel_size=k)
        args.update(_dtype(lib, kw))
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # PyTorch warns when it initialises a zero-element weight
                return outcome(lambda: cls(lib)(**args)(lib.tensor(x)))

    compare(case, run, exact=(module, case) not in NOT_EXACT_FOR_MODULE)


@pytest.mark.parametrize("case", list(CONV_MISTAKES))
@pytest.mark.parametrize("module", list(FUNCTIONAL))
def test_conv_functional_mistakes_raise_as_torch(module, case):
    fn, x, w = FUNCTIONAL[module]
    kw = CONV_MISTAKES[case]

    def run(lib):
        return outcome(lambda: fn(lib)(lib.tensor(x), lib.tensor(w), **kw))

    compare(case, run)


@pytest.mark.parametrize("module", list(MODULES))
@pytest.mark.parametrize("case", [c for c in CONV_MISTAKES if c not in ("groups=3",)])
def test_module_and_functional_agree_where_torch_does(module, case):
    """The module defers every check PyTorch makes at forward time to the functional form: the same class and
    message from both, except for PyTorch's own constructor checks (padding strings, groups: ValueError)."""
    cls, x, k = MODULES[module]
    fn, _, w = FUNCTIONAL[module]
    kw = CONV_MISTAKES[case]
    t_mod = outcome(lambda: cls(torch)(4, 4, k, **kw)(torch.tensor(x)))
    t_fun = outcome(lambda: fn(torch)(torch.tensor(x), torch.tensor(w), **kw))
    m_mod = outcome(lambda: cls(miniconv)(4, 4, k, **kw)(miniconv.tensor(x)))
    m_fun = outcome(lambda: fn(miniconv)(miniconv.tensor(x), miniconv.tensor(w), **kw))
    # where PyTorch's module checks in its constructor (a ValueError) and its function at run time (a
    # RuntimeError), miniconv does the same: the pair of classes is PyTorch's pair
    assert (m_mod[0], m_fun[0]) == (t_mod[0], t_fun[0])
    if t_mod[1] == t_fun[1]:
        assert m_mod[1] == m_fun[1]


LAYER_CASES = {
    "Linear(dtype=int64)": lambda lib: lib.nn.Linear(2, 3, dtype=lib.int64),
    "Linear(-1, 3)": lambda lib: lib.nn.Linear(-1, 3),
    "Linear(2.0, 3)": lambda lib: lib.nn.Linear(2.0, 3),
    "BatchNorm2d(dtype=int64)": lambda lib: lib.nn.BatchNorm2d(3, dtype=lib.int64),
    "BatchNorm1d(dtype=int64)": lambda lib: lib.nn.BatchNorm1d(3, dtype=lib.int64),
    "BatchNorm2d(affine=False, dtype=float64)": lambda lib: lib.nn.BatchNorm2d(3, affine=False, dtype=lib.float64),
    "MaxPool2d(0)": lambda lib: lib.nn.MaxPool2d(0)(lib.tensor(X4)),
    "MaxPool2d(2, stride=0)": lambda lib: lib.nn.MaxPool2d(2, stride=0)(lib.tensor(X4)),
    "MaxPool2d(2, padding=2)": lambda lib: lib.nn.MaxPool2d(2, padding=2)(lib.tensor(X4)),
    "MaxPool2d(-1)": lambda lib: lib.nn.MaxPool2d(-1)(lib.tensor(X4)),
    "AvgPool2d(0)": lambda lib: lib.nn.AvgPool2d(0)(lib.tensor(X4)),
    "F.max_pool2d(k=0)": lambda lib: lib.nn.functional.max_pool2d(lib.tensor(X4), 0),
    "F.avg_pool2d(k=0)": lambda lib: lib.nn.functional.avg_pool2d(lib.tensor(X4), 0),
}
LAYER_EXACT = {"Linear(dtype=int64)", "BatchNorm2d(dtype=int64)", "BatchNorm1d(dtype=int64)", "MaxPool2d(0)",
               "MaxPool2d(2, stride=0)", "MaxPool2d(2, padding=2)", "AvgPool2d(0)", "F.max_pool2d(k=0)",
               "F.avg_pool2d(k=0)"}


@pytest.mark.parametrize("case", list(LAYER_CASES))
def test_layer_mistakes_raise_as_torch(case):
    ours = outcome(lambda: LAYER_CASES[case](miniconv))
    theirs = outcome(lambda: LAYER_CASES[case](torch))
    assert ours[0] == theirs[0], f"{case}: miniconv {ours}, PyTorch {theirs}"
    if case in LAYER_EXACT:
        assert ours[1] == theirs[1]
