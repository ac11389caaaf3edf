"""Atomic writes and clean job errors (code fingerprints: test_fingerprint.py)."""

import logging
import socket
import subprocess
import sys

import pandas as pd
import pytest

from spinepair.jobs.jobio import atomic_path, temp_owner, write_parquet, write_parquet_parts


def test_atomic_path_leaves_nothing_when_the_writer_fails(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_parquet_bytes_are_stable(tmp_path):
    df = pd.DataFrame({"a": [1, 2], "b": pd.array(["x", None], dtype="string")})
    write_parquet(df, tmp_path / "1.parquet")
    write_parquet(df, tmp_path / "2.parquet")
    assert (tmp_path / "1.parquet").read_bytes() == (tmp_path / "2.parquet").read_bytes()


def test_data_error_exits_with_message_and_no_traceback(tmp_path):
    code = (
        "from spinepair.jobs.jobio import run\n"
        "from spinepair.errors import IngestError\n"
        "def work():\n"
        "    raise IngestError('site C: file x.csv row 3, column VAS: value 11 > 10')\n"
        f"run(work, {str(tmp_path / 'job.log')!r}, 'ingest of site C')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "ingest of site C stopped: site C: file x.csv row 3" in proc.stderr
    assert "row 3, column VAS" in (tmp_path / "job.log").read_text()
    logging.shutdown()


def test_stale_temporary_files_of_a_killed_write_are_removed(tmp_path):
    # Only this output's, made on this host by a pid that is gone (the live and other-host
    # cases: tests/security/test_runs.py); unmarked names of older versions are left alone.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host = socket.gethostname()
    target = tmp_path / "B.parquet"
    stale = tmp_path / f".B.{gone.pid}@{host}~abc123.tmp.parquet"
    stale.write_bytes(b"half-written")
    other = tmp_path / f".C.{gone.pid}@{host}~abc123.tmp.parquet"
    other.write_bytes(b"another output's")
    unmarked = tmp_path / ".B.abc123.tmp.parquet"
    unmarked.write_bytes(b"whose?")
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"complete")
    assert target.read_bytes() == b"complete"
    assert not stale.exists() and other.exists() and unmarked.exists()
    assert temp_owner(stale, target) == (gone.pid, host)
    assert temp_owner(other, target) is None and temp_owner(unmarked, target) is None
    # a dotted stem: A.parquet's clean-up never takes A.attrition.parquet's temp files
    assert temp_owner(f".A.attrition.{gone.pid}@{host}~x.tmp.parquet", "A.parquet") is None


def test_parquet_in_parts_reads_back_as_one_frame(tmp_path):
    parts = [
        pd.DataFrame({"k": pd.Series(keys, dtype="string"), "x": pd.Series(xs, dtype="Int64")})
        for keys, xs in ((["a", "b"], [1, None]), ([], []), (["c"], [3]))
    ]
    write_parquet_parts(iter(parts), tmp_path / "parts.parquet")
    back = pd.read_parquet(tmp_path / "parts.parquet")
    pd.testing.assert_frame_equal(back, pd.concat(parts, ignore_index=True))
    write_parquet_parts(iter(parts[:1]), tmp_path / "one.parquet")
    write_parquet(parts[0], tmp_path / "whole.parquet")
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()
