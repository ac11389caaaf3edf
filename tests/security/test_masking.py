"""No identifier in an ingest message, validation report or check-site output (probes 7, 12).

Probe 7: a patients file without its header row (its first patient's cells become the
header) and a registration number pasted into a date column, on a copy of the demo site
A export; probe 12: a 1 MB cell. And a scan of the whole broken-export corpus.
"""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from spinepair.cli import main
from spinepair.errors import ConfigError, IngestError
from spinepair.ingest.pipeline import ingest_site
from spinepair.ingest.profile import profile_site, render_html, render_text
from spinepair.ingest.redact import describe, masked_text, shown
from tests.helpers.broken_corpus import (
    IDENTIFIER_COLUMNS,
    KINDS,
    SITE_OF,
    SITES,
    Raw,
    corpus_truth,
    render_pristine,
)
from tests.helpers.workflow import ROOT

KEY = b"masking-key"
PATIENTS = "A_patients.csv"
SETTINGS = {"max_quarantine_share": 1.0, "plausibility": {"sentinel_min_values": 2}}


@pytest.fixture
def demo_a(tmp_path):
    raw = tmp_path / "A"
    shutil.copytree(ROOT / "data" / "demo" / "A", raw)
    return raw


def _rows(raw) -> list[list[str]]:
    return list(csv.reader(io.StringIO((raw / PATIENTS).read_text("utf-8"), newline="")))


def _write(raw, rows) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (raw / PATIENTS).write_text(buf.getvalue(), "utf-8")


def _forms(values) -> set[str]:
    """Each identifier as written and as its digits only (an RRN or phone without dashes)."""
    out = {v for v in values if v}
    out |= {d for v in values if len(d := "".join(c for c in v if c.isdigit())) >= 10}
    return out


def _profile_outputs(raw, site, spec) -> dict[str, str]:
    """What check-site shows of ``raw`` (text, JSON and HTML; the corpus test of
    tests/test_broken_corpus.py scans the ingest message and report of every case)."""
    profile = profile_site(spec, raw, site, settings=SETTINGS)
    return {
        "check-site text": render_text(profile, shown=1000),
        "check-site json": json.dumps(profile, ensure_ascii=False, default=str),
        "check-site html": render_html(profile),
    }


def _outputs(raw, site="A", spec=None, tmp=None, capsys=None) -> dict[str, str]:
    """Everything a user sees of a failed ingest and of check-site on ``raw``."""
    spec = spec or SITES / f"{site}.yaml"
    settings = SETTINGS
    out = {}
    try:
        res = ingest_site(spec, raw, site, KEY, settings=settings)
        out["report"] = json.dumps(res.report, ensure_ascii=False, default=str)
        out["quarantine"] = res.quarantine.to_csv()
    except IngestError as err:
        out["message"] = str(err)
        out["failures"] = json.dumps(err.failures, ensure_ascii=False, default=str)
        out["report"] = json.dumps(err.report, ensure_ascii=False, default=str)
    if capsys is None:
        return out | _profile_outputs(raw, site, spec)
    try:  # quarantine mode, and the command itself: console and the files it writes
        quarantined = ingest_site(spec, raw, site, KEY, quarantine=True, settings=settings)
        out["quarantine"] = quarantined.quarantine.to_csv()
    except IngestError as err:
        out["quarantine message"] = str(err)
    capsys.readouterr()
    config = str(ROOT / "config" / "config.yaml")
    argv = ["check-site", site, "--config", config, "--spec", str(spec), "--raw", str(raw)]
    main([*argv, "--out", str(tmp), "--show", "1000"])
    out["check-site console"] = capsys.readouterr().out
    for f in tmp.iterdir():
        out[f"check-site {f.name}"] = f.read_text("utf-8")
    return out


def _leaks(outputs: dict[str, str], secrets: set[str]) -> list[tuple[str, str]]:
    return [(where, s) for where, text in outputs.items() for s in secrets if s in text]


def test_headerless_patients_file_shows_no_identifier(demo_a, tmp_path, capsys):
    rows = _rows(demo_a)
    first = rows[2]  # (the first patient's row has two equal dates: a unique_column failure)
    mrn, name, rrn, phone = first[:4]
    _write(demo_a, rows[2:])  # the header row lost: a patient's row is the header
    out = _outputs(demo_a, tmp=tmp_path / "cs", capsys=capsys)
    assert not _leaks(out, _forms([mrn, name, rrn, phone]))
    # the failure still names file, row and check, and says what the header looks like
    msg = out["message"]
    assert f"{PATIENTS} row 1" in msg and "check " in msg
    report = json.loads(out["report"])
    header = [f for f in report["failures"] if f["file"] == PATIENTS]
    assert header and all(f["row"] == 1 for f in header), header
    assert header[0]["check"] in ("unique_column", "required_column")
    assert header[0]["column"].startswith("<") and "missing?" in header[0]["detail"]
    listed = {c["column"] for c in report["files"][PATIENTS]["columns"]}
    assert "<14 characters: digits, symbols> (column 3)" in listed  # the RRN, by its shape


