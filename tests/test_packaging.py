"""The installed package, not the checkout, runs the study: schemas ship as package data.

A wheel built from the sources is installed non-editable into a fresh venv and the demo study
runs from a copy of the workflow that has neither ``src/`` nor ``schemas/``.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.helpers.workflow import ROOT

WORKFLOW = ("Snakefile", "workflow", "profiles", "config", "data/demo")
NOT_SOURCES = shutil.ignore_patterns("__pycache__", "*.egg-info")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the sources (building in the checkout would leave build/)."""
    tmp = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT / "src", tmp / "source" / "src", ignore=NOT_SOURCES)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tmp / "source" / name)
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist")]
    subprocess.run([*cmd, str(tmp / "source")], check=True, capture_output=True)
    (built,) = (tmp / "dist").glob("spinepair-*.whl")
    return built


def fresh_venv(path: Path, wheel: Path) -> Path:
    """A new venv with the wheel installed (not editable); returns its python.

    Its dependencies are the project venv's, at the same pinned versions, reached through a
    plain path entry: the .pth files there (the editable link to ``src/`` among them) are not
    read. A full ``pip install`` of the wheel works too but takes about 45 s and 770 MB.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True)
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_wheel_ships_every_schema(wheel):
    schemas = {
        f"spinepair/schemas/{p.name}"
        for p in (ROOT / "src" / "spinepair" / "schemas").glob("*.yaml")
    }
    assert "spinepair/schemas/cdm.yaml" in schemas
    assert schemas <= set(zipfile.ZipFile(wheel).namelist())


@pytest.mark.workflow
def test_installed_package_runs_the_demo_from_a_workflow_copy(wheel, tmp_path):
    python = fresh_venv(tmp_path / "venv", wheel)
    study = tmp_path / "study"
    study.mkdir()
    for name in WORKFLOW:  # symbolic links are copied as the files they point to
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, study / name, ignore=NOT_SOURCES)
        else:
            shutil.copy2(ROOT / name, study / name)
    assert not (study / "src").exists() and not (study / "schemas").exists()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{python.parent}{os.pathsep}{env['PATH']}"

    where = subprocess.run(
        [python, "-c", "import sys, spinepair; print(spinepair.__file__); print(*sys.path)"],
        cwd=study,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    assert Path(where[0]).is_relative_to(tmp_path / "venv"), where[0]
    assert str(ROOT / "src") not in where[1].split(), where[1]

    run = subprocess.run(
        [python, "-m", "snakemake", "--cores", "2"],
        cwd=study,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-6000:]
    assert "steps (100%) done" in log
    assert (study / "results" / "matched" / "pairs.parquet").is_file()
