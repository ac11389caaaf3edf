"""Reading a stage's Parquet file so that a damaged one is named, and a cheap intact check.

Every stage reads its inputs through :func:`read_parquet`: a truncated or corrupt file (a
disk filled up, a copy cut short) ends the job with one line naming the file instead of a
pyarrow message about "magic bytes" or "footer". :func:`damage` tells a complete Parquet
file from a truncated one by reading 12 bytes (the ``PAR1`` magic at both ends and the
footer length), never the data; the workflow uses it at the start of a run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from spinepair.errors import SpinepairError

if TYPE_CHECKING:  # pandas only for annotations: importing it costs a job 0.4 s
    import pandas as pd

MAGIC = b"PAR1"


def damage(path: str | os.PathLike) -> str | None:
    """Why ``path`` is not a complete Parquet file (None when its frame looks intact).

    Reads the first 4 and last 8 bytes only: the magic ``PAR1`` at both ends and a footer
    length that fits in the file. A file cut short anywhere loses its trailing magic.
    """
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size < 12:
                return f"{size} bytes, too short"
            head = f.read(4)
            f.seek(size - 8)
            tail = f.read(8)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if head != MAGIC:
        return "no Parquet header"
    if tail[4:] != MAGIC:
        return "no Parquet footer (truncated?)"
    if int.from_bytes(tail[:4], "little") > size - 12:
        return "footer longer than the file (truncated?)"
    return None


def read_parquet(path: str | os.PathLike, **kwargs) -> pd.DataFrame:
    """``pandas.read_parquet`` that names the file when it is missing or damaged.

    A pyarrow or OS error on a file whose frame and footer read fine (a wrong column name,
    a bad filter) is a bug, not damage, and is raised as it is.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pd.read_parquet(path, engine="pyarrow", **kwargs)
    except FileNotFoundError as exc:
        raise SpinepairError(f"{path} is missing; rerun the workflow to rebuild it") from exc
    except (pa.ArrowException, OSError) as exc:
        why = damage(path)
        if why is None:
            try:
                pq.read_metadata(path)
            except (pa.ArrowException, OSError):
                why = "unreadable footer"
            else:
                raise
        raise SpinepairError(
            f"{Path(path)} is not a readable Parquet file ({why}); delete it and rerun "
            "(a run also finds and rebuilds it on its own)"
        ) from exc