def test_rrn_in_a_date_column_is_masked_and_the_format_named(demo_a, tmp_path, capsys):
    rows = _rows(demo_a)
    head = rows[0]
    mrn, name, rrn, phone = rows[1][:4]
    other_rrn = rows[2][head.index("RRN")]
    rows[1][head.index("Birth Date")] = rrn  # the patient's own RRN
    rows[2][head.index("Last Follow-up")] = other_rrn.replace("-", "")  # 13 digits
    _write(demo_a, rows)
    out = _outputs(demo_a, tmp=tmp_path / "cs", capsys=capsys)
    assert not _leaks(out, _forms([mrn, name, rrn, phone, other_rrn]))
    lines = [x for x in out["message"].splitlines() if "check date:" in x]
    assert len(lines) == 2, out["message"]
    assert lines[0].startswith(f"  {PATIENTS} row 2, column 'Birth Date' (patients.birth_date)")
    assert "not a date in format %Y-%m-%d: value '<identifier: 14 characters>'" in lines[0]
    assert lines[1].startswith(f"  {PATIENTS} row 3, column 'Last Follow-up'")
    assert "value '<rrn-shaped: 13 characters>'" in lines[1]


def test_a_1mb_cell_is_shown_cut_with_its_length(demo_a):
    rows = _rows(demo_a)
    rows[1][rows[0].index("Primary Tumor")] = "x" * 1_000_000
    _write(demo_a, rows)
    with pytest.raises(IngestError) as info:
        ingest_site(SITES / "A.yaml", demo_a, "A", KEY)
    msg = str(info.value)
    assert len(msg) < 600, msg
    assert "x" * 40 + "… (1000000 characters)" in msg
    assert len(json.dumps(info.value.report)) < 200_000
    text = render_text(profile_site(SITES / "A.yaml", demo_a, "A"))
    assert "(1000000 characters)" in text and "x" * 41 not in text


def test_masking_rules():
    assert shown("A1179651", "patient_id") == "<patient_id: 8 characters>"
    assert shown("신진윤", "name") == "<name: 3 characters>"
    assert shown("590821-1621761") == "<rrn-shaped: 14 characters>"
    assert shown("5908211621761") == "<rrn-shaped: 13 characters>"
    assert shown("call 010-5299-5947") == "call <phone-shaped: 13 characters>"
    assert shown("+82 10 5299 5947") == "<phone-shaped: 16 characters>"
    assert shown("02-123-4567") == "<phone-shaped: 11 characters>"
    assert shown("신진윤", None, frozenset({"신진윤"})) == "<identifier: 3 characters>"
    assert shown("2012-10-17") == "2012-10-17" and shown("30") == "30"
    assert shown("y" * 50) == "y" * 40 + "… (50 characters)"
    assert shown(shown("y" * 50)) == shown("y" * 50)  # showing twice changes nothing
    assert describe("A1179651") == "<8 characters: digits, letters>"
    assert (
        masked_text("footer 'z" + "w" * 99 + "' x")
        == "footer 'z" + "w" * 39 + "… (100 characters)' x"
    )


# --- the whole broken-export corpus ---------------------------------------------------------
# one style per kind, rotating (every kind once; about 1 s per kind at most)
SCAN = {n: s[i % len(s)] for i, (n, (s, _)) in enumerate(KINDS.items())}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return render_pristine(tmp_path_factory.mktemp("pristine"))


def test_corpus_shows_no_identifier_in_check_site(pristine, tmp_path):
    """Every kind of damage: check-site's text, JSON and HTML hold none of the export's identifier values: every
    patient id (8 characters, e.g. A0000017), name, registration number and phone of the
    raw patients file, each also as digits only."""
    secrets = {
        site: _forms(
            {str(v) for c in IDENTIFIER_COLUMNS for v in corpus_truth(site)["patients"][c]}
        )
        for site in SITE_OF.values()
    }
    leaks, scanned = [], 0
    for name, style in SCAN.items():
        raw = Raw(pristine[style], tmp_path / name, style)
        try:
            KINDS[name][1](raw)
            out = _profile_outputs(raw.dir, raw.site, raw.spec_path)
        except ConfigError as exc:  # a spec damage: its message is scanned
            out = {"error": str(exc)}
        scanned += len(secrets[raw.site])
        leaks += [(name, *hit) for hit in _leaks(out, secrets[raw.site])]
    assert scanned >= 12 * len(KINDS)
    assert not leaks, leaks
