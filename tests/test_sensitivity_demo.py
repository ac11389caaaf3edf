"""Sensitivity analyses on the demo run: the in-process study equals the primary jobs, and the
pain-rule variant's category changes match the patients its rule moves."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from spinepair.analysis.sensitivity import StudySettings, derive_sites, run_study
from spinepair.contracts.cdm import TABLE_NAMES
from spinepair.escape import markdown_unescape

pytestmark = pytest.mark.workflow


def test_in_process_study_equals_the_primary_jobs(demo_run):
    cfg = yaml.safe_load((demo_run / "config" / "config.yaml").read_text())
    res = demo_run / "results"
    tables = {
        s: {t: pd.read_parquet(res / "ingested" / s / f"{t}.parquet") for t in TABLE_NAMES}
        for s in cfg["sites"]
    }
    sites = derive_sites(tables.values(), cfg["endpoints"])
    _, pairs, result = run_study(sites, StudySettings.of(cfg))
    pd.testing.assert_frame_equal(
        pairs.reset_index(drop=True), pd.read_parquet(res / "matched" / "pairs.parquet")
    )
    pd.testing.assert_frame_equal(result.ard, pd.read_parquet(res / "ard.parquet"))


def test_exactly_two_variant_moves_the_decreases_of_two(demo_run):
    res = demo_run / "results"
    cfg = yaml.safe_load((demo_run / "config" / "config.yaml").read_text())
    name = next(
        n
        for n, v in cfg["sensitivity"]["variants"].items()
        if v["overrides"] == {"endpoints": {"exactly_two": "partial"}}
    )
    ard = pd.read_parquet(res / "sensitivity" / name / "ard.parquet")
    pairs = pd.read_parquet(res / "sensitivity" / name / "pairs.parquet")
    primary = pd.concat(pd.read_parquet(p) for p in sorted((res / "derived").glob("*.parquet")))
    matched = primary[
        primary["patient_key"].isin(pd.concat([pairs.index_key, pairs.comparator_key]))
    ]
    # the primary rule calls a decrease of exactly 2 "stable": those are the patients it moves
    moved = matched[(matched["pain_response"] == "stable") & (matched["vas_change"] == 2)]
    changed = ard[(ard["table"] == "sensitivity") & (ard["statistic"] == "patients_changed")]
    got = changed.set_index("arm")["value"]
    assert got["all"] == len(moved) > 0
    for arm, group in moved.groupby("arm"):
        assert got[arm] == len(group)
    summary = markdown_unescape((res / "sensitivity" / "summary.md").read_text())
    assert f"pain_response changes for {len(moved)} of {2 * len(pairs)} matched patients" in summary
    assert (ard["variant"] == name).all()
