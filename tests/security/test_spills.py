"""A site read in parts spills its rows under the results folder, with no identifier in
them, removes them when done, and removes those of a killed run of the same site (probe 8)."""

from __future__ import annotations

import csv
import io
import logging
import os
import subprocess
import sys

import pyarrow as pa

from spinepair.ingest import partition
from spinepair.ingest.partition import PartStore, export_size, remove_stale
from spinepair.ingest.pipeline import ingest_site
from spinepair.ingest.spec import load_site_spec
from tests.helpers.workflow import ROOT

KEY = b"spill-key"
RAW = ROOT / "data" / "demo" / "A"
SPEC = ROOT / "config" / "sites" / "A.yaml"


def _identifiers() -> set[str]:
    rows = list(csv.reader(io.StringIO((RAW / "A_patients.csv").read_text("utf-8"))))
    head = rows[0]
    cols = [head.index(c) for c in ("Name", "RRN", "Phone")]
    return {r[i] for r in rows[1:] for i in cols if r[i]}


def test_spill_under_results_holds_no_identifier(tmp_path, monkeypatch):
    spill = tmp_path / "results" / ".spill"
    seen: dict = {}
    cleanup = PartStore.cleanup

    def inspect(store):  # read every spilled Arrow file before the folder goes
        seen["dir"] = store.dir
        seen["text"] = []
        for f in store.dir.rglob("*.arrow"):
            with pa.ipc.open_stream(str(f)) as reader:
                table = reader.read_all()
            seen["text"] += [str(v) for col in table.columns for v in col.to_pylist()]
        seen["files"] = [p for p in store.dir.rglob("*") if p.is_file()]
        cleanup(store)

    monkeypatch.setattr(PartStore, "cleanup", inspect)
    part_mb = export_size(load_site_spec(SPEC), RAW) / 3 / 2**20
    res = ingest_site(SPEC, RAW, "A", KEY, settings={"part_mb": part_mb}, spill_dir=spill)
    whole = ingest_site(SPEC, RAW, "A", KEY)
    assert seen["dir"].parent == spill and seen["dir"].name.startswith(f"A-{os.getpid()}-")
    assert seen["files"] and seen["text"]
    secrets = _identifiers()
    assert len(secrets) > 100
    leaked = secrets & set(seen["text"])
    assert not leaked, sorted(leaked)[:5]
    text = " ".join(seen["text"])
    assert not [s for s in secrets if s in text][:1]
    assert not seen["dir"].exists() and list(spill.iterdir()) == []  # removed when done
    for t, frame in whole.tables.items():  # the same tables (the person pseudonyms too)
        assert frame.equals(res.tables[t]), t


def test_stale_spill_of_a_dead_process_is_removed_and_said(tmp_path, caplog):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    stale = tmp_path / f"A-{int(dead.stdout)}-0123abcd"
    live = tmp_path / f"A-{os.getpid()}-89abcdef"
    other = tmp_path / f"B-{int(dead.stdout)}-0123abcd"
    for folder in (stale, live, other):
        (folder / "0").mkdir(parents=True)
        (folder / "0" / "0.arrow").write_bytes(b"rows")
    with caplog.at_level(logging.WARNING, logger=partition.LOG.name):
        assert remove_stale(tmp_path, "A") == [stale]
    assert not stale.exists() and live.exists() and other.exists()
    assert str(stale) in caplog.text and "earlier ingest" in caplog.text
    # a new store of the site does the same at its start
    store = PartStore(2, load_site_spec(SPEC), "B", KEY, tmp_path)
    try:
        assert not other.exists() and store.dir.parent == tmp_path
    finally:
        store.cleanup()
    assert not store.dir.exists() and live.exists()
