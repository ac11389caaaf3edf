"""Quarantine mode (config ingest.quarantine): invalid rows set aside with reasons, counted.

Library: the attrition table gains a "quarantined at ingest" step per site and arm, the
flow diagram draws it. Workflow: a site with invalid rows completes, its quarantine.parquet
lists them, and the pooled attrition table counts them.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from spinepair.cohort.attrition import (
    QUARANTINE_STEP,
    arm_flow,
    pooled_attrition,
    quarantined_records,
)
from spinepair.cohort.flow import study_flow
from tests.helpers.broken_corpus import Raw
from tests.helpers.workflow import copy_project, snakemake


def _site_table(site: str, arm: str, screened: int, excluded: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site": site,
            "arm": arm,
            "step_no": [0, 1],
            "step": ["screened", "primary tumour"],
            "rule": ["all patients in the export", "primary_tumor in ['HCC']"],
            "n_before": [screened, screened],
            "n_excluded": [0, excluded],
            "n_after": [screened, screened - excluded],
        }
    )


def _report(site: str, arm: str, read: int, rejected: int, mode: str = "quarantine") -> dict:
    patients = {
        "records_read": read,
        "records_ingested": read - rejected,
        "records_rejected": rejected,
    }
    return {"site": site, "arm": arm, "mode": mode, "tables": {"patients": patients}}


@pytest.fixture
def small_study():
    """Sites X (SRS: 5 read, 1 quarantined) and Y (RT: 7 read, 2 quarantined)."""
    tables = [_site_table("X", "SRS", 4, 1), _site_table("Y", "RT", 5, 2)]
    cohort = pd.DataFrame(
        {
            "patient_key": [f"x{i}" for i in range(4)] + [f"y{i}" for i in range(5)],
            "site": ["X"] * 4 + ["Y"] * 5,
            "arm": ["SRS"] * 4 + ["RT"] * 5,
            "eligible": [True, True, True, False, True, True, True, False, False],
        }
    )
    pairs = pd.DataFrame({"index_key": ["x0", "x1"], "comparator_key": ["y0", "y2"]})
    reports = [_report("X", "SRS", 5, 1), _report("Y", "RT", 7, 2)]
    return tables, cohort, pairs, reports


def test_quarantine_step_counts_per_site_and_arm(small_study):
    tables, cohort, pairs, reports = small_study
    table = pooled_attrition(tables, cohort, pairs, reports)
    q = table[table["step"] == QUARANTINE_STEP].set_index(["arm", "site"])
    # counts are the reports' patients records: read, rejected, ingested (hand-computed)
    assert q.loc[("SRS", "X"), ["n_before", "n_excluded", "n_after"]].tolist() == [5, 1, 4]
    assert q.loc[("RT", "Y"), ["n_before", "n_excluded", "n_after"]].tolist() == [7, 2, 5]
    assert q.loc[("SRS", "all"), ["n_before", "n_excluded", "n_after"]].tolist() == [5, 1, 4]
    assert set(q["step_no"]) == {-1}
    # the quarantine step comes first, and its n_after is the screened count
    for arm in ("SRS", "RT"):
        steps = table[(table["arm"] == arm) & (table["site"] == "all")]
        assert steps["step"].iloc[0] == QUARANTINE_STEP
        assert steps["n_after"].iloc[0] == steps.loc[steps["step_no"] == 0, "n_before"].item()


def test_strict_reports_add_no_step(small_study):
    tables, cohort, pairs, reports = small_study
    strict = [{**r, "mode": "strict"} for r in reports]
    with_strict = pooled_attrition(tables, cohort, pairs, strict)
    pd.testing.assert_frame_equal(with_strict, pooled_attrition(tables, cohort, pairs))
    assert QUARANTINE_STEP not in set(with_strict["step"])


def test_flow_starts_with_the_exports_and_shows_the_quarantined(small_study):
    tables, cohort, pairs, reports = small_study
    table = pooled_attrition(tables, cohort, pairs, reports, index_arm="SRS")
    flow = arm_flow(table, "RT")
    assert [s["step"] for s in flow] == [QUARANTINE_STEP, "primary tumour", "matched 1:1"]
    assert flow[0]["by_site"] == {"Y": 7}
    rt = study_flow(table, ["SRS", "RT"], []).arms[1]
    assert (rt.top_label, rt.screened, rt.screened_by_site) == (
        "records in the exports",
        7,
        {"Y": 7},
    )
    assert (rt.quarantined.n, rt.quarantined.by_site) == (2, {"Y": 2})
    assert rt.quarantined.wording.startswith("invalid record at ingest")


@pytest.mark.workflow
def test_quarantine_run_completes_and_counts_the_invalid_rows(tmp_path):
    workdir = copy_project(tmp_path / "project")
    config = workdir / "config" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    assert "  quarantine: false" in text
    config.write_text(text.replace("  quarantine: false", "  quarantine: true"), encoding="utf-8")
    demo = workdir / "data" / "demo" / "C"
    raw = Raw(demo, tmp_path / "damaged", "cp949_csv")
    ecog_row, _ = raw.set_value("patients", "ecog", 5, 7)
    vas_row, _ = raw.set_value("assessments", "vas", 10, 11)
    n_patients = len(raw.rows("C_patient.csv")) - 1
    shutil.rmtree(demo)
    shutil.copytree(raw.dir, demo)

    snakemake(workdir)

    res = workdir / "results"
    q = pd.read_parquet(res / "ingested" / "C" / "quarantine.parquet")
    own = q[q["check"] != "parent_rejected"]
    assert sorted(own[["file", "row", "check"]].itertuples(index=False, name=None)) == [
        ("C_pain.csv", vas_row, "range"),
        ("C_patient.csv", ecog_row, "range"),
    ]
    assert set(own["value"]) == {"7", "11"}
    report = json.loads((res / "ingested" / "C" / "validation.json").read_text())
    assert report["mode"] == "quarantine" and report["status"] == "ok"
    assert report["tables"]["patients"]["records_rejected"] == 1
    for other in "ABD":
        assert pd.read_parquet(res / "ingested" / other / "quarantine.parquet").empty

    table = pd.read_csv(res / "attrition" / "attrition.csv")
    step = table[table["step"] == QUARANTINE_STEP].set_index(["arm", "site"])
    assert step.loc[("RT", "C"), ["n_before", "n_excluded", "n_after"]].tolist() == [
        n_patients,
        1,
        n_patients - 1,
    ]
    assert step.loc[("RT", "D"), "n_excluded"] == 0
    assert step.loc[("SRS", "all"), "n_excluded"] == 0
    rt_all = table[(table["arm"] == "RT") & (table["site"] == "all")].sort_values("step_no")
    assert rt_all["n_excluded"].iloc[0] == 1
    assert rt_all["n_after"].iloc[0] == rt_all["n_before"].iloc[1]  # quarantine -> screened
    assert QUARANTINE_STEP in (res / "attrition" / "attrition.md").read_text()
    assert (res / "attrition" / "flow.svg").stat().st_size > 0


def test_child_records_set_aside_are_counted_per_table_and_site(small_study):
    tables, cohort, pairs, reports = small_study
    reports = [
        {**reports[0], "tables": {**reports[0]["tables"],
                                  "imaging": {"records_read": 9, "records_rejected": 2,
                                              "records_ingested": 7}}},
        reports[1],
        {"site": "Z", "arm": "RT", "mode": "strict", "tables": reports[1]["tables"]},
    ]  # fmt: skip
    records = quarantined_records(reports)
    assert records[["site", "table", "records_rejected"]].values.tolist() == [
        ["X", "imaging", 2],
        ["X", "patients", 1],
        ["Y", "patients", 2],
    ]  # the strict site Z sets nothing aside
    table = pooled_attrition(tables, cohort, pairs, reports, index_arm="SRS")
    srs, rt = study_flow(table, ["SRS", "RT"], [], records).arms
    assert [(r.wording, r.n, r.by_site) for r in srs.quarantined_records] == [
        ("imaging records", 2, {"X": 2})
    ]
    assert rt.quarantined_records == []
