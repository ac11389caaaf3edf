"""The analysis results dataset (ARD): one numeric row per statistic (``schemas/ard.yaml``).

The analyse job writes it; tables, figures, the survival summary, the findings and the
reproduction read it. :class:`ArdRows` collects rows, :func:`to_frame` casts and validates
them, :func:`value` and :func:`one` read one statistic back.
"""

from __future__ import annotations

import functools

import pandas as pd

from spinepair.contracts.cdm import SCHEMA_DIR, parse_columns, read_yaml
from spinepair.contracts.stages import column_dtypes, load_stage_schema
from spinepair.errors import SpinepairError

NA = float("nan")
PRIMARY = "primary"
CHANGES_TABLE = "sensitivity"  # the ARD table of category changes a sensitivity variant makes


class ArdLookupError(SpinepairError, KeyError):
    """A statistic asked of the ARD is not there exactly once."""


@functools.cache
def _columns_and_dtypes():
    cols = parse_columns(read_yaml(SCHEMA_DIR / "ard.yaml")["columns"])
    return [c.name for c in cols], column_dtypes(cols)


FLOATS = ("time", "value", "lower", "upper", "p", "conf_level")
MATCHED_PAIRS = "matched pairs"  # the analysis set of a statistic without a declared one  # plain floats (NaN, not NA) once validated


class ArdRows:
    """Rows of one ARD table, added one statistic at a time."""

    def __init__(self, table: str, variant: str = PRIMARY, analysis_set: str = MATCHED_PAIRS):
        self.table, self.variant, self.rows = table, variant, []
        self.analysis_set = analysis_set

    def add(self, row, variable, statistic, value, *, level="", arm="all", **extra) -> None:
        """One statistic; ``extra`` may give time, lower, upper, n, denominator, p,
        conf_level, analysis_set (default: the rows' set) and method."""
        record = {
            "table": self.table,
            "row": str(row),
            "variable": str(variable),
            "level": str(level),
            "arm": str(arm),
            "statistic": statistic,
            "time": NA,
            "value": NA if value is None else float(value),
            "lower": NA,
            "upper": NA,
            "n": None,
            "denominator": None,
            "p": NA,
            "conf_level": NA,
            "analysis_set": self.analysis_set,
            "method": "",
            "variant": self.variant,
        }
        unknown = set(extra) - set(record)
        if unknown:
            raise TypeError(f"ARD row: unknown field(s) {sorted(unknown)}")
        record.update(extra)
        self.rows.append(record)


def to_frame(parts) -> pd.DataFrame:
    """The validated ARD of one or more :class:`ArdRows` (in the order given); its numbers
    are plain floats (NaN when missing), counts nullable integers."""
    names, dtypes = _columns_and_dtypes()
    rows = [r for part in parts for r in part.rows]
    frame = pd.DataFrame(rows, columns=names)
    for col in FLOATS:
        frame[col] = pd.to_numeric(frame[col]).astype(float)
    validated = load_stage_schema("ard.yaml").validate(frame.astype(dtypes))
    return validated.astype({c: float for c in FLOATS})


def select(ard: pd.DataFrame, table: str, row: str | None = None, **where) -> pd.DataFrame:
    """The rows of ``table`` (and ``row``) whose columns equal ``where`` (primary variant)."""
    sel = (ard["table"] == table) & (ard["variant"] == where.pop("variant", PRIMARY))
    if row is not None:
        sel &= ard["row"] == str(row)
    for col, want in where.items():
        sel &= ard[col] == (want if col == "time" else str(want))
    return ard[sel]


def one(ard: pd.DataFrame, table: str, row: str, statistic: str, **where) -> pd.Series:
    """The one ARD row of (table, row, statistic, where...); raises when not exactly one."""
    hit = select(ard, table, row, statistic=statistic, **where)
    if len(hit) != 1:
        raise ArdLookupError(
            f"ARD: {len(hit)} rows for table={table} row={row} statistic={statistic} {where}"
        )
    return hit.iloc[0]


def value(ard: pd.DataFrame, table: str, row: str, statistic: str, **where) -> float:
    """The value of :func:`one` as a float (NaN when missing)."""
    v = one(ard, table, row, statistic, **where)["value"]
    return NA if pd.isna(v) else float(v)
