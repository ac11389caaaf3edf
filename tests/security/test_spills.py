"""A site read in parts spills its rows under the results folder, with no identifier in
them and encrypted under a key of the ingest process alone, removes them when done, and
removes those of a killed run of the same site (probe 8)."""

from __future__ import annotations

import csv
import io
import logging
import os
import subprocess
import sys

import pyarrow as pa
import pytest

from spinepair.ingest import partition
from spinepair.ingest.partition import PartStore, export_size, remove_stale
from spinepair.ingest.pipeline import ingest_site
from spinepair.ingest.sealed import SealedReader
from spinepair.ingest.spec import load_site_spec
from tests.helpers.workflow import ROOT

KEY = b"spill-key"
RAW = ROOT / "data" / "demo" / "A"
SPEC = ROOT / "config" / "sites" / "A.yaml"


def _column(name: str) -> set[str]:
    rows = list(csv.reader(io.StringIO((RAW / "A_patients.csv").read_text("utf-8"))))
    i = rows[0].index(name)
    return {r[i] for r in rows[1:] if r[i]}


def _identifiers() -> set[str]:
    return _column("Name") | _column("RRN") | _column("Phone")


def test_spill_under_results_holds_no_identifier(tmp_path, monkeypatch):
    spill = tmp_path / "results" / ".spill"
    seen: dict = {}
    cleanup = PartStore.cleanup

    def inspect(store):  # read every spilled Arrow file before the folder goes
        seen["dir"] = store.dir
        seen["text"] = []
        seen["bytes"] = b""
        for f in store.dir.rglob("*.arrow"):
            seen["bytes"] += f.read_bytes()
            with pytest.raises((pa.ArrowInvalid, OSError)):  # on disk: ciphertext, not Arrow
                pa.ipc.open_stream(str(f)).read_all()
            sealed = pa.PythonFile(SealedReader(f), mode="r")
            with sealed, pa.ipc.open_stream(sealed) as reader:
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
    # on disk not even the rows' patient ids or clinical values are readable
    ids = _column("MRN")
    assert len(ids) > 100 and "lung" in _column("Primary Tumor")
    on_disk = seen["bytes"]
    assert not [v for v in [*ids, "lung", "2012-"] if v.encode() in on_disk]
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
