"""Precise reruns: after each kind of change, exactly the expected jobs are scheduled."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from spinepair.escape import markdown_unescape
from tests.helpers.workflow import copy_project, dry_run_jobs, job_env, snakemake

pytestmark = pytest.mark.workflow
SITES = ("A", "B", "C", "D")
POOLED = {"match": 1, "attrition": 1, "all": 1}


def pooled(extra=None):
    jobs = dict(POOLED)
    for rule, n in (extra or {}).items():
        jobs[rule] = jobs.get(rule, 0) + n
    return jobs


@pytest.fixture
def study(demo_run, tmp_path):
    """A private copy of the fully run demo (results and Snakemake metadata included)."""
    dest = tmp_path / "study"
    shutil.copytree(demo_run, dest, symlinks=True)
    return dest


def analysis_rules(workdir):
    """Pooled rules after match that a full run has (analyse/report once they exist)."""
    return {
        r: n
        for r, n in dry_run_jobs(workdir, "--forceall").items()
        if r not in ("ingest", "derive", "select", "match", "attrition", "all")
    }


def test_new_followup_rows_rerun_only_that_site(study):
    path = study / "data" / "demo" / "C" / "C_imaging.csv"
    df = pd.read_csv(path, encoding="cp949", dtype=str)
    pid = df.columns[0]
    two = df.groupby(pid).filter(lambda g: len(g) >= 2).groupby(pid).head(2)
    first, second = two.iloc[0], two.iloc[1]
    date_col = next(c for c in df.columns if "일" in c)
    new = first.copy()
    day = pd.to_datetime(second[date_col], format="%Y.%m.%d") - pd.Timedelta(days=1)
    new[date_col] = day.strftime("%Y.%m.%d")
    pd.concat([df, new.to_frame().T]).to_csv(path, index=False, encoding="cp949")
    expected = pooled({"ingest": 1, "derive": 1, "select": 1, **analysis_rules(study)})
    assert dry_run_jobs(study) == expected


def test_touched_export_without_change_reruns_nothing(study):
    for f in (study / "data" / "demo" / "A").iterdir():
        assert f.stat().st_size < 1_000_000  # Snakemake checksums inputs up to 1 MB
        os.utime(f)
    assert dry_run_jobs(study) == {}


def edit_config(study, change):
    path = study / "config" / "config.yaml"
    cfg = yaml.safe_load(path.read_text())
    change(cfg)
    path.write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True))


def test_caliper_change_reruns_match_and_downstream_only(study):
    def widen(cfg):
        cfg["matching"]["calipers"][0]["width"] = 12

    edit_config(study, widen)
    # The sensitivity job (every variant) reruns too: some variants follow the primary
    # calipers (a variant that replaces the calipers whole does not depend on them).
    variants = yaml.safe_load((study / "config" / "config.yaml").read_text())["sensitivity"]
    assert any(
        "calipers" not in v["overrides"].get("matching", {}) for v in variants["variants"].values()
    )
    assert dry_run_jobs(study) == pooled(analysis_rules(study))


def test_pain_definition_change_reruns_derive_not_ingest(study):
    def partial(cfg):
        cfg["endpoints"]["exactly_two"] = "partial"

    edit_config(study, partial)
    expected = pooled({"derive": 4, "select": 4, **analysis_rules(study)})
    assert dry_run_jobs(study) == expected


def test_library_edit_reruns_its_jobs_only(study):
    pain = study / "src" / "spinepair" / "endpoints" / "pain.py"
    pain.write_text(pain.read_text() + "\n# clarified wording\n")
    expected = pooled({"derive": 4, "select": 4, **analysis_rules(study)})
    assert dry_run_jobs(study) == expected


def test_fifth_site_runs_its_own_jobs_plus_pooled(study):
    spec = yaml.safe_load((study / "config" / "sites" / "A.yaml").read_text())
    spec["site"] = "E"
    (study / "config" / "sites" / "E.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
    shutil.copytree(study / "data" / "demo" / "A", study / "data" / "demo" / "E")

    def add(cfg):
        cfg["sites"].append("E")

    edit_config(study, add)
    expected = pooled({"ingest": 1, "derive": 1, "select": 1, **analysis_rules(study)})
    assert dry_run_jobs(study) == expected
    snakemake(study)
    assert dry_run_jobs(study) == {}


def test_killed_run_resumes_to_identical_tables(demo_run, tmp_path, monkeypatch):
    work = copy_project(tmp_path / "killed")
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2"]
    proc = subprocess.Popen(
        cmd,
        cwd=work,
        env=job_env(work),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while not list((work / "results" / "derived").glob("*.parquet")) and time.time() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (work / "results" / "matched" / "pairs.parquet").exists()
    locks = sorted((work / ".snakemake" / "locks").glob("*.lock"))
    assert locks, "the killed run left no lock"

    # By default the stale lock stops the run, and the message says what to do.
    monkeypatch.delenv("SPINEPAIR_CLEAR_STALE_LOCKS", raising=False)
    stopped = snakemake(work, check=False)
    assert stopped.returncode != 0
    assert "run `snakemake --unlock` once" in stopped.stdout + stopped.stderr
    assert sorted((work / ".snakemake" / "locks").glob("*.lock")) == locks

    # With the opt-in variable a dry run and --lint still leave it; a run clears it and resumes.
    monkeypatch.setenv("SPINEPAIR_CLEAR_STALE_LOCKS", "1")
    snakemake(work, "-n")
    snakemake(work, "--lint")
    assert sorted((work / ".snakemake" / "locks").glob("*.lock")) == locks
    snakemake(work)
    assert outputs(work) == outputs(demo_run)


def outputs(workdir):
    """Every result file (data, tables, figures, reports) by relative path -> bytes."""
    res = workdir / "results"
    return {
        p.relative_to(res).as_posix(): p.read_bytes()
        for p in sorted(res.rglob("*"))
        if p.is_file() and p.relative_to(res).parts[0] not in ("logs", "benchmarks")
    }


def test_masking_small_counts_reruns_the_renderers_of_counts_only(study):
    def mask(cfg):
        cfg["analysis"]["mask_below"] = 5

    edit_config(study, mask)
    # tables, survival table and findings print counts; their HTML pages, the report's landing
    # page (it shows the findings) and the coherence check of the printed numbers follow
    expected = {"tables": 1, "survival": 1, "findings": 1, "coherence": 1, "report_page": 3,
                "landing_page": 1, "all": 1}  # fmt: skip
    assert dry_run_jobs(study) == expected
    snakemake(study)
    table2 = (study / "results" / "tables" / "table2.md").read_text()
    assert "<5" in table2  # the cells, and the footnote as a reader sees it:
    assert "Counts below 5 are shown as <5." in markdown_unescape(table2)
    assert "| 3 (10.7%) |" not in table2


def test_figure_option_change_reruns_the_figure_job_and_its_check_only(study):
    def smaller(cfg):
        cfg["analysis"]["figures"]["dpi"] = 150

    edit_config(study, smaller)
    # one job draws every Kaplan-Meier and cumulative incidence figure; the coherence check
    # reads their annotations again (and its page follows)
    assert dry_run_jobs(study) == {"figures": 1, "coherence": 1, "report_page": 1, "all": 1}


def test_sensitivity_variant_change_reruns_the_variants_summary_and_reproduction_only(study):
    # All variants run in one job (a job's imports cost more than a variant's work), so
    # editing one variant reruns every variant, the summary with what follows it, and the
    # reproduction (it compares the paper's toxicity with the variant of its definition).
    def greedy(cfg):
        variants = cfg["sensitivity"]["variants"]
        name = next(n for n, v in variants.items() if "matching" in v["overrides"])
        variants[name]["overrides"]["matching"]["method"] = "greedy"

    downstream = dry_run_jobs(study, "--forcerun", "sensitivity_summary", "reproduce")
    assert downstream["sensitivity_summary"] == downstream["reproduce"] == 1
    edit_config(study, greedy)
    assert dry_run_jobs(study) == {"sensitivity": 1, **downstream}
