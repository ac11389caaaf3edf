"""A large site's export split by patient into parts, so that ingest runs in bounded memory.

The export is read once in blocks (:mod:`.textstream`); each block's cleaned rows go to
the part of their patient, on disk (Arrow IPC, one stream per part and file). A patient's
part is a range of their pseudonym (the first 32 bits of the keyed hash, cut into ``k``
equal ranges), so all rows of one patient, from every file, meet in one part, and the
parts taken in order give every CDM table sorted by pseudonym as a whole site would.
Rows without a patient id go to part 0. Checks across patients of different parts run
over the whole site through :class:`~.checks.sitewide.Sitewide`.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from spinepair.contracts.cdm import RAW_ID_FIELD
from spinepair.ingest.linking import padded_ids
from spinepair.ingest.pseudonym import pseudonymise

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


def export_size(spec: dict, raw_dir) -> float:
    """Weighted bytes of a site's export files (see ``WEIGHT``; each file once)."""
    weights: dict[Path, float] = {}
    for source in spec["sources"]:
        for path in Path(raw_dir).glob(source["path"]):
            if path.is_file():
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
        self._tmp = tempfile.TemporaryDirectory(prefix="spinepair-parts-", dir=directory)
        self.dir = Path(self._tmp.name)
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

    def _writer(self, part: int, rel: str, schema: pa.Schema) -> pa.RecordBatchStreamWriter:
        if (part, rel) not in self._writers:
            path = self._path(part, rel)
            path.parent.mkdir(exist_ok=True)
            self._writers[(part, rel)] = pa.ipc.new_stream(str(path), schema)
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
            with pa.ipc.open_stream(str(self._path(part, rel))) as reader:
                table = reader.read_all()
            frame = table.drop(["_row"]).to_pandas(types_mapper={pa.string(): TEXT}.get)
            frame = frame.set_axis(header, axis=1).set_axis(table["_row"].to_numpy(), axis=0)
            yield rel, source, frame

    def cleanup(self) -> None:
        self.close()
        self._tmp.cleanup()
