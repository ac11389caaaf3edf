"""A large site's export split by patient into parts, so that ingest runs in bounded memory.

The export is read once in blocks (:mod:`.textstream`); each block's cleaned rows go to
the part of their patient, on disk (Arrow IPC, one stream per part and file). A patient's
part is a range of their pseudonym (the first 32 bits of the keyed hash, cut into ``k``
equal ranges), so all rows of one patient, from every file, meet in one part, and the
parts taken in order give every CDM table sorted by pseudonym as a whole site would.
Rows without a patient id go to part 0. Checks across patients of different parts run
over the whole site through :class:`~.checks.sitewide.Sitewide`.

The parts hold no direct identifier: a name or phone is written as a token that keeps
equality only (:func:`.redact.token`), a registration number as what the checks need of
it (its format, its person pseudonym; :func:`.redact.rrn_token`), and every file is
encrypted under a key that exists only in this process's memory (:mod:`.sealed`), so a
spill left by a killed ingest holds no readable value at all. They are kept in
``<directory>/<site>-<pid>-<random>`` (the workflow gives ``<results_dir>/.spill``),
removed when ingest ends, failed or not; folders of the same site left by a process that
no longer runs (a killed ingest) are removed when the next ingest of the site starts.
"""

from __future__ import annotations

import logging
import math
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from spinepair.contracts.cdm import IDENTIFIER_FIELDS, RAW_ID_FIELD
from spinepair.ingest.checks.identity import RRN
from spinepair.ingest.checks.values import declared_missing
from spinepair.ingest.linking import padded_ids
from spinepair.ingest.pseudonym import person_keys, pseudonymise
from spinepair.ingest.redact import rrn_token, token
from spinepair.ingest.sealed import SealedReader, SealedWriter
from spinepair.ingest.sources import confined_files
from spinepair.processes import alive

LOG = logging.getLogger(__name__)

# Raw export megabytes per part, counted with a weight per format (memory per raw byte):
# a long EAV line holds one value, a wide CSV row about 2.5 times as many values per byte,
# a workbook's zipped XML about 8 times. Measured on 1,000,000-patient sites: a part of
# 32 weighted MB peaks at 0.9 GB (EAV) and 1.3 GB (wide CSV) (benchmarks/README.md).
PART_MB = 32
WEIGHT = {"long": 1.0, "csv": 2.5, "xlsx": 8.0}
TEXT = pd.StringDtype("pyarrow")


def id_column(source: dict) -> str | None:
    """The raw column holding a source's patient id (None when it is not one column)."""
    if source["format"] == "long":
        return source["long"]["id"]
    found = [raw for raw, cdm in source.get("columns", {}).items() if cdm == RAW_ID_FIELD]
    return found[0] if len(found) == 1 else None


def identifier_columns(source: dict) -> dict[str, str]:
    """Raw column -> identifier field (name, rrn, phone) of a wide patients source."""
    if source["format"] == "long" or source.get("table") != "patients":
        return {}
    return {raw: cdm for raw, cdm in source.get("columns", {}).items() if cdm in IDENTIFIER_FIELDS}


def identifier_attributes(source: dict) -> dict[tuple[str, str], str]:
    """(entity, attribute) -> identifier field of a long (EAV) source's patients entities."""
    if source["format"] != "long":
        return {}
    return {
        (entity, attr): cdm
        for entity, espec in source.get("entities", {}).items()
        if espec.get("table") == "patients"
        for attr, cdm in espec["columns"].items()
        if cdm in IDENTIFIER_FIELDS
    }


