"""Broken exports of every style through the real Snakemake and check-site: no identifier of
the demo exports in any output, log, console line, check-site file or temp folder."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import openpyxl
import pytest

from tests.helpers.identifiers import identifiers, identifiers_in, written_text
from tests.helpers.workflow import copy_project, job_env

pytestmark = pytest.mark.workflow


def _rewrite_csv(path, encoding, change):
    """Rewrite a demo CSV after ``change(rows)`` edits its rows (header first) in place."""
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))
    rows = change(rows)
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def _damage(raw):
    """One realistic fault per export style, each putting identifiers where values are shown."""
    # A: the patients file lost its header row: its first patient's row is read as a header.
    _rewrite_csv(raw / "A" / "A_patients.csv", "utf-8", lambda rows: rows[1:])
    # B: the phone number pasted into the sex column of the first patient.
    book = openpyxl.load_workbook(raw / "B" / "B_spine_registry.xlsx")
    sheet = book["Patients"]
    sheet["E2"] = sheet["D2"].value
    book.save(raw / "B" / "B_spine_registry.xlsx")

    # C: a registration number pasted into an imaging date (CP949 CSV).
    pats = list(csv.reader(io.StringIO((raw / "C" / "C_patient.csv").read_text("cp949"))))
    rrn_of = {r[0]: r[2] for r in pats[1:]}

    def rrn_in_date(rows):
        rows[1][1] = rrn_of[rows[1][0]]
        return rows

    _rewrite_csv(raw / "C" / "C_imaging.csv", "cp949", rrn_in_date)

    # D: the name in the sex attribute, the phone in a death date, undashed RRN in a dose.
    def eav(rows):
        person = {(r[0], r[3]): r[4] for r in rows[1:] if r[1] == "PATIENT"}
        first = rows[1][0]
        for r in rows[1:]:
            if r[0] == first and r[3] == "SEX":
                r[4] = person[(first, "NAME")]
            if r[0] == first and r[3] == "BIRTH_DATE":
                r[4] = person[(first, "PHONE")]
            if r[0] == first and r[3] == "TOTAL_DOSE_GY":
                r[4] = person[(first, "RRN")].replace("-", "")
        return rows

    _rewrite_csv(raw / "D" / "D_cdw_extract.csv", "utf-8", eav)


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    """A copy of the demo with every site's export damaged, run with --keep-going, and
    check-site on each site; returns the folder and the console text of every command."""
    workdir = copy_project(tmp_path_factory.mktemp("broken"))
    _damage(workdir / "data" / "demo")
    tmp = workdir / "tmp"
    tmp.mkdir()
    env = job_env(workdir) | {"TMPDIR": str(tmp)}
    console = []
    run = [sys.executable, "-m", "snakemake", "--cores", "2", "--keep-going"]
    proc = subprocess.run(run, check=False, cwd=workdir, env=env, capture_output=True, text=True)
    assert proc.returncode != 0, "the damaged exports must stop their sites"
    console += [proc.stdout, proc.stderr]
    for site in ("A", "B", "C", "D"):
        check = [sys.executable, "-m", "spinepair.cli", "check-site", site, "--show", "1000"]
        proc = subprocess.run(
            check, check=False, cwd=workdir, env=env, capture_output=True, text=True
        )
        assert proc.returncode == 1, (site, proc.stdout[-2000:], proc.stderr[-2000:])
        console += [proc.stdout, proc.stderr]
    return workdir, console


def test_every_damaged_site_stopped_and_was_profiled(broken_run):
    workdir, _ = broken_run
    for site in ("A", "B", "C", "D"):
        assert (workdir / "results" / "logs" / "ingest" / f"{site}.validation.json").is_file()
        assert not (workdir / "results" / "ingested" / site / "patients.parquet").exists()
    assert len(list((workdir / "results" / "check-site").iterdir())) >= 8


def test_no_identifier_in_any_output_log_console_or_temp_file(broken_run):
    workdir, console = broken_run
    assert len(identifiers()) > 4 * 1892 * 0.99
    written = [
        p for d in ("results", ".snakemake", "tmp") for p in (workdir / d).rglob("*") if p.is_file()
    ]
    assert len(written) > 20
    hits = [("console", v) for text in console for v in sorted(identifiers_in(text))[:3]]
    for path in written:
        found = identifiers_in(written_text(path))
        hits += [(str(path.relative_to(workdir)), v) for v in sorted(found)[:3]]
    assert not hits, hits[:10]
    # no spill or temp file of a killed or finished ingest is left behind either
    assert not [p for p in (workdir / "tmp").rglob("*") if "spinepair" in p.name]
