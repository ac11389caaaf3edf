"""Stale Snakemake locks: a hint by default, removal only with the opt-in variable."""

import subprocess
import sys
import time

import pytest

from spinepair.jobs import locks


@pytest.fixture
def workdir(tmp_path):
    """A working directory holding the lock a killed Snakemake left behind."""
    (tmp_path / ".snakemake" / "locks").mkdir(parents=True)
    (tmp_path / ".snakemake" / "locks" / "0.input.lock").write_text("data/demo/A/a.csv\n")
    return tmp_path


def lock_files(workdir):
    return sorted(p.name for p in (workdir / ".snakemake" / "locks").iterdir())


def test_stale_lock_is_kept_and_the_notice_says_to_unlock(workdir, monkeypatch, capsys):
    monkeypatch.delenv(locks.CLEAR_VARIABLE, raising=False)
    assert locks.stale_locks(workdir) == [workdir / ".snakemake" / "locks" / "0.input.lock"]
    assert locks.stale_lock_notice(workdir) == []
    assert lock_files(workdir) == ["0.input.lock"]
    out = capsys.readouterr().out
    assert "`snakemake --unlock`" in out and locks.CLEAR_VARIABLE in out


def test_opt_in_variable_removes_the_stale_lock(workdir, monkeypatch, capsys):
    monkeypatch.setenv(locks.CLEAR_VARIABLE, "1")
    removed = locks.stale_lock_notice(workdir)
    assert [p.name for p in removed] == ["0.input.lock"]
    assert lock_files(workdir) == []
    assert "removed the lock" in capsys.readouterr().out


def test_lock_of_a_live_snakemake_in_the_same_directory_is_not_stale(workdir, monkeypatch):
    monkeypatch.setenv(locks.CLEAR_VARIABLE, "1")
    # Any live process whose command line names snakemake and whose cwd is workdir.
    other = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", "snakemake"], cwd=workdir
    )
    try:
        deadline = time.time() + 10
        while not locks.other_snakemake_in(workdir) and time.time() < deadline:
            time.sleep(0.05)
        assert locks.stale_locks(workdir) == []
        assert locks.stale_lock_notice(workdir) == []
        assert lock_files(workdir) == ["0.input.lock"]
    finally:
        other.kill()
        other.wait()
    assert locks.stale_locks(workdir) != []


def test_no_process_scan_without_lock_files(tmp_path, monkeypatch):
    def fail(workdir):
        raise AssertionError("/proc scanned although there is no lock file")

    monkeypatch.setattr(locks, "other_snakemake_in", fail)
    monkeypatch.setenv(locks.CLEAR_VARIABLE, "1")
    assert locks.stale_locks(tmp_path) == []
    (tmp_path / ".snakemake" / "locks").mkdir(parents=True)
    assert locks.stale_lock_notice(tmp_path) == []


def test_under_the_run_lock_every_lock_file_is_stale_without_a_process_scan(
    workdir, monkeypatch, capsys
):
    def fail(workdir):
        raise AssertionError("/proc scanned although this run holds the run lock")

    monkeypatch.setattr(locks, "other_snakemake_in", fail)
    monkeypatch.delenv(locks.CLEAR_VARIABLE, raising=False)
    assert locks.stale_locks(workdir, run_lock_held=True) == [
        workdir / ".snakemake" / "locks" / "0.input.lock"
    ]
    assert locks.stale_lock_notice(workdir, run_lock_held=True) == []
    assert "`snakemake --unlock`" in capsys.readouterr().out
    monkeypatch.setenv(locks.CLEAR_VARIABLE, "1")
    assert len(locks.stale_lock_notice(workdir, run_lock_held=True)) == 1
    assert lock_files(workdir) == []
