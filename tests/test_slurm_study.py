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
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.helpers.slurm_cluster import SUBMITTED, local_cluster, scontrol_job, venv_env
from tests.helpers.workflow import copy_project, dry_run_jobs, job_env

GROUPING = ("--groups", "ingest=site", "derive=site", "select=site", "--group-components", "site=1")
PER_SITE = ("ingest", "derive", "select")
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


def _steps(slurm_log: Path) -> list[tuple[str, str | None]]:
    """(rule, site) of every job step run inside one Slurm job, from its log."""
    steps = []
    for rule, details in STEP.findall(slurm_log.read_text()):
        site = re.search(r"^    wildcards: site=(\w+)$", details, re.MULTILINE)
        steps.append((rule, site.group(1) if site else None))
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
    planned = dry_run_jobs(workdir)  # jobs per rule, as the local run plans them
    planned.pop("all")
    log = _run_on_slurm(workdir)
    assert "Falling back to 'sacct'" not in log

    # Nothing but the target rule `all` ran in the Snakemake process itself.
    assert re.findall(r"^localrule (\w+):", log, re.MULTILINE) == ["all"]

    # Every job went through sbatch: one group job per site, then the pooled rules, and the
    # job steps run inside those Slurm jobs are exactly the study's jobs.
    submitted = dict(SUBMITTED.findall(log))
    sites = yaml.safe_load((workdir / "config" / "config.yaml").read_text())["sites"]
    pooled = sum(n for rule, n in planned.items() if rule not in PER_SITE)
    assert all(planned[rule] == len(sites) for rule in PER_SITE), planned
    assert len(submitted) == len(sites) + pooled, log[-4000:]
    ran = {job_id: _steps(Path(path)) for job_id, path in submitted.items()}
    assert all(ran.values()), ran
    steps = [step for job in ran.values() for step in job]
    assert Counter(rule for rule, _ in steps) == Counter(planned)
    assert {(r, s) for r, s in steps if r in PER_SITE} == {(r, s) for r in PER_SITE for s in sites}
    grouped = [job for job in ran.values() if {rule for rule, _ in job} == set(PER_SITE)]
    assert sorted(len({site for _, site in job}) for job in grouped) == [1] * len(sites)

    # Slurm itself ran each of them to completion.
    states = {job_id: scontrol_job(job_id)["JobState"] for job_id in submitted}
    assert set(states.values()) == {"COMPLETED"}, states

    # Same bytes as the local run of the demo_run fixture.
    local = _compared_files(demo_run)
    on_slurm = _compared_files(workdir)
    # every table, survival, summary, pairs, attrition; derived and cohort per site
    assert {f"results/derived/{s}.parquet" for s in sites} <= set(local), sorted(local)
    assert "results/tables/table1.md" in local and "results/summary.md" in local
    assert sorted(on_slurm) == sorted(local)
    differing = [name for name in local if on_slurm[name] != local[name]]
    assert differing == []
