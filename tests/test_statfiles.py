"""Statistics-package files (.sav, .dta) read into exact text cells, value labels kept."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyreadstat
import pytest

from spinepair.ingest.readers import FileProblem
from spinepair.ingest.statfiles import apply_labels, cell_text, read_stat_file

FRAME = pd.DataFrame(
    {
        "ID": ["00420088", "00000017", "00000018"],
        "SEX": [1.0, 2.0, 1.0],
        "DX": [dt.date(2014, 3, 7), None, dt.date(1999, 12, 31)],
        "VOL": [12.5, None, 0.1 + 0.2],
        "FX": [3.0, 10.0, 1.0],
    }
)


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_values_are_read_one_exact_way(fmt, tmp_path):
    path = tmp_path / f"x.{fmt}"
    write = pyreadstat.write_sav if fmt == "sav" else pyreadstat.write_dta
    kwargs = {"variable_format": {"DX": "DATE11"}} if fmt == "sav" else {}
    write(FRAME, str(path), variable_value_labels={"SEX": {1: "남", 2: "여"}}, **kwargs)
    got = read_stat_file(path, fmt)
    assert got.header == ["ID", "SEX", "DX", "VOL", "FX"]
    assert list(got.grid.index) == [1, 2, 3]
    assert got.grid.values.tolist() == [
        ["00420088", "1", "2014-03-07", "12.5", "3"],
        ["00000017", "2", None, None, "10"],
        ["00000018", "1", "1999-12-31", repr(0.1 + 0.2), "1"],
    ]
    assert got.labels == {"SEX": {"1": "남", "2": "여"}}
    labelled = apply_labels(got.grid, got.header, got.labels)
    assert labelled[1].tolist() == ["남", "여", "남"]
    assert labelled[0].tolist() == got.grid[0].tolist()


def test_cell_text_forms():
    assert cell_text(3.0) == "3"
    assert cell_text(float("nan")) is None
    assert cell_text(pd.Timestamp("2014-03-07 10:30")) == "2014-03-07 10:30:00"
    assert cell_text(pd.Timestamp("2014-03-07")) == "2014-03-07"
    assert cell_text("  a ") == "a"
    assert cell_text("   ") is None


def test_unreadable_file_is_a_file_problem(tmp_path):
    path = tmp_path / "broken.sav"
    path.write_bytes(b"not an spss file")
    with pytest.raises(FileProblem, match="not a readable .sav file") as err:
        read_stat_file(path, "sav")
    assert err.value.check == "readable"
