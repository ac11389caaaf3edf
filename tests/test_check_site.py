"""``spinepair check-site``: a site's export profiled without the workflow, every failure kept."""

from __future__ import annotations

import json
import time

import pytest

from spinepair.cli import main
from spinepair.ingest.profile import profile_site
from spinepair.synth.render import render_site
from tests.helpers.strategies import small_truth
from tests.helpers.workflow import ROOT

SITES = ROOT / "config" / "sites"


def test_demo_site_profile_is_clean_and_fast():
    start = time.perf_counter()
    profile = profile_site(SITES / "B.yaml", ROOT / "data" / "demo" / "B", "B")
    assert time.perf_counter() - start < 5
    assert profile["status"] == "clean" and profile["failures"] == []
    sheets = {f["file"]: f for f in profile["files"]}
    pats = sheets["B_spine_registry.xlsx[Patients]"]
    assert "RT Courses" in pats["sheets_in_workbook"] and pats["header_row"] == 1
    assert pats["columns"]["MRN"] == "patients.patient_id"
    dose = next(c for c in profile["columns"] if c["column"] == "treatments.total_dose_gy")
    assert 10 <= dose["min"] <= dose["median"] <= dose["max"] <= 60  # Gy, after the cGy unit
    birth = next(c for c in profile["columns"] if c["column"] == "patients.birth_date")
    assert birth["date_formats"]["%d/%m/%Y"] == birth["mapped"] == birth["read"]


def test_damaged_export_lists_every_failure(tmp_path, capsys):
    raw = tmp_path / "C"
    render_site(small_truth("C"), "cp949_csv", raw)
    pain = raw / "C_pain.csv"
    header = pain.read_bytes().decode("cp949").split("\r\n")[0]
    rows = [f"C00000{p},2016.{m:02d}.01,x,9," for p in (17, 42) for m in range(1, 13)]
    pain.write_bytes("\r\n".join([header, *rows, ""]).encode("cp949"))
    out = tmp_path / "profile"
    code = main(
        [
            "check-site",
            "C",
            "--spec",
            str(SITES / "C.yaml"),
            "--raw",
            str(raw),
            "--out",
            str(out),
            "--show",
            "5",
        ]
    )
    assert code == 1
    profile = json.loads((out / "C.profile.json").read_text(encoding="utf-8"))
    vas = [f for f in profile["failures"] if f["cdm_column"] == "vas"]
    codes = [f for f in profile["failures"] if f["check"] == "vocabulary"]
    assert len(vas) == 24 and len(codes) == 24  # every failure, not the first 20
    assert sorted({f["row"] for f in vas}) == list(range(2, 26))
    column = next(c for c in profile["columns"] if c["column"] == "assessments.analgesic")
    assert column["unknown_codes"] == {"9": 24}
    assert "failures (first 5 of" in capsys.readouterr().out
    assert "<h2>Failures</h2>" in (out / "C.profile.html").read_text(encoding="utf-8")


def test_wrong_spec_exits_with_its_message(tmp_path, capsys):
    bad = tmp_path / "C.yaml"
    bad.write_text(
        (SITES / "C.yaml").read_text(encoding="utf-8").replace("arm: RT", "arm: XRT"),
        encoding="utf-8",
    )
    assert main(["check-site", "C", "--spec", str(bad), "--raw", str(tmp_path)]) == 2
    assert "at arm" in capsys.readouterr().err


@pytest.mark.parametrize("site", ["E", "F"])
def test_both_arm_styles_profile_clean(site, tmp_path):
    style = {"E": "department_xlsx", "F": "spss"}[site]
    render_site(small_truth("0"), style, tmp_path)
    spec = ROOT / "src" / "spinepair" / "synth" / "sites" / f"{site}.yaml"
    profile = profile_site(spec, tmp_path, site)
    assert profile["status"] == "clean", profile["failures"][:3]
    targets = {t for f in profile["files"] for t in f["columns"].values()}
    assert "unmapped" not in targets
