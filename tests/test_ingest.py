"""Ingest engine: report, row accounting, quarantine, message format, no identifier leaks."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

from spinepair.contracts.cdm import IDENTIFIER_FIELDS, TABLE_NAMES
from spinepair.contracts.stages import cdm_schema
from spinepair.errors import IngestError
from spinepair.ingest.checks.date_order import DATE_ORDER
from spinepair.ingest.pipeline import ingest_site
from spinepair.synth.render import render_site
from tests.helpers.strategies import small_truth
from tests.helpers.workflow import ROOT

SITES = ROOT / "config" / "sites"


@pytest.fixture
def site_c(tmp_path):
    truth = small_truth("C")
    render_site(truth, "cp949_csv", tmp_path)
    return truth, tmp_path


def _edit(path, fn):
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("cp949"), newline="")))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(fn(rows))
    path.write_bytes(buf.getvalue().encode("cp949"))


def _identifiers(truth) -> list[str]:
    pats = truth["patients"]
    return [v for c in ("patient_id", *IDENTIFIER_FIELDS) for v in pats[c]]


def test_clean_site_report(site_c):
    truth, raw = site_c
    res = ingest_site(SITES / "C.yaml", raw, "C", b"k")
    for table in TABLE_NAMES:
        cdm_schema(table).validate(res.tables[table])
    rep = res.report
    assert rep["status"] == "ok" and rep["n_failures"] == 0 and rep["failures"] == []
    assert set(res.tables["patients"]["site"]) == {"C"}
    assert set(res.tables["patients"]["arm"]) == {"RT"}
    pain = rep["files"]["C_pain.csv"]
    assert {c["column"]: c["mapped"] for c in pain.pop("columns")} == {
        "등록번호": 6,
        "평가일": 6,
        "통증점수(VAS)": 6,
        "진통제": 6,
        "모르핀환산량(mg)": 6,
    }
    stamp = {k: pain.pop(k) for k in ("bytes", "sha256", "mtime")}  # what was read
    data = (Path(raw) / "C_pain.csv").read_bytes()
    assert stamp["bytes"] == len(data)
    assert stamp["sha256"] == hashlib.sha256(data).hexdigest()
    assert pain == {
        "format": "csv",
        "header_row": 1,
        "rows_filtered": 0,
        "tables": ["assessments"],
        "rows_read": 6,
        "rows_ingested": 6,
        "rows_rejected": 0,
    }
    names = {(c["name"], c["table"], c["column"]) for c in rep["checks"]}
    for rule in DATE_ORDER:
        assert (f"date_order:{rule[0]}", rule[1], rule[2]) in names
    assert ("range", "assessments", "vas") in names
    assert ("vocabulary", "patients", "sex") in names
    assert all(c["n_failed"] == 0 for c in rep["checks"])
    text = json.dumps(rep, ensure_ascii=False) + "".join(
        res.tables[t].to_csv() for t in TABLE_NAMES
    )
    for ident in _identifiers(truth):
        assert ident not in text
    assert not any(c in res.tables["patients"] for c in ("patient_id", *IDENTIFIER_FIELDS))


def test_report_counts_each_raw_columns_values(site_c):
    _, raw = site_c

    def damage(rows):
        rows[1][2], rows[2][4], rows[3][4] = "11", "", "x"  # VAS out of range, OME empty, text
        return [[*row, "메모" if i == 0 else "n"] for i, row in enumerate(rows)]

    _edit(raw / "C_pain.csv", damage)
    with pytest.raises(IngestError) as err:
        ingest_site(SITES / "C.yaml", raw, "C", b"k")
    counts = {c["column"]: c for c in err.value.report["files"]["C_pain.csv"]["columns"]}
    assert counts["통증점수(VAS)"] == {
        "column": "통증점수(VAS)",
        "target": "assessments.vas",
        "read": 6,
        "mapped": 5,
        "missing": 0,
        "rejected": 1,
    }
    ome = counts["모르핀환산량(mg)"]
    assert (ome["read"], ome["mapped"], ome["missing"], ome["rejected"]) == (6, 4, 1, 1)
    assert counts["메모"] == {"column": "메모", "target": "unmapped", "read": 6}
    assert counts["등록번호"]["mapped"] == 6


def test_many_failures_message_is_capped(site_c):
    truth, raw = site_c

    def bad_vas(rows):
        j = rows[0].index("통증점수(VAS)")
        return [rows[0]] + [[*r[:j], "12", *r[j + 1 :]] for r in rows[1:]] * 5

    _edit(raw / "C_pain.csv", bad_vas)
    with pytest.raises(IngestError) as info:
        ingest_site(SITES / "C.yaml", raw, "C", b"k")
    err = info.value
    lines = str(err).splitlines()
    n = len(err.failures)
    assert n > 20
    files = {f["file"] for f in err.failures}
    k = len(files)
    assert lines[0] == (
        f"ingest of site C failed: {n} problem{'s' * (n != 1)} in {k} file{'s' * (k != 1)}"
    )
    assert len(lines) == 23 and lines[-2] == f"  ... and {n - 20} more"
    assert lines[-1] == "  every failure is listed in the validation report"
    assert "C_pain.csv row 2, column '통증점수(VAS)' (assessments.vas): check range" in lines[1]
    assert err.report["status"] == "failed" and err.report["n_failures"] == n
    vas = next(
        c
        for c in err.report["checks"]
        if (c["name"], c["table"], c["column"]) == ("range", "assessments", "vas")
    )
    assert vas["n_failed"] == 30
    for ident in _identifiers(truth):
        assert ident not in str(err)


def test_quarantine_sets_aside_a_bad_patient_and_its_rows(site_c):
    _, raw = site_c

    def bad_ecog(rows):
        rows[2][rows[0].index("ECOG")] = "7"  # second patient, file row 3
        return rows

    _edit(raw / "C_patient.csv", bad_ecog)
    everything = {"max_quarantine_share": 1.0}  # 3 patients: one is a third
    res = ingest_site(SITES / "C.yaml", raw, "C", b"k", quarantine=True, settings=everything)
    assert len(res.tables["patients"]) == 2
    assert len(res.tables["treatments"]) == 2 and len(res.tables["assessments"]) == 4
    q = res.quarantine
    assert list(q.columns) == ["site", "file", "row", "table", "column", "check", "value"]
    own = q[q["check"] == "range"]
    assert own[["file", "row", "column", "value"]].values.tolist() == [
        ["C_patient.csv", 3, "ECOG", "7"]
    ]
    cascade = q[q["check"] == "parent_rejected"]
    assert sorted(cascade["file"]) == ["C_imaging.csv", "C_pain.csv", "C_pain.csv", "C_rt.csv"]
    rep = res.report
    assert rep["status"] == "ok" and rep["n_failures"] == 1 and rep["n_rejected_by_cascade"] == 4
    for f, acc in rep["files"].items():
        assert acc["rows_read"] == acc["rows_ingested"] + acc["rows_rejected"], f
    assert rep["files"]["C_pain.csv"]["rows_rejected"] == 2
    assert rep["tables"]["patients"] == {
        "records_read": 3,
        "records_ingested": 2,
        "records_rejected": 1,
    }


def test_quarantine_does_not_hide_file_level_problems(site_c):
    _, raw = site_c
    (raw / "C_rt.csv").unlink()
    with pytest.raises(IngestError, match="C_rt.csv row -: check file_present"):
        ingest_site(SITES / "C.yaml", raw, "C", b"k", quarantine=True)


def test_pseudonyms_depend_on_key_and_site(tmp_path):
    render_site(small_truth("A"), "wide_csv", tmp_path)
    k1 = ingest_site(SITES / "A.yaml", tmp_path, "A", b"k1").tables["patients"]["patient_key"]
    k2 = ingest_site(SITES / "A.yaml", tmp_path, "A", b"k2").tables["patients"]["patient_key"]
    k3 = ingest_site(SITES / "A.yaml", tmp_path, "A2", b"k1").tables["patients"]["patient_key"]
    assert k1.str.len().eq(20).all() and k1.is_unique
    assert not set(k1) & set(k2) and not set(k1) & set(k3)


def test_failed_ingest_names_where_every_failure_is(site_c):
    _, raw = site_c
    (raw / "C_rt.csv").unlink()
    with pytest.raises(IngestError) as info:
        ingest_site(SITES / "C.yaml", raw, "C", b"k", full_report="logs/ingest/C.validation.json")
    assert str(info.value).splitlines()[-1] == (
        "  every failure is listed in logs/ingest/C.validation.json"
    )
    assert info.value.report["failures"] == info.value.failures
