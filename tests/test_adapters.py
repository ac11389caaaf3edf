"""Site adapter specs (JSON schema), the generic engine's reshapes and the pseudonym key."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
import yaml

from spinepair.errors import ConfigError, IngestError
from spinepair.ingest.pipeline import ingest_site
from spinepair.ingest.pseudonym import load_key, patient_key, pseudonymise
from spinepair.ingest.spec import load_site_spec, validate_site_spec
from spinepair.synth.render import render_site
from tests.helpers.strategies import small_truth
from tests.helpers.workflow import ROOT

SITES = ROOT / "config" / "sites"


def _spec(site: str) -> dict:
    return yaml.safe_load((SITES / f"{site}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("site", ["A", "B", "C", "D"])
def test_shipped_specs_are_valid(site):
    spec = load_site_spec(SITES / f"{site}.yaml")
    assert spec["site"] == site and spec["arm"] in ("SRS", "RT")


def test_typo_key_is_reported_with_its_path():
    spec = _spec("A")
    spec["sources"][1]["colums"] = spec["sources"][1].pop("columns")
    with pytest.raises(ConfigError) as info:
        validate_site_spec(spec)
    msg = str(info.value)
    assert "at sources/1: Additional properties are not allowed ('colums' was unexpected)" in msg


def test_wrong_type_is_reported_with_its_path():
    spec = _spec("C")
    spec["sources"][0]["delimiter"] = 3
    with pytest.raises(ConfigError, match="at sources/0/delimiter: 3 is not of type 'string'"):
        validate_site_spec(spec, arms=("SRS", "RT"))
    spec = _spec("C")
    spec["arm"] = "surgery"
    with pytest.raises(
        ConfigError, match=r"'surgery' is not an arm of the study \(its arms: SRS, RT\)"
    ):
        validate_site_spec(spec, arms=("SRS", "RT"))


def test_xlsx_source_needs_a_sheet_and_long_needs_entities():
    spec = _spec("B")
    del spec["sources"][2]["sheet"]
    spec_d = _spec("D")
    del spec_d["sources"][0]["entities"]
    with pytest.raises(ConfigError, match="at sources/2: 'sheet' is a required property"):
        validate_site_spec(spec)
    with pytest.raises(ConfigError, match="at sources/0: 'entities' is a required property"):
        validate_site_spec(spec_d)


def test_unreadable_spec_file(tmp_path):
    bad = tmp_path / "X.yaml"
    bad.write_text("site: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read site spec"):
        load_site_spec(bad)


def test_spec_mapping_onto_unknown_or_missing_cdm_columns(tmp_path):
    spec = _spec("A")
    spec["sources"][1]["columns"]["Fractions"] = "fraction_count"
    with pytest.raises(ConfigError, match=r"fraction_count"):
        ingest_site(spec, tmp_path, "A", b"k")
    spec = _spec("A")
    del spec["sources"][1]["columns"]["Fractions"]
    with pytest.raises(ConfigError, match=r"no raw column is mapped to treatments\.fractions"):
        ingest_site(spec, tmp_path, "A", b"k")


def test_xlsx_accepts_text_and_real_excel_dates_but_not_mixed(tmp_path):
    truth = small_truth("B")
    render_site(truth, "xlsx", tmp_path)
    book = openpyxl.load_workbook(tmp_path / "B_spine_registry.xlsx")
    sheet = book["Patients"]
    col = [c.value for c in sheet[1]].index("Birth Date") + 1
    assert sheet.cell(row=2, column=col).value == "04/03/1950"  # a text cell
    sheet.cell(row=2, column=col, value=dt.datetime(1950, 3, 4))  # now a real Excel date
    sheet.cell(row=2, column=col).number_format = "dd/mm/yyyy"
    book.save(tmp_path / "B_spine_registry.xlsx")
    with pytest.raises(IngestError) as info:  # one column read two ways
        ingest_site(SITES / "B.yaml", tmp_path, "B", b"k")
    hit = [f for f in info.value.failures if f["check"] == "date_cells"]
    assert [(f["file"], f["row"], f["column"]) for f in hit] == [
        ("B_spine_registry.xlsx[Patients]", 2, "Birth Date")
    ]
    for row in (3, 4):  # the whole column as real date cells: one reading again
        sheet.cell(row=row, column=col, value=dt.datetime(1950, 3, 4))
    book.save(tmp_path / "B_spine_registry.xlsx")
    res = ingest_site(SITES / "B.yaml", tmp_path, "B", b"k")
    assert (res.tables["patients"]["birth_date"] == pd.Timestamp("1950-03-04")).all()
    # cGy in the workbook, Gy in the CDM: 2400 cGy -> 24 Gy
    assert (res.tables["treatments"]["total_dose_gy"] == 24.0).all()


def test_wide_to_long_melts_visits_and_toxicity_types(tmp_path):
    truth = small_truth("A")
    render_site(truth, "wide_csv", tmp_path)
    header = (tmp_path / "A_pain_followup.csv").read_text().splitlines()[0]
    assert header.startswith("MRN,V1 Date,V1 VAS,V1 Analgesic,V1 OME (mg),V2 Date")
    res = ingest_site(SITES / "A.yaml", tmp_path, "A", b"k")
    pain = res.tables["assessments"]
    assert len(pain) == 6 and sorted(pain["vas"].tolist()) == [3, 3, 3, 7, 7, 7]
    assert res.report["files"]["A_pain_followup.csv"]["rows_read"] == 3


def test_row_numbers_count_quoted_line_breaks(tmp_path):
    render_site(small_truth("A"), "wide_csv", tmp_path)
    path = tmp_path / "A_rt_courses.csv"
    lines = path.read_bytes().decode().split("\r\n")
    lines[1] = lines[1].replace("TrueBeam", '"True\r\nBeam"')  # a value spanning 2 lines
    lines[3] = lines[3].replace(",3,", ",0,")  # third course: 0 fractions, on line 5
    path.write_bytes("\r\n".join(lines).encode())
    with pytest.raises(IngestError) as info:
        ingest_site(SITES / "A.yaml", tmp_path, "A", b"k")
    bad = [(f["row"], f["column"], f["check"]) for f in info.value.failures]
    assert bad == [(5, "Fractions", "range")]


def test_long_eav_unknown_entity_is_an_error_unless_ignored(tmp_path):
    render_site(small_truth("D"), "long_eav", tmp_path)
    path = tmp_path / "D_cdw_extract.csv"
    path.write_text(path.read_text() + "D0000017,LAB,1,AFP,1200\r\n")
    n_lines = len(path.read_text().splitlines())
    with pytest.raises(IngestError) as info:
        ingest_site(SITES / "D.yaml", tmp_path, "D", b"k")
    hit = [f for f in info.value.failures if f["check"] == "known_entity"]
    assert [(f["row"], f["column"], f["value"]) for f in hit] == [(n_lines, "ENTITY", "LAB")]
    spec = _spec("D")
    spec["sources"][0]["ignore_entities"] = ["LAB"]
    res = ingest_site(spec, tmp_path, "D", b"k")
    assert res.report["status"] == "ok"
    assert {w["check"] for w in res.report["warnings"]} == {"rows_present"}  # no toxicity etc.
    assert res.report["files"]["D_cdw_extract.csv"]["rows_read"] == n_lines - 1


def test_patient_key_matches_openssl():
    # printf 'A:A0001234' | openssl dgst -sha256 -hmac 'secret-study-key'
    #   -> d0e0e99cda1e65028c5b1d82ee2d0986144aa34357a55cbddd204228f6838607
    assert patient_key(b"secret-study-key", "A", "A0001234") == "d0e0e99cda1e65028c5b"
    # printf 'C:12345678' | openssl dgst -sha256 -hmac 'secret-study-key'
    #   -> 95d45a872b3940a88932dc0d1417c5f97f969a9c6959d736318f8f16e5518894
    ids = pd.Series(["12345678", None, "12345678"], dtype="string")
    keys = pseudonymise(b"secret-study-key", "C", ids)
    assert keys.iloc[0] == keys.iloc[2] == "95d45a872b3940a88932"
    assert pd.isna(keys.iloc[1])


def test_load_key(tmp_path, monkeypatch):
    key_file = tmp_path / "key"
    key_file.write_bytes(b"s3cret\n")
    assert load_key(key_file=key_file) == b"s3cret"
    monkeypatch.setenv("SPINEPAIR_KEY", "from-env")
    assert load_key(key_env="SPINEPAIR_KEY") == b"from-env"
    monkeypatch.delenv("SPINEPAIR_KEY")
    with pytest.raises(ConfigError, match="SPINEPAIR_KEY"):
        load_key(key_env="SPINEPAIR_KEY")
    with pytest.raises(ConfigError, match="key file not found"):
        load_key(key_file=tmp_path / "nope")
    (tmp_path / "empty").write_bytes(b"  \n")
    with pytest.raises(ConfigError, match="empty"):
        load_key(key_file=tmp_path / "empty")
    with pytest.raises(ConfigError, match="no pseudonymisation key"):
        load_key()
