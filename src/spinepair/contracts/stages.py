"""Build pandera schemas from the YAML table contracts kept in ``schemas/``.

A contract maps column names to ``{kind, nullable, values | vocab, min, max}`` (see
``schemas/cdm.yaml``); this module turns one into a :class:`pandera.DataFrameSchema`
so every Parquet stage is validated against the file a reviewer reads.

pandera is imported when a schema is built, not with this module: its import costs about
half a second, which every job that only reads a stage (or its dtypes) would pay.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from spinepair.contracts.cdm import SCHEMA_DIR, TABLES, UNIQUE, Column, parse_columns, read_yaml

if TYPE_CHECKING:
    import pandera.pandas as pa

_DTYPES = {
    "key": "string",
    "str": "string",
    "cat": "string",
    "date": "datetime64[ns]",
    "int": "Int64",
    "float": "Float64",
    "bool": "boolean",
}


def _checks(col: Column) -> list[pa.Check]:
    import pandera.pandas as pa

    checks = []
    if col.kind == "key":
        checks.append(pa.Check.str_length(min_value=1, error="non-empty key"))
    if col.kind == "cat" and col.values:
        checks.append(pa.Check.isin(list(col.values), error=f"one of {list(col.values)}"))
    if col.lo is not None:
        checks.append(pa.Check.ge(col.lo, error=f">= {col.lo}"))
    if col.hi is not None:
        checks.append(pa.Check.le(col.hi, error=f"<= {col.hi}"))
    return checks


def build_schema(
    name: str, cols: tuple[Column, ...], unique: tuple[str, ...] = (), strict: bool = True
) -> pa.DataFrameSchema:
    """A pandera schema for a table contract; strict = exactly these columns, in order."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            c.name: pa.Column(_DTYPES[c.kind], checks=_checks(c), nullable=c.nullable, coerce=False)
            for c in cols
        },
        name=name,
        strict=strict,
        ordered=strict,
        unique=list(unique) or None,
        report_duplicates="all",
    )


def cdm_schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of one common-data-model table."""
    return build_schema(table, TABLES[table], UNIQUE[table])


def load_stage_schema(path: str | Path) -> pa.DataFrameSchema:
    """The pandera schema described by a stage contract YAML (``schemas/<stage>.yaml``)."""
    path = Path(path)
    if not path.is_absolute() and not path.exists():
        path = SCHEMA_DIR / path
    spec = read_yaml(path)
    cols = parse_columns(spec["columns"], spec.get("vocabularies"))
    return build_schema(
        spec.get("name", path.stem),
        cols,
        tuple(spec.get("unique", ())),
        strict=bool(spec.get("strict", True)),
    )


def column_dtypes(cols: tuple[Column, ...]) -> dict[str, str]:
    """The pandas dtype of each column, for casting a frame to its contract."""
    return {c.name: _DTYPES[c.kind] for c in cols}
