"""A local one-node Slurm cluster for the `slurm` tests, and helpers to inspect its jobs.

`local_cluster()` runs only where allowed: under CI (``CI=true``, which .ci/run sets) or with
``SPINEPAIR_SLURM_TESTS=1``; elsewhere it skips, saying so, since it may install Slurm, start
daemons or submit jobs to whatever cluster answers. Allowed, it reuses a running cluster or
starts one with tests/cluster/slurm-up.sh (installing Slurm from Debian if needed) and stops it
afterwards with slurm-down.sh; it skips, saying why, when that is impossible.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "tests" / "cluster"
PROFILES = ROOT / "workflow" / "profiles"

# "Job 13 has been submitted with SLURM jobid 18 (log: /.../logs/slurm/rule_match/18.log)."
SUBMITTED = re.compile(r"submitted with SLURM jobid (\d+) \(log: (\S+?)\)")
ALLOW_VARIABLE = "SPINEPAIR_SLURM_TESTS"


def slurm_tests_allowed() -> bool:
    """Whether this run may install, start and use Slurm: under CI or when asked to."""
    return os.environ.get("CI") == "true" or os.environ.get(ALLOW_VARIABLE) == "1"


def venv_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) with this venv's bin first on PATH (jobs need it)."""
    env = dict(os.environ if env is None else env)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return env


def cluster_idle() -> bool:
    """True if `sinfo` answers and shows an idle node."""
    if shutil.which("sinfo") is None:
        return False
    res = subprocess.run(
        ["sinfo", "--noheader", "--Node", "--format=%T"],
        check=False,
        capture_output=True,
        text=True,
    )
    return res.returncode == 0 and "idle" in res.stdout.split()


def _script(name: str, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(CLUSTER / name)], check=False, capture_output=True, text=True, timeout=timeout
    )


def local_cluster() -> Iterator[None]:
    """Fixture body: a running local Slurm cluster; started (and stopped) here if none runs."""
    import snakemake_executor_plugin_slurm  # noqa: F401 (a pinned dependency: must import)

    if not slurm_tests_allowed():
        pytest.skip(
            f"Slurm tests install and start a local Slurm: set {ALLOW_VARIABLE}=1 to run them "
            "(CI=true, as in .ci/run, runs them too)"
        )
    if cluster_idle():
        yield
        return
    if os.geteuid() != 0:
        pytest.skip("no Slurm cluster is running and starting one needs root")
    if shutil.which("sbatch") is None and shutil.which("apt-get") is None:
        pytest.skip("Slurm is not installed and apt-get is not available to install it")
    up = _script("slurm-up.sh", timeout=600)
    if up.returncode != 0:  # root with apt: Slurm should start here, so this is a failure
        pytest.fail(f"could not start a local Slurm cluster: {up.stderr.strip()[-1000:]}")
    yield
    down = _script("slurm-down.sh", timeout=60)
    assert down.returncode == 0, down.stderr


def scontrol_job(job_id: str) -> dict[str, str]:
    """The Key=Value fields of `scontrol show job job_id`."""
    out = subprocess.run(
        ["scontrol", "show", "job", job_id], capture_output=True, text=True, check=True
    ).stdout
    return dict(re.findall(r"(\w+)=(\S*)", out))
