"""Runs that cannot collide: one run at a time, temp files only removed by their maker, and
damaged Parquet results named and rebuilt (security issue 20, probe 11)."""

import os
import socket
import subprocess
import sys
import time
from argparse import Namespace

import pandas as pd
import pytest

from spinepair.contracts.parquetfile import damage, read_parquet
from spinepair.errors import SpinepairError
from spinepair.jobs import intact, runlock
from spinepair.jobs.jobio import atomic_path, write_parquet
from tests.helpers.workflow import copy_project, job_env, snakemake

HOLD = (
    "import sys, time\n"
    "from spinepair.jobs.runlock import acquire\n"
    "acquire(sys.argv[1], shared=sys.argv[2] == 'shared')\n"
    "print('held', flush=True)\n"
    "time.sleep(120)\n"
)


def hold_lock(workdir, shared=False):
    """A process holding the run lock of workdir (started, and holding, on return)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(workdir), "shared" if shared else "run"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_run_is_refused_naming_the_holder_until_it_is_killed(tmp_path):
    holder = hold_lock(tmp_path)
    try:
        with pytest.raises(runlock.RunLocked, match=f"pid {holder.pid} on {socket.gethostname()}"):
            runlock.acquire(tmp_path)
        with pytest.raises(runlock.RunLocked, match="make the report when it has finished"):
            runlock.acquire(tmp_path, shared=True)  # no report during a run
        assert runlock.holder(tmp_path)["pid"] == str(holder.pid)  # what a dry run says
    finally:
        holder.kill()  # SIGKILL: no clean-up runs, the kernel drops the lock
        holder.wait()
    assert runlock.holder(tmp_path) is None
    held = runlock.acquire(tmp_path)
    try:
        assert runlock.acquire(tmp_path) is held  # a second parse in the same process
        assert (tmp_path / runlock.LOCK_NAME).read_text().startswith(f"pid={os.getpid()}\n")
    finally:
        runlock.release(tmp_path)


def test_reports_share_the_lock_and_keep_a_run_out(tmp_path):
    report = hold_lock(tmp_path, shared=True)
    try:
        runlock.acquire(tmp_path, shared=True)
        runlock.release(tmp_path)
        with pytest.raises(runlock.RunLocked, match="--report` is reading the results"):
            runlock.acquire(tmp_path)
    finally:
        report.kill()
        report.wait()


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({}, "run"),
        ({"touch": True}, "upkeep"),
        ({"unlock": True}, "upkeep"),
        ({"delete_all_output": True}, "upkeep"),
        ({"report": "r.html"}, "report"),
        ({"report": "r.html", "report_after_run": True}, "run"),
        ({"summary": True}, "none"),
        ({"dag": "dot"}, "none"),
        ({"list_rules": True}, "none"),
    ],
)
def test_what_takes_the_lock(flags, expected):
    args = Namespace(**flags)
    assert runlock.mode(main_process=True, lint=False, dryrun=False, args=args) == expected
    # a job's own Snakemake (Slurm: --mode remote), --lint and a dry run never lock
    assert runlock.mode(main_process=False, lint=False, dryrun=False, args=args) == "none"
    assert runlock.mode(main_process=True, lint=True, dryrun=False, args=args) == "none"
    assert runlock.mode(main_process=True, lint=False, dryrun=True, args=args) == "dryrun"


def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_atomic_path_removes_only_temp_files_of_dead_writers_on_this_host(tmp_path):
    host = socket.gethostname()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        names = {
            "live": f".A.{live.pid}@{host}~abc123.tmp.parquet",  # a concurrent writer's
            "dead": f".A.{dead_pid()}@{host}~def456.tmp.parquet",  # a killed writer's
            "remote": f".A.{dead_pid()}@other-node~ghi789.tmp.parquet",  # another host's
        }
        for name in names.values():
            (tmp_path / name).write_bytes(b"half")
        with atomic_path(tmp_path / "A.parquet") as tmp:
            assert tmp.name.startswith(f".A.{os.getpid()}@{host}~")
            assert tmp.name.endswith(".tmp.parquet")
            tmp.write_bytes(b"complete")
        assert (tmp_path / "A.parquet").read_bytes() == b"complete"
        assert not (tmp_path / names["dead"]).exists()
        assert (tmp_path / names["live"]).exists() and (tmp_path / names["remote"]).exists()
    finally:
        live.kill()
        live.wait()


def test_damaged_parquet_is_found_named_and_set_aside(tmp_path):
    good = tmp_path / "derived" / "A.parquet"
    write_parquet(pd.DataFrame({"patient_key": ["p1", "p2"], "x": [1.0, 2.0]}), good)
    data = good.read_bytes()
    cut = tmp_path / "derived" / "B.parquet"
    cut.write_bytes(data[: len(data) // 2])
    (tmp_path / "derived" / ".B.1@h~x.tmp.parquet").write_bytes(data[:10])  # a write under way

    assert damage(good) is None
    assert intact.damaged(tmp_path) == [(cut, "no Parquet footer (truncated?)")]
    with pytest.raises(SpinepairError, match=f"{cut} is not a readable Parquet file"):
        read_parquet(cut)
    with pytest.raises(SpinepairError, match="is missing"):
        read_parquet(tmp_path / "derived" / "C.parquet")
    with pytest.raises(Exception) as bug:  # a wrong column is a bug, not a damaged file
        read_parquet(good, columns=["no_such_column"])
    assert not isinstance(bug.value, SpinepairError)

    aside = intact.set_aside(cut)
    assert aside.name == "B.parquet.corrupt" and not cut.exists()
    assert intact.damaged(tmp_path) == []


SITES = ("A", "B")


def start(workdir, *args):
    """``snakemake --cores 1 ARGS`` in workdir in the background (output in one pipe)."""
    return subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", "1", *args],
        cwd=workdir,
        env=job_env(workdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.workflow
def test_concurrent_run_is_refused_and_a_damaged_result_is_rebuilt(tmp_path):
    work = copy_project(tmp_path / "work")
    targets = [f"results/derived/{site}.parquet" for site in SITES]
    first = start(work, *targets)
    try:
        lock = work / runlock.LOCK_NAME
        deadline = time.time() + 60
        while f"pid={first.pid}\n" not in (lock.read_text() if lock.exists() else ""):
            assert first.poll() is None and time.time() < deadline, "the run never took the lock"
            time.sleep(0.1)
        started = time.time()
        second, dry = (start(work, *args, *targets) for args in ((), ("-n",)))
        refused, _ = second.communicate(timeout=120)
        planned, _ = dry.communicate(timeout=120)
        assert first.poll() is None, "the first run ended before the check: make it longer"
        assert second.returncode != 0 and time.time() - started < 60
        assert f"another run is active in this directory (pid {first.pid} on " in refused
        assert "Building DAG" not in refused  # stopped before planning anything
        assert dry.returncode == 0, planned[-2000:]
        assert f"a run is active in this directory (pid {first.pid} on " in planned
    finally:
        output, _ = first.communicate(timeout=300)
    assert first.returncode == 0, output[-4000:]
    assert not list((work / ".snakemake" / "locks").glob("*.lock"))

    # A result cut short: a dry run names it, a plain rerun sets it aside and rebuilds it
    # (and only it: the other sites' results stay as they are).
    derived = {site: work / f"results/derived/{site}.parquet" for site in SITES}
    before = {site: path.stat().st_mtime_ns for site, path in derived.items()}
    data = derived["A"].read_bytes()
    derived["A"].write_bytes(data[: len(data) - 100])
    dry = snakemake(work, "-n", *targets)
    assert "results/derived/A.parquet is not a readable Parquet file" in dry.stdout
    assert "a run sets it aside and rebuilds it" in dry.stdout
    rerun = snakemake(work, *targets)
    assert "results/derived/A.parquet is not a readable Parquet file" in rerun.stdout
    assert damage(derived["A"]) is None
    assert len(read_parquet(derived["A"])) > 0
    assert (work / "results/derived/A.parquet.corrupt").exists()
    assert all(derived[s].stat().st_mtime_ns == before[s] for s in SITES if s != "A")
