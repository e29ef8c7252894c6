"""The code in README.md, docs/index.md and docs/architecture.md runs as written; the architecture page's
how-to-add-an-op example is a real op: it returns a Tensor, gradcheck passes, and gradcheck fails on the same
op with a wrong backward."""
import pathlib
import re
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("doc", ["README.md", "docs/index.md", "docs/architecture.md"])
def test_python_blocks_run(doc, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the quick start saves a checkpoint in the working directory
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / doc).read_text(), re.S)
    assert blocks, f"no python code block in {doc}"
    for code in blocks:
        if "optimizer.step()" in code and "loss_fn(" in code and "model(x)" in code and "def " not in code:
            continue  # architecture.md's step outline uses names defined elsewhere
        import miniconv

        ns = {"np": __import__("numpy"), "Function": miniconv.autograd.Function}
        exec(compile(textwrap.dedent(code), doc, "exec"), ns)
        if "Softplus" in ns:  # the how-to-add-an-op example must be a correct op, checked by a check that can fail
            check_softplus_example(ns["Softplus"])
    capsys.readouterr()


def check_softplus_example(softplus):
    import numpy as np

    import miniconv
    from miniconv.autograd import GradcheckError, gradcheck

    x = miniconv.tensor(np.linspace(-3, 3, 7), requires_grad=True)
    y = softplus.apply(x)
    assert isinstance(y, miniconv.Tensor) and y.grad_fn is not None
    np.testing.assert_allclose(y.detach().numpy(), np.log1p(np.exp(np.linspace(-3, 3, 7))), rtol=1e-12)
    assert gradcheck(softplus.apply, (x,))

    class WrongBackward(softplus):  # sigmoid(-x) instead of sigmoid(x)
        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return grad / (1 + np.exp(a))

    with pytest.raises(GradcheckError):
        gradcheck(WrongBackward.apply, (x,))
    with pytest.raises(TypeError, match="not a Tensor"):  # an example returning arrays would not pass either
        gradcheck(lambda t: softplus.apply(t).detach().numpy(), (x,))


def test_architecture_names_only_files_and_names_that_exist():
    """Every file docs/architecture.md names exists (relative to the repository, miniconv/ or a folder named
    just before it), and so does every ``Class.method`` of the Tensor and ops it names."""
    import miniconv
    from miniconv import ops

    text = (ROOT / "docs" / "architecture.md").read_text()
    names = set(re.findall(r"[\w/]*\w+\.(?:py|pyx|pxi|h)\b", text))
    roots = [ROOT, ROOT / "miniconv", ROOT / "miniconv" / "tensor", ROOT / "miniconv" / "ops",
             ROOT / "miniconv" / "autograd", ROOT / "miniconv" / "nn" / "functional"]
    missing = [n for n in names if not any((r / n).exists() for r in roots)]
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"
    for cls, meth in re.findall(r"`(?:miniconv\.)?(Tensor|ReduceMixin)\.(\w+)", text):
        assert hasattr(miniconv.Tensor, meth), f"Tensor.{meth}"
    for name in re.findall(r"`ops\.(\w+)", text):
        assert hasattr(ops, name), f"ops.{name}"
