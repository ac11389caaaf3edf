"""Reading statistics-package files (SPSS ``.sav``, SAS ``.sas7bdat``, Stata ``.dta``).

A file becomes the same header and grid of text cells the CSV and XLSX readers produce,
each value written one way: whole numbers as integers (``3``, not ``3.0``), other numbers
in their shortest exact form, dates as ISO ``YYYY-MM-DD`` (``YYYY-MM-DD HH:MM:SS`` when
they carry a time), system-missing values as empty cells. The grid is indexed by case
number (1 = the first case). Value labels (``1 = "Male"``) come back per column in the
same text form, so a source may read labelled values as their labels.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from spinepair.ingest.readers import FileProblem
from spinepair.ingest.spec_features import STAT_FORMATS

READERS = dict(
    zip(STAT_FORMATS, (pyreadstat.read_sav, pyreadstat.read_sas7bdat, pyreadstat.read_dta))
)


@dataclass
class StatFile:
    """Header, grid of text cells (indexed by case number), fields per case, value labels."""

    header: list[str]
    grid: pd.DataFrame
    nfields: pd.Series
    labels: dict[str, dict[str, str]] = field(default_factory=dict)


def cell_text(value) -> str | None:
    """One value as export text (see module docstring); None when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        return f"{stamp:%Y-%m-%d}" if stamp == stamp.normalize() else f"{stamp:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | np.bool_):
        return str(int(value))
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def read_stat_file(path: Path, fmt: str, encoding: str | None = None) -> StatFile:
    """Read one ``sav``/``sas7bdat``/``dta`` file; an unreadable file is a ``readable`` problem."""
    try:
        frame, meta = READERS[fmt](str(path), encoding=encoding, user_missing=False)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, UnicodeError) as exc:
        raise FileProblem("readable", None, f"not a readable .{fmt} file: {exc}") from None
    header = [str(c).strip() for c in frame.columns]
    if not header:
        raise FileProblem("not_empty", 1, "the file has no variables")
    grid = pd.DataFrame(
        {j: [cell_text(v) for v in frame[c].tolist()] for j, c in enumerate(frame.columns)},
        index=np.arange(1, len(frame) + 1),
        dtype=object,
    )
    labels = {
        str(var).strip(): {cell_text(k): str(v).strip() for k, v in pairs.items()}
        for var, pairs in (meta.variable_value_labels or {}).items()
    }
    return StatFile(header, grid, pd.Series(len(header), index=grid.index), labels)


def apply_labels(grid: pd.DataFrame, header: list[str], labels: dict) -> pd.DataFrame:
    """The grid with every labelled value replaced by its label (other values unchanged)."""
    out = grid.copy()
    for j, name in enumerate(header):
        if labels.get(name):
            out[j] = out[j].map(lambda v, m=labels[name]: m.get(v, v) if v is not None else v)
    return out
