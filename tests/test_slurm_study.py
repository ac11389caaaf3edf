"""The demo study runs through the Slurm profile and gives the local run's results, byte for byte.

Runs under CI (CI=true) or with SPINEPAIR_SLURM_TESTS=1, and needs root and a local one-node
Slurm (tests/helpers/slurm_cluster.py starts one, or skips saying why).
Each site's chain ingest -> derive -> select is grouped into one Slurm job (one job per site:
the fastest layout measured here, and the smallest resource request); the first status check
comes after 2 s instead of the profile's 20 s, only to keep the test short (about 2 minutes).
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers.slurm_cluster import SUBMITTED, local_cluster, scontrol_job, venv_env
from tests.helpers.workflow import copy_project, job_env

GROUPING = ("--groups", "ingest=site", "derive=site", "select=site", "--group-components", "site=1")
PER_SITE = ("ingest", "derive", "select")
POOLED = ("match", "attrition", "analyse")
COMPARED = (
    "results/tables/*.csv",
    "results/tables/*.md",
    "results/tables/*.tex",
    "results/tables/*.html",
    "results/survival.csv",
    "results/summary.md",
    "results/matched/pairs.parquet",
    "results/attrition/attrition.csv",
    "results/derived/*.parquet",
    "results/cohort/*.parquet",
)
# A job step's own Snakemake announces the rule it runs as "localrule <rule>:" and then
# indented details, among them the wildcards.
STEP = re.compile(r"^localrule (\w+):\n((?:    .*\n)*)", re.MULTILINE)


@pytest.fixture(scope="session")
def slurm_cluster():
    """A running local Slurm cluster (see tests/helpers/slurm_cluster.py); session-scoped so that a
    skip comes before the session-scoped `demo_run` spends half a minute on the local run."""
    yield from local_cluster()


def _run_on_slurm(workdir: Path) -> str:
    """Run the study in workdir through the Slurm profile; return Snakemake's output."""
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--profile",
        str(workdir / "workflow" / "profiles" / "slurm"),
        "--workflow-profile",
        "none",
        *GROUPING,
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--slurm-keep-successful-logs",
    ]
    env = venv_env(job_env(workdir))
    try:
        res = subprocess.run(
            cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=900, check=False
        )
    except subprocess.TimeoutExpired as exc:
        # On POSIX the partial output comes as bytes even with text=True.
        partial = b"".join(x or b"" for x in (exc.stdout, exc.stderr)).decode(errors="replace")
        ids = [job_id for job_id, _ in SUBMITTED.findall(partial)]
        if ids:
            subprocess.run(["scancel", *ids], check=False)
        queue = subprocess.run(["squeue"], capture_output=True, text=True, check=False).stdout
        pytest.fail(f"Slurm study did not finish in 900 s; squeue:\n{queue}\n{partial[-3000:]}")
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-6000:]
    return log


def _steps(slurm_log: Path) -> set[tuple[str, str | None]]:
    """(rule, site) of every job step run inside one Slurm job, from its log."""
    steps = set()
    for rule, details in STEP.findall(slurm_log.read_text()):
        site = re.search(r"^    wildcards: site=(\w+)$", details, re.MULTILINE)
        steps.add((rule, site.group(1) if site else None))
    return steps


def _compared_files(workdir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(workdir)): p.read_bytes()
        for pattern in COMPARED
        for p in sorted(workdir.glob(pattern))
    }


@pytest.mark.slurm
@pytest.mark.workflow
def test_demo_study_on_slurm_matches_local_run(slurm_cluster, demo_run, tmp_path):
    workdir = copy_project(tmp_path / "study")
    log = _run_on_slurm(workdir)
    assert "Falling back to 'sacct'" not in log

    # Nothing but the target rule `all` ran in the Snakemake process itself.
    assert re.findall(r"^localrule (\w+):", log, re.MULTILINE) == ["all"]

    # Every job went through sbatch: one group job per site, then the pooled rules, and the
    # job steps run inside those Slurm jobs are exactly the study's jobs.
    submitted = dict(SUBMITTED.findall(log))
    sites = yaml.safe_load((workdir / "config" / "config.yaml").read_text())["sites"]
    expected = {(rule, site) for rule in PER_SITE for site in sites}
    expected |= {(rule, None) for rule in POOLED}
    assert len(submitted) == len(sites) + len(POOLED), log[-4000:]
    ran = {job_id: _steps(Path(path)) for job_id, path in submitted.items()}
    assert all(ran.values()), ran
    assert set().union(*ran.values()) == expected
    assert sum(len(steps) for steps in ran.values()) == len(expected)
    grouped = [steps for steps in ran.values() if {rule for rule, _ in steps} == set(PER_SITE)]
    assert sorted(len({site for _, site in steps}) for steps in grouped) == [1] * len(sites)

    # Slurm itself ran each of them to completion.
    states = {job_id: scontrol_job(job_id)["JobState"] for job_id in submitted}
    assert set(states.values()) == {"COMPLETED"}, states

    # Same bytes as the local run of the demo_run fixture.
    local = _compared_files(demo_run)
    on_slurm = _compared_files(workdir)
    # 12 tables, survival, summary, pairs, attrition; derived and cohort per site.
    assert len(local) == 16 + 2 * len(sites), sorted(local)
    assert sorted(on_slurm) == sorted(local)
    differing = [name for name in local if on_slurm[name] != local[name]]
    assert differing == []
