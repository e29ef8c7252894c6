"""The code in README.md and docs/index.md runs as written."""
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
        if "Softplus" in ns:  # the how-to-add-an-op example must be a correct op
            x = miniconv.randn(5, dtype=miniconv.float64, requires_grad=True)
            assert miniconv.autograd.gradcheck(lambda t: ns["Softplus"].apply(t), (x,))
    capsys.readouterr()