def remove_stale(base: Path, site: str) -> list[Path]:
    """Remove the spill folders of ``site`` left under ``base`` by processes that no longer
    run (a killed ingest); a folder of a running process is kept. Returns those removed."""
    pattern = re.compile(rf"{re.escape(site)}-(\d+)-[0-9a-f]{{8}}")
    removed = []
    for folder in sorted(base.glob(f"{site}-*")) if base.is_dir() else []:
        m = pattern.fullmatch(folder.name)
        if m and folder.is_dir() and not alive(int(m.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
            LOG.warning(
                "removed %s: rows of site %s spilled by an earlier ingest (process %s) that "
                "was stopped before it could remove them",
                folder,
                site,
                m.group(1),
            )
            removed.append(folder)
    return removed


def export_size(spec: dict, raw_dir) -> float:
    """Weighted bytes of a site's export files (see ``WEIGHT``; each file once; only
    files inside the raw folder, :func:`.sources.confined_files`)."""
    weights: dict[Path, float] = {}
    for source in spec["sources"]:
        for path in map(Path, confined_files(raw_dir, [source["path"]])):
            weights[path] = max(weights.get(path, 0.0), WEIGHT.get(source["format"], 2.5))
    return sum(w * p.stat().st_size for p, w in weights.items())


def part_count(spec: dict, raw_dir, part_mb: float) -> int:
    """How many parts a site's export is read in (1: whole). A source without a plain
    patient id column (e.g. an id inside an ``extract`` pattern) keeps the site whole."""
    if any(id_column(s) is None for s in spec["sources"]):
        return 1
    return max(1, math.ceil(export_size(spec, raw_dir) / (part_mb * 2**20)))


class PartStore:
    """Cleaned rows of every file of a site, split by patient into ``k`` parts on disk."""

    def __init__(self, k: int, spec: dict, site: str, key: bytes, directory: str | None = None):
        self.k, self.spec, self.site, self.key = k, spec, site, key
        base = Path(directory or Path(tempfile.gettempdir()) / "spinepair-spill")
        base.mkdir(parents=True, exist_ok=True)
        remove_stale(base, site)
        self.dir = base / f"{site}-{os.getpid()}-{secrets.token_hex(4)}"
        self.dir.mkdir(mode=0o700)
        self.files: dict[str, tuple[dict, list[str]]] = {}  # rel -> (source, header)
        self._numbers: dict[str, int] = {}  # rel -> its number in the part folders
        self._writers: dict[tuple[int, str], pa.RecordBatchStreamWriter] = {}

    def _path(self, part: int, rel: str) -> Path:
        return self.dir / f"{part}" / f"{self._numbers[rel]}.arrow"

    def part_of(self, ids: pd.Series) -> np.ndarray:
        """The part of each row's patient (see module docstring)."""
        width = self.spec.get("patient_id", {}).get("zero_pad")
        ids = ids.astype("string")
        if width:
            ids = padded_ids(ids, width)[0]
        keys = pseudonymise(self.key, self.site, ids)
        high = keys.str[:8].map(lambda h: int(h, 16), na_action="ignore")
        return (high.fillna(0).to_numpy(dtype=np.int64) * self.k) >> 32

    def add(self, rel: str, source: dict, frame: pd.DataFrame) -> None:
        """Append a chunk of a file's cleaned rows to the parts of their patients."""
        if rel not in self.files:
            self.files[rel] = (source, list(frame.columns))
            self._numbers[rel] = len(self._numbers)
        frame = self.without_identifiers(source, frame)
        column = id_column(source)
        parts = (
            self.part_of(frame[column]) if column in frame else np.zeros(len(frame), dtype=np.int64)
        )
        table = pa.table(
            {
                **{
                    f"c{i}": pa.array(frame.iloc[:, i], type=pa.string())
                    for i in range(frame.shape[1])
                },
                "_row": pa.array(frame.index.to_numpy(dtype=np.int64)),
            }
        )
        for part in range(self.k):
            rows = np.flatnonzero(parts == part)
            writer = self._writer(part, rel, table.schema)
            writer.write_table(table.take(rows))

    def without_identifiers(self, source: dict, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows with every name, phone and registration number replaced by its token
        (a declared missing-value code is kept: it identifies no one)."""
        cells = []  # (raw column, rows, identifier field)
        for raw, cdm in identifier_columns(source).items():
            if raw in frame:
                cells.append((raw, frame[raw].notna(), cdm))
        names = source.get("long", {})
        ent, att, val = (names.get(k) for k in ("entity", "attribute", "value"))
        attrs = identifier_attributes(source)
        if attrs and all(c is not None and c in frame for c in (ent, att, val)):
            pairs = pd.Series(list(zip(frame[ent], frame[att], strict=True)), index=frame.index)
            for pair, cdm in attrs.items():
                cells.append((val, pairs.isin([pair]) & frame[val].notna(), cdm))
        if not cells:
            return frame
        frame = frame.copy()
        codes = self.spec.get("missing_codes", {})
        for raw, rows, cdm in cells:
            text = frame.loc[rows, raw].astype("string")
            keep = declared_missing(text, codes.get(f"patients.{cdm}", []), False)
            text = text[~keep]
            if cdm == "rrn":
                ok = text.str.strip().str.fullmatch(RRN, na=False).astype(bool)
                made = rrn_token(text, person_keys(self.key, text), ok)
            else:
                made = text.map(token, na_action="ignore").astype("string")
            frame.loc[made.index, raw] = made
        return frame

    def _writer(self, part: int, rel: str, schema: pa.Schema) -> pa.RecordBatchStreamWriter:
        if (part, rel) not in self._writers:
            path = self._path(part, rel)
            path.parent.mkdir(exist_ok=True)
            sink = pa.PythonFile(SealedWriter(path), mode="w")
            self._writers[(part, rel)] = pa.ipc.new_stream(sink, schema)
        return self._writers[(part, rel)]

    def discard(self, rel: str) -> None:
        """Forget a file that failed as a whole after some of its rows were added."""
        for part in range(self.k):
            writer = self._writers.pop((part, rel), None)
            if writer is not None:
                writer.close()
                self._path(part, rel).unlink()
        self.files.pop(rel, None)

    def close(self) -> None:
        """Finish writing (before the parts are read)."""
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def frames(self, part: int):
        """(rel, source, frame) of every file, in the order read, with one part's rows."""
        for rel, (source, header) in self.files.items():
            source_file = pa.PythonFile(SealedReader(self._path(part, rel)), mode="r")
            with source_file, pa.ipc.open_stream(source_file) as reader:
                table = reader.read_all()
            frame = table.drop(["_row"]).to_pandas(types_mapper={pa.string(): TEXT}.get)
            frame = frame.set_axis(header, axis=1).set_axis(table["_row"].to_numpy(), axis=0)
            yield rel, source, frame

    def cleanup(self) -> None:
        """Remove the spill (at the end of ingest, failed or not)."""
        self.close()
        shutil.rmtree(self.dir, ignore_errors=True)
