"""Every row of docs/errors.md is a test: its code must raise its exception with its message."""
import pathlib
import pickle

import numpy as np
import pytest

import miniconv as mc
import miniconv.nn as nn
import miniconv.nn.functional as F

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "errors.md"


def rows():
    out = []
    for line in DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[2].startswith("`"):
            continue
        area, condition, code, exc, message = cells
        out.append(pytest.param(code.strip("`"), exc.strip("`"), message.strip("`"), id=f"{area}: {condition}"))
    return out


ROWS = rows()


def test_the_table_is_not_empty():
    assert len(ROWS) >= 50


@pytest.mark.parametrize("code,exc,message", ROWS)
def test_error_row(code, exc, message, tmp_path, monkeypatch):
    monkeypatch.delenv("MINICONV_DATA", raising=False)
    pickle_file = tmp_path / "evil.pt"
    pickle_file.write_bytes(pickle.dumps({"weight": [1.0, 2.0]}))
    truncated = tmp_path / "cut.ckpt"
    mc.save({"w": mc.randn(100)}, truncated)
    truncated.write_bytes(truncated.read_bytes()[:200])
    ns = {"mc": mc, "np": np, "nn": nn, "F": F, "x": mc.randn(2, 3, 8, 8), "w": mc.randn(4, 3, 3, 3),
          "PICKLE_FILE": str(pickle_file), "TRUNCATED_FILE": str(truncated)}
    with pytest.raises(Exception) as info:
        exec(code, ns)
    assert type(info.value).__name__ == exc, f"{code!r} raised {type(info.value).__name__}: {info.value}"
    assert message in str(info.value), f"{code!r} said: {info.value}"
