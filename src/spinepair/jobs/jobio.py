"""Job plumbing shared by the workflow scripts: logging, clean errors, atomic writes.

Scripts stay thin: they call :func:`run` with a function that does the work. Problems
with the user's data or config (:class:`~spinepair.errors.SpinepairError`) end the job
with their message and no traceback; every output is written under a temporary name
and renamed, so a crash never leaves a file that looks complete.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import socket
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from spinepair.errors import SpinepairError
from spinepair.processes import alive

if TYPE_CHECKING:  # pandas only for annotations: importing it costs a job 0.4 s
    import pandas as pd

log = logging.getLogger("spinepair")


def run(work: Callable[[], None], log_path: str | os.PathLike, job: str) -> None:
    """Run one job: log to ``log_path`` and stderr, turn data errors into a clean exit."""
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    handlers = [logging.FileHandler(log_path, mode="w", encoding="utf-8"), logging.StreamHandler()]
    fmt = logging.Formatter("%(levelname)s %(message)s")
    for h in handlers:
        h.setFormatter(fmt)
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)
    try:
        work()
    except SpinepairError as exc:
        log.error("%s stopped: %s", job, exc)
        logging.shutdown()
        sys.exit(1)
    log.info("%s done", job)


def file_mode() -> int:
    """The mode a plain new file gets under the process umask (0o644 under umask 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def temp_owner(tmp: str | os.PathLike, path: str | os.PathLike) -> tuple[int, str] | None:
    """(pid, host) of the process that made ``tmp``, a temporary file of ``path`` made by
    :func:`atomic_path` (``.<stem>.<pid>@<host>~<random>.tmp<suffix>``), else None."""
    path = Path(path)
    pattern = (
        re.escape(f".{path.stem}.")
        + r"(\d+)@([^~/]+)~[A-Za-z0-9_]+"
        + re.escape(f".tmp{path.suffix}")
    )
    match = re.fullmatch(pattern, Path(tmp).name)
    return (int(match.group(1)), match.group(2)) if match else None


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    The temporary name carries the writer's pid and host
    (``.<stem>.<pid>@<host>~<random>.tmp<suffix>``, the suffix kept for writers that go by
    it). Temporary files of the same output left by a killed writer are removed first: only
    those made on this host by a pid that no longer lives, never a live process's (another
    run's or job's) nor one from another host. The result gets the mode the user's umask
    gives a new file (a temporary file is made 0600).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    host = socket.gethostname().replace("~", "-").replace("/", "-")
    for stale in path.parent.glob(f".{path.stem}.*.tmp{path.suffix}"):
        owner = temp_owner(stale, path)
        if owner is not None and owner[1] == host and not alive(owner[0]):
            stale.unlink(missing_ok=True)  # left by a killed writer of this same output
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem}.{os.getpid()}@{host}~", suffix=f".tmp{path.suffix}", dir=path.parent
    )
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_parquet(
    df: pd.DataFrame, path: str | os.PathLike, metadata: dict[bytes, bytes] | None = None
) -> None:
    """Write a frame to Parquet atomically, with byte-stable settings; ``metadata``: key-value
    pairs added to the file's schema metadata (beside pandas' own)."""
    if metadata:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp, compression="zstd")
        return
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False, compression="zstd", engine="pyarrow")


def write_text(text: str, path: str | os.PathLike) -> None:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(obj, path: str | os.PathLike) -> None:
    """Write JSON atomically (sorted keys, stable bytes)."""
    write_text(
        json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n", path
    )


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a CSV atomically (no index, LF line endings), text cells that a spreadsheet
    would read as a formula quoted (:func:`spinepair.escape.csv_safe`)."""
    from spinepair.escape import csv_safe

    with atomic_path(path) as tmp:
        csv_safe(df).to_csv(tmp, index=False, lineterminator="\n")


def write_parquet_parts(
    frames: Iterable[pd.DataFrame],
    path: str | os.PathLike,
    metadata: dict[bytes, bytes] | None = None,
) -> None:
    """Write frames of one schema one after the other into one Parquet file (a row group
    each), atomically, holding one frame at a time; a single frame as :func:`write_parquet`
    (``metadata`` as there)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frames = iter(frames)
    first = next(frames)
    second = next(frames, None)
    if second is None:
        write_parquet(first, path, metadata)
        return
    with atomic_path(path) as tmp:
        schema = pa.Table.from_pandas(first, preserve_index=False).schema
        if metadata:
            schema = schema.with_metadata({**(schema.metadata or {}), **metadata})
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for frame in (first, second, *frames):
                writer.write_table(pa.Table.from_pandas(frame, preserve_index=False).cast(schema))
