"""docs/api.md's list of PyTorch names miniconv lacks is the measured one (tests/api_coverage.py)."""
from pathlib import Path

import pytest

pytest.importorskip("torch")

import api_coverage  # noqa: E402


def test_the_list_of_missing_names_in_docs_is_current():
    text = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text()
    section = api_coverage.docs_section(text)
    assert section is not None, "docs/api.md has no api-coverage section: run python tests/api_coverage.py --write"
    assert section == api_coverage.render(api_coverage.missing()), \
        "docs/api.md's missing-names list is stale: run python tests/api_coverage.py --write"


def test_the_names_a_script_meets_first_are_there():
    """Spot check of the measurement itself: names that exist are not listed, and a name that does not
    exist would be."""
    rows = set(api_coverage.missing())
    for have in [("torch", "tensor"), ("torch.nn", "Conv2d"), ("torch.Tensor", "backward"), ("torch", "FloatTensor")]:
        assert have not in rows
    assert ("torch.nn", "Transformer") in rows or hasattr(__import__("miniconv").nn, "Transformer")
