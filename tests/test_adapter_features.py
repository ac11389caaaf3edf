"""Adapter features a real department export needs, each declared in the site spec alone:
layout (title rows, two-row merged headers, footers), row filters, missing-value markers,
extraction, codes on any column, id normalisation, dates, units, joins, per-patient arms;
and the spec checks that name file, line and key."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from spinepair.errors import ConfigError, IngestError
from spinepair.ingest.checks.values import code_lookup
from spinepair.ingest.dates import format_problem, parse_dates
from spinepair.ingest.layout import locate
from spinepair.ingest.pipeline import ingest_site
from spinepair.ingest.readers import FileProblem
from spinepair.ingest.spec import load_site_spec, validate_site_spec
from spinepair.synth.render import render_site
from tests.helpers.strategies import small_truth
from tests.helpers.workflow import ROOT

E_SPEC = ROOT / "src" / "spinepair" / "synth" / "sites" / "E.yaml"
KEY = b"k"


@pytest.fixture
def site_e(tmp_path):
    raw = tmp_path / "E"
    render_site(small_truth("0"), "department_xlsx", raw)
    return yaml.safe_load(E_SPEC.read_text(encoding="utf-8")), raw


def test_two_row_header_with_merged_cells_and_footer():
    header = ["Title", None, None, None]
    grid = pd.DataFrame(
        [
            ["exported 2024", None, None, None],
            ["ID", "Period", None, "Dose"],
            [None, "start", "end", None],
            ["1", "a", "b", "c"],
            ["Total", "1", None, None],
        ],
        index=range(2, 7),
        dtype=object,
    )
    merges = [((2, 0), (3, 0)), ((2, 1), (2, 2)), ((2, 3), (3, 3))]
    source = {"header_row": 4, "header_rows": 2, "footer": {"rows": 1, "first_cell": "Total"}}
    names, data, _ = locate(header, grid, pd.Series(4, index=grid.index), source, merges)
    assert names == ["ID", "Period start", "Period end", "Dose"]
    assert list(data.index) == [5]
    with pytest.raises(FileProblem, match="does not match 'Sum'") as err:
        locate(
            header,
            grid,
            pd.Series(4, index=grid.index),
            source | {"footer": {"rows": 1, "first_cell": "Sum"}},
            merges,
        )
    assert err.value.check == "footer" and err.value.row == 6


def test_dates_with_unpadded_parts_and_one_reading():
    formats = ["%Y.%m.%d", "%Y-%-m-%-d", "%Y년 %-m월 %-d일"]
    assert format_problem(formats) is None
    got = parse_dates(
        pd.Series(["2014.03.07", "2014-3-7", "2014년 3월 17일", "2014-3-7x"], dtype="string"),
        formats,
    )
    assert got.tolist()[:3] == [pd.Timestamp("2014-03-07")] * 2 + [pd.Timestamp("2014-03-17")]
    assert pd.isna(got.iloc[3])
    assert "each differently" in format_problem(["%-d/%-m/%Y", "%m/%d/%Y"])
    assert "no single reading" in format_problem(["%Y%-m%d"])


def test_numeric_code_cells_match_their_codes():
    s = pd.Series(["1.0", "1", "01", "2.5", None, "G2"], dtype="string")
    got = code_lookup(s, {"1": "A", "01": "X", "G2": 2})
    assert got.tolist() == ["A", "A", "X", pd.NA, pd.NA, "2"]


def test_department_workbook_reads_from_yaml_alone(site_e):
    spec, raw = site_e
    res = ingest_site(spec, raw, "E", KEY)
    pats, tx, pain = (res.tables[t] for t in ("patients", "treatments", "assessments"))
    assert len(pats) == 3 and set(pats["arm"]) == {"RT"}  # the 뇌전이 row is filtered out
    assert tx["total_dose_gy"].tolist() == [24.0] * 3 and tx["fractions"].tolist() == [3] * 3
    assert sorted(pain["vas"].tolist()) == [3, 3, 3, 7, 7, 7]
    assert set(pain["analgesic"]) == {"narcotic"} and set(pain["ome_mg"]) == {30.0}
    assert set(pats["birth_date"]) == {pd.Timestamp("1950-03-04")}
    sheet = "E_department.xlsx[환자목록]"
    assert res.report["files"][sheet]["rows_filtered"] == 1


def test_damaged_department_workbook_names_every_cell(site_e, tmp_path):
    import openpyxl

    spec, raw = site_e
    book = openpyxl.load_workbook(raw / "E_department.xlsx")
    book["치료내역"]["G5"] = "800 Gy / 3"  # prescription: no match
    book["통증평가"]["C4"] = "7 of 10"
    book["환자목록"]["B5"] = "12x"  # an id that is not digits
    book["환자목록"]["F4"] = "Male"  # a code not in the map
    book.save(raw / "E_department.xlsx")
    with pytest.raises(IngestError) as err:
        ingest_site(spec, raw, "E", KEY)
    got = {(f["file"], f["row"], f["column"], f["check"]) for f in err.value.failures}
    assert ("E_department.xlsx[치료내역]", 5, "처방 선량", "extract") in got
    assert ("E_department.xlsx[통증평가]", 4, "통증(VAS)", "extract") in got
    assert ("E_department.xlsx[환자목록]", 5, "등록번호", "id_format") in got
    assert ("E_department.xlsx[환자목록]", 4, "성별", "vocabulary") in got


def test_missing_footer_fails_instead_of_dropping_a_patient(site_e):
    import openpyxl

    spec, raw = site_e
    book = openpyxl.load_workbook(raw / "E_department.xlsx")
    book["환자목록"].delete_rows(book["환자목록"].max_row)
    book.save(raw / "E_department.xlsx")
    with pytest.raises(IngestError, match="footer row's first cell"):
        ingest_site(spec, raw, "E", KEY)


def test_join_with_two_equally_near_prescriptions_fails(site_e):
    import openpyxl

    spec, raw = site_e
    book = openpyxl.load_workbook(raw / "E_department.xlsx")
    rx = book["진통제처방"]
    first = [c.value for c in rx[4]]
    rx.append([first[0], "2016.02.29", *first[2:]])  # a visit on 2016.03.01 +- 1 day
    rx["B4"] = "2016.03.02"
    book.save(raw / "E_department.xlsx")
    with pytest.raises(IngestError) as err:
        ingest_site(spec, raw, "E", KEY)
    checks = {(f["row"], f["check"]) for f in err.value.failures}
    assert (4, "join_ambiguous") in checks and "join_match" not in {c for _, c in checks}


def _spec_file(tmp_path, text: str):
    path = tmp_path / "X.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicate_yaml_key_is_refused_with_both_lines(tmp_path):
    text = E_SPEC.read_text(encoding="utf-8").replace(
        "  patients.sex: {남: M, 여: F}\n",
        "  patients.sex: {남: M, 여: F}\n  patients.sex: {남: F}\n",
    )
    with pytest.raises(
        ConfigError,
        match=r"X.yaml: line \d+, at codes: key 'patients.sex' is "
        r"given twice \(first on line \d+\)",
    ):
        load_site_spec(_spec_file(tmp_path, text))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda s: s["codes"]["treatments.intent"].update({"2": "retreat"}),
            "at codes/treatments.intent/2: 'retreat' is not in the vocabulary of intent",
        ),
        (
            lambda s: s["codes"].update({"toxicities.rtog_grade": {"G9": 9}}),
            "outside the range 1..5 of rtog_grade",
        ),
        (
            lambda s: s["codes"].update({"patients.sex": {"1": ""}}),
            "at codes/patients.sex/1: '' should be non-empty",
        ),
        (
            lambda s: s["sources"][2]["extract"].update({"통증(VAS)": "(?P<pain>[0-9]+"}),
            "at sources/2/extract/통증(VAS): not a valid regular expression",
        ),
        (
            lambda s: s["sources"][2]["extract"].update({"통증(VAS)": "(?P<pain>[0-9]+)/10"}),
            "group 'pain' is not a column of assessments",
        ),
        (
            lambda s: s["dates"].update(
                {"treatments.start_date": {"formats": ["%m/%d/%Y", "%d/%m/%Y"]}}
            ),
            "at dates/treatments.start_date/formats: date formats",
        ),
        (
            lambda s: s["units"].update({"patients.ecog": "cGy per fraction"}),
            "only known for treatments.total_dose_gy",
        ),
        (
            lambda s: s["sources"][3]["join"].update({"date": "vas"}),
            "'vas' is not a date column of assessments",
        ),
        (
            lambda s: s.update({"arm": {"from": "column"}}),
            "needs a patients column mapped onto arm",
        ),
        (
            lambda s: s["sources"][0].update({"header_rows": 4}),
            "more header rows than rows up to header_row",
        ),
    ],
)
def test_wrong_spec_is_refused_naming_its_key(tmp_path, edit, message):
    spec = yaml.safe_load(E_SPEC.read_text(encoding="utf-8"))
    edit(spec)
    with pytest.raises(ConfigError) as err:
        validate_site_spec(copy.deepcopy(spec))
    assert message in str(err.value)


def test_wrong_spec_file_names_the_line(tmp_path):
    text = E_SPEC.read_text(encoding="utf-8").replace('"2": retreatment}', '"2": retreat}')
    with pytest.raises(ConfigError) as err:
        load_site_spec(_spec_file(tmp_path, text))
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "retreat}" in t)
    assert f"line {line}, at codes/treatments.intent/2" in str(err.value)


def test_arm_per_patient_from_a_column_is_checked_against_the_primary_course(tmp_path):
    import pyreadstat

    render_site(small_truth("0"), "spss", tmp_path)
    spec = ROOT / "src" / "spinepair" / "synth" / "sites" / "F.yaml"
    assert set(ingest_site(spec, tmp_path, "F", KEY).tables["patients"]["arm"]) == {"RT"}
    frame, meta = pyreadstat.read_sav(str(tmp_path / "F_patients.sav"))
    frame.loc[1, "GROUP"] = 1.0  # SRS, but the primary course is RT
    pyreadstat.write_sav(
        frame,
        str(tmp_path / "F_patients.sav"),
        variable_value_labels=meta.variable_value_labels,
        variable_format=meta.original_variable_types,
    )
    with pytest.raises(IngestError) as err:
        ingest_site(spec, tmp_path, "F", KEY)
    (fail,) = err.value.failures
    assert (fail["check"], fail["file"], fail["value"]) == ("arm_modality", "F_courses.sav", "RT")
    assert fail["detail"].endswith("the patient's arm SRS")


def test_arm_from_primary_course_needs_a_course(tmp_path):
    truth = small_truth("0")
    truth["treatments"] = truth["treatments"].iloc[1:].reset_index(drop=True)
    render_site(truth, "department_xlsx", tmp_path)
    with pytest.raises(IngestError) as err:
        ingest_site(E_SPEC, tmp_path, "E", KEY)
    assert [(f["check"], f["row"]) for f in err.value.failures] == [("arm_present", 4)]


@pytest.mark.workflow
def test_dry_run_refuses_a_wrong_spec_naming_file_line_and_key(tmp_path):
    import subprocess
    import sys

    sites = ROOT / "config" / "sites"
    for site in "ABD":
        (tmp_path / f"{site}.yaml").write_text((sites / f"{site}.yaml").read_text("utf-8"), "utf-8")
    text = (sites / "C.yaml").read_text("utf-8").replace('"2": retreatment}', '"2": retreat}')
    (tmp_path / "C.yaml").write_text(text, "utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "retreat}" in t)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-n",
            "--cores",
            "1",
            "--config",
            f"site_specs={tmp_path}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert f"invalid site spec {tmp_path}/C.yaml (site C):" in out
    assert f"line {line}, at codes/treatments.intent/2: 'retreat' is not in the vocabulary" in out


RENAMED = ["SBRT", "cEBRT"]  # a study whose arms are not named after the modalities


def test_site_arms_must_be_the_studys(site_e):
    spec, _ = site_e
    with pytest.raises(ConfigError, match=r"at arm: 'SRS' is not an arm of the study"):
        validate_site_spec(spec | {"arm": "SRS"}, arms=RENAMED)
    assert validate_site_spec(spec | {"arm": "SBRT"}, arms=RENAMED)["arm"] == "SBRT"
    mapped = spec | {"arm": {"from": "primary_course", "map": {"SRS": "SBRT", "RT": "EBRT"}}}
    with pytest.raises(ConfigError, match=r"at arm/map/RT: 'EBRT' .*\(its arms: SBRT, cEBRT\)"):
        validate_site_spec(mapped, arms=RENAMED)


def test_arm_from_primary_course_maps_modalities_onto_the_studys_arms(site_e):
    spec, raw = site_e
    renamed = {"arms": RENAMED}
    with pytest.raises(IngestError) as err:  # SRS and RT are no arms of this study
        ingest_site(spec, raw, "E", KEY, settings=renamed)
    assert {f["check"] for f in err.value.failures} == {"arm_in_study"}
    assert "arm 'RT' is not an arm of the study (its arms: SBRT, cEBRT)" in str(err.value)
    spec["arm"] = {"from": "primary_course", "map": {"SRS": "SBRT", "RT": "cEBRT"}}
    pats = ingest_site(spec, raw, "E", KEY, settings=renamed).tables["patients"]
    default = ingest_site(E_SPEC, raw, "E", KEY).tables["patients"]
    assert list(pats["arm"]) == list(default["arm"].map({"SRS": "SBRT", "RT": "cEBRT"}))
    assert set(pats["arm"]) == {"cEBRT"}


def test_arm_column_outside_the_study_fails(tmp_path):
    render_site(small_truth("0"), "spss", tmp_path)
    spec = ROOT / "src" / "spinepair" / "synth" / "sites" / "F.yaml"
    with pytest.raises(IngestError) as err:
        ingest_site(spec, tmp_path, "F", KEY, settings={"arms": RENAMED})
    fails = err.value.failures
    assert {(f["check"], f["column"], f["value"]) for f in fails} == {
        ("arm_in_study", "GROUP", "RT")
    }


@pytest.mark.workflow
def test_dry_run_refuses_a_site_arm_the_study_does_not_have():
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--config"]
        + ["study={title: t, index_arm: SBRT, comparator_arm: cEBRT}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "invalid site spec config/sites/A.yaml (site A):" in out
    assert "at arm: 'SRS' is not an arm of the study (its arms: SBRT, cEBRT)" in out
