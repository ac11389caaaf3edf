"""Result files are readable by co-investigators: their mode follows the user's umask."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from spinepair.jobs.jobio import write_csv, write_json, write_parquet, write_text


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_atomic_writes_get_the_mode_of_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        write_text("x", tmp_path / "a.md")
        write_json({"a": 1}, tmp_path / "a.json")
        write_csv(pd.DataFrame({"a": [1]}), tmp_path / "a.csv")
        write_parquet(pd.DataFrame({"a": [1]}), tmp_path / "a.parquet")
    finally:
        os.umask(old)
    for f in tmp_path.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == mode, f.name


@pytest.mark.workflow
def test_every_result_file_of_a_run_follows_the_umask(demo_run):
    """The session's demo run: every result file has the umask's mode (0644 under 022)."""
    expected = 0o666 & ~_umask()
    wrong = {
        str(f.relative_to(demo_run)): oct(stat.S_IMODE(f.stat().st_mode))
        for f in (demo_run / "results").rglob("*")
        if f.is_file() and stat.S_IMODE(f.stat().st_mode) != expected
    }
    assert not wrong


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
