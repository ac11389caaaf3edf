"""The Slurm and default profiles run the 3-job smoke workflow (tests/cluster/smoke).

The Slurm test runs under CI (CI=true) or with SPINEPAIR_SLURM_TESTS=1, and needs root and a
local one-node cluster: it reuses a running one or starts one with tests/cluster/slurm-up.sh
(installing Slurm from Debian if needed) and stops it afterwards with slurm-down.sh. It skips,
saying why, when that is impossible.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.slurm_cluster import (
    CLUSTER,
    PROFILES,
    SUBMITTED,
    local_cluster,
    scontrol_job,
    venv_env,
)

SMOKE = CLUSTER / "smoke" / "Snakefile"
SITES = ("A", "B")


def _run_smoke(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """Copy the smoke workflow to workdir and run Snakemake there with args."""
    shutil.copy(SMOKE, workdir / "Snakefile")
    cmd = [sys.executable, "-m", "snakemake", *args]
    return subprocess.run(
        cmd, cwd=workdir, env=venv_env(), check=False, capture_output=True, text=True, timeout=300
    )


def _read_outputs(workdir: Path) -> dict[str, str]:
    """Smoke outputs by name (A, B, pooled), as text."""
    return {p.stem: p.read_text() for p in sorted((workdir / "out").glob("*.txt"))}


@pytest.fixture(scope="module")
def slurm_cluster():
    """A running local Slurm cluster (see tests/helpers/slurm_cluster.py)."""
    yield from local_cluster()


@pytest.mark.slurm
def test_smoke_workflow_runs_every_job_through_sbatch(slurm_cluster, tmp_path):
    # The profile's 20 s first status check is lowered only to keep this test short.
    res = _run_smoke(
        tmp_path,
        "--profile",
        str(PROFILES / "slurm"),
        "--workflow-profile",
        "none",
        "--slurm-init-seconds-before-status-checks",
        "2",
    )
    assert res.returncode == 0, res.stderr[-3000:]
    log = res.stdout + res.stderr
    submitted = [job_id for job_id, _ in SUBMITTED.findall(log)]
    assert len(submitted) == 3, log[-3000:]
    assert "Falling back to 'sacct'" not in log

    # Each job ran inside the Slurm job Snakemake submitted for it.
    outputs = _read_outputs(tmp_path)
    assert sorted(outputs) == ["A", "B", "pooled"]
    ids = {site: outputs[site].split() for site in SITES}
    for site in SITES:
        assert ids[site][0] == site and len(ids[site]) == 2, outputs[site]
    pooled_lines = outputs["pooled"].splitlines()
    assert pooled_lines[:2] == [outputs[s].strip() for s in SITES]
    assert pooled_lines[2].split()[0] == "pooled"
    ran_in = {ids["A"][1], ids["B"][1], pooled_lines[2].split()[1]}
    assert ran_in == set(submitted)

    # Slurm itself saw them complete, one run name, with the profile's per-rule resources.
    jobs = {job_id: scontrol_job(job_id) for job_id in submitted}
    assert {j["JobState"] for j in jobs.values()} == {"COMPLETED"}
    assert len({j["JobName"] for j in jobs.values()}) == 1
    limits = {(j["TimeLimit"], j["MinMemoryNode"]) for j in jobs.values()}
    # ingest: runtime 20 min, mem_mb 4000; match: runtime 30 min, mem_mb 4000.
    assert limits == {("00:20:00", "4000M"), ("00:30:00", "4000M")}


def test_default_profile_runs_smoke_workflow_locally(tmp_path):
    res = _run_smoke(tmp_path, "--workflow-profile", str(PROFILES / "default"))
    assert res.returncode == 0, res.stderr[-3000:]
    assert "submitted with SLURM jobid" not in res.stdout + res.stderr
    outputs = _read_outputs(tmp_path)
    # No Slurm job id: every job ran in the local process pool.
    assert outputs == {"A": "A \n", "B": "B \n", "pooled": "A \nB \npooled \n"}
