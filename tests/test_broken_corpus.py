"""Every kind of damage of the broken-export corpus, on every export style it applies to.

A damaged export must stop the site with a message naming site, file, row, column and
check (or warn, or be normalised into exactly the clean result), never a traceback, never
an identifier in the message, and ingest must leave the raw files byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import shutil

import pandas as pd
import pytest

from spinepair.errors import ConfigError, IngestError
from spinepair.ingest.checks.date_order import INVOLVES_PATIENT
from spinepair.ingest.pipeline import ingest_site
from spinepair.ingest.quarantine import RECORD_CHECKS
from spinepair.ingest.report import FILE_CHECKS
from tests.helpers.broken_corpus import (
    KINDS,
    SITE_OF,
    SITES,
    STYLES,
    Raw,
    identifiers,
    render_pristine,
)
from tests.helpers.workflow import ROOT, copy_project, snakemake

KEY = b"corpus-key"
CASES = [(name, style) for name, (styles, _) in KINDS.items() for style in styles]
SECRETS = identifiers()
ROW_LEVEL = set(RECORD_CHECKS)  # read problems quarantine can set aside
# quarantine mode is re-run for one style per kind, rotating (keeps the corpus fast)
QUARANTINE_STYLE = {n: s[i % len(s)] for i, (n, (s, _)) in enumerate(KINDS.items())}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return render_pristine(tmp_path_factory.mktemp("pristine"))


@pytest.fixture(scope="module")
def clean(pristine):
    """The clean ingest of each style (what normalised damage must reproduce)."""
    out = {}
    for style, folder in pristine.items():
        site = SITE_OF[style]
        out[style] = ingest_site(SITES / f"{site}.yaml", folder, site, KEY)
    return out


def _ingest(raw: Raw, **kw):
    # the corpus has 3 patients: any quarantined record is a large share
    # (and sentinels stand out from two other values)
    settings = {"max_quarantine_share": 1.0, "plausibility": {"sentinel_min_values": 2}}
    return ingest_site(raw.spec_path, raw.dir, raw.site, KEY, settings=settings, **kw)


def _matches(item: dict, expect) -> bool:
    return (item["check"], item["file"], item["row"], item["column"]) == (
        expect.check,
        expect.file,
        expect.row,
        expect.column,
    )


def _assert_clean_message(msg: str) -> None:
    assert "Traceback" not in msg and 'File "' not in msg
    leaked = [s for s in SECRETS if s in msg]
    assert not leaked, f"identifiers leaked into the message: {leaked}"


def test_corpus_covers_at_least_65_kinds_and_25_per_style():
    assert len(KINDS) >= 65
    for style in STYLES:
        assert sum(style in styles for styles, _ in KINDS.values()) >= 25, style


@pytest.mark.parametrize(("name", "style"), CASES)
def test_damage(name, style, pristine, clean, tmp_path):
    raw = Raw(pristine[style], tmp_path, style)
    expect = KINDS[name][1](raw)
    before = raw.sha256()
    if expect.outcome == "config":
        with pytest.raises(ConfigError) as info:
            _ingest(raw)
        msg = str(info.value)
        _assert_clean_message(msg)
        head = f"invalid site spec {raw.spec_path} (site {raw.site}):"
        line = next((x for x in msg.splitlines() if expect.check in x), None)
        assert msg.startswith(head) and line, msg
        assert line.startswith(f"  line {expect.row}, at "), line
        if expect.file:
            assert f"at {expect.file}:" in line or f"/{expect.file}:" in line, line
    elif expect.outcome == "fail":
        with pytest.raises(IngestError) as info:
            _ingest(raw)
        err = info.value
        msg = str(err)
        _assert_clean_message(msg)
        assert msg.startswith(f"ingest of site {raw.site} failed: "), msg
        hits = [f for f in err.failures if _matches(f, expect)]
        assert hits, f"expected {expect} among {err.failures}"
        assert all(f["site"] == raw.site for f in err.failures)
        row = "-" if expect.row is None else expect.row
        where = f"  {expect.file} row {row}"
        if expect.column is not None:
            where += f", column {expect.column!r}"
        shown = [
            x for x in msg.splitlines() if x.startswith(where) and f"check {expect.check}:" in x
        ]
        assert shown, f"no line starting {where!r} with check {expect.check} in:\n{msg}"
        assert expect.hint is None or expect.hint in shown[0], shown[0]
        assert err.report is not None and err.report["status"] == "failed"
        _assert_clean_message(json.dumps(err.report, ensure_ascii=False, default=str))
        if style == QUARANTINE_STYLE[name]:
            _assert_quarantine(raw, expect)
    else:
        res = _ingest(raw)
        assert res.report["status"] == "ok" and res.report["n_failures"] == 0
        _assert_clean_message(json.dumps(res.report, ensure_ascii=False, default=str))
        if expect.outcome == "warn":
            assert any(_matches(w, expect) for w in res.report["warnings"]), res.report["warnings"]
        else:
            for table, want in clean[style].tables.items():
                pd.testing.assert_frame_equal(res.tables[table], want, obj=f"{name} {table}")
    assert raw.sha256() == before, "ingest must not modify the raw export"


def _assert_quarantine(raw: Raw, expect) -> None:
    """Quarantine mode: file-level damage still stops the site; row damage is set aside."""
    malformed_eav = raw.style == "long_eav" and expect.check == "field_count"
    if expect.check in FILE_CHECKS and (expect.check not in ROW_LEVEL or malformed_eav):
        with pytest.raises(IngestError):
            _ingest(raw, quarantine=True)
        return
    res = _ingest(raw, quarantine=True)
    if expect.collapses:  # exact copies: one kept, the clean tables, a warning per copy
        assert res.report["status"] == "ok" and res.quarantine.empty
        assert any(w["check"] == "exact_duplicate" for w in res.report["warnings"])
        return
    q = res.quarantine
    hit = (q["check"] == expect.check) & (q["file"] == expect.file) & (q["row"] == expect.row)
    assert hit.any(), q
    assert res.report["status"] == "ok" and res.report["mode"] == "quarantine"
    for name, acc in res.report["files"].items():
        assert acc["rows_read"] == acc["rows_ingested"] + acc["rows_rejected"], name
    assert res.report["files"][expect.file]["rows_rejected"] >= 1
    if expect.check in INVOLVES_PATIENT:  # the patient goes with its conflicting row
        assert res.report["tables"]["patients"]["records_rejected"] >= 1


# --- the real workflow: one damaged site per export style ---------------------------------
WORKFLOW_KIND = {
    "wide_csv": "duplicated_column",
    "xlsx": "excel_error",
    "cp949_csv": "delimiter_changed",
    "long_eav": "dose_in_wrong_unit",
}
INGEST_TARGETS = [f"results/ingested/{s}/validation.json" for s in SITE_OF.values()]


def _sha(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def ingested_project(tmp_path_factory):
    """A project copy with every site ingested, and the checksums of those outputs."""
    workdir = copy_project(tmp_path_factory.mktemp("corpus_wf"))
    snakemake(workdir, *INGEST_TARGETS)
    ingested = workdir / "results" / "ingested"
    return workdir, {s: _sha(ingested / s) for s in SITE_OF.values()}


@pytest.mark.workflow
@pytest.mark.parametrize("style", STYLES)
def test_workflow_stops_only_the_damaged_site(style, ingested_project, tmp_path):
    workdir, baseline = ingested_project
    site = SITE_OF[style]
    demo = workdir / "data" / "demo" / site
    raw = Raw(demo, tmp_path, style)
    expect = KINDS[WORKFLOW_KIND[style]][1](raw)
    shutil.rmtree(demo)
    shutil.copytree(raw.dir, demo)
    damaged = _sha(demo)
    try:
        proc = snakemake(workdir, "--keep-going", *INGEST_TARGETS, check=False)
        assert _sha(demo) == damaged, "the workflow must not modify the raw export"
    finally:  # later tests re-ingest this site from its original export
        shutil.rmtree(demo)
        shutil.copytree(ROOT / "data" / "demo" / site, demo)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Traceback" not in out
    head = f"ERROR ingest of site {site} stopped: ingest of site {site} failed: "
    assert head in proc.stderr, proc.stderr[-3000:]
    where = f"  {expect.file} row {expect.row}" + (
        f", column {expect.column!r}" if expect.column else ""
    )
    assert any(
        x.startswith(where) and f"check {expect.check}:" in x for x in proc.stderr.splitlines()
    ), proc.stderr[-3000:]
    folder = workdir / "results" / "ingested" / site
    assert not folder.exists() or not list(folder.glob("*.parquet")), "no Parquet of a failed site"
    for other in SITE_OF.values():
        if other != site:
            assert _sha(workdir / "results" / "ingested" / other) == baseline[other], other
