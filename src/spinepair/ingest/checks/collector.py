"""Registering checks and collecting their failures a column at a time."""

from __future__ import annotations

import pandas as pd

from spinepair.contracts.cdm import IDENTIFIER_FIELDS, RAW_ID_FIELD
from spinepair.ingest.failure import ERROR, FIELDS, WARNING

# Values of these columns never appear in a failure (they identify a person).
HIDDEN = (RAW_ID_FIELD, *IDENTIFIER_FIELDS)


def cell_origin(raw: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """File, row and raw column name of each value of CDM column ``column``."""
    file = raw[f"_file.{column}"].fillna(raw["_file"]) if f"_file.{column}" in raw else raw["_file"]
    row = raw[f"_row.{column}"] if f"_row.{column}" in raw else raw["_row"]
    name = raw[f"_col.{column}"] if f"_col.{column}" in raw else pd.Series(column, index=raw.index)
    return file, row, name


class Checks:
    """The checks run on one site (for the report) and the failures they found.

    ``severity`` maps a check name to ``warning`` to lower it (set by the study config);
    every other check is an error. Cell failures are frames with the fields of
    :class:`~spinepair.ingest.failure.Failure` plus ``idx``, the row of the raw table.
    """

    def __init__(self, site: str, severity: dict[str, str] | None = None):
        self.site = site
        self.severity = severity or {}
        self.registry: list[dict] = []
        self.errors: list[pd.DataFrame] = []
        self.warnings: list[pd.DataFrame] = []

    def register(self, name: str, table: str | None, column: str | None, description: str):
        self.registry.append(
            {"name": name, "table": table, "column": column, "description": description}
        )

    def fail(
        self,
        raw: pd.DataFrame,
        table: str,
        mask,
        column: str,
        check: str,
        detail,
        value: pd.Series | None = None,
    ) -> None:
        """Record a failure of ``check`` for every raw row where ``mask`` holds."""
        mask = pd.Series(mask, index=raw.index).fillna(False).astype(bool)
        if not mask.any():
            return
        sub = raw.loc[mask]
        file, row, name = cell_origin(sub, column)
        shown = pd.Series(pd.NA, index=sub.index, dtype="string")
        if column not in HIDDEN and value is not None:
            shown = value[mask].astype("string")
        severity = self.severity.get(check.split(":")[0], ERROR)
        frame = pd.DataFrame(
            {
                "site": self.site,
                "file": file,
                "row": row.astype("int64"),
                "column": name,
                "cdm_column": column,
                "table": table,
                "check": check,
                "detail": detail[mask] if isinstance(detail, pd.Series) else detail,
                "value": shown,
                "severity": severity,
                "rec": sub["_rec"].astype("int64"),
                "idx": sub.index,
            },
            columns=[*FIELDS, "idx"],
        )
        (self.warnings if severity == WARNING else self.errors).append(frame)

    def error_frame(self) -> pd.DataFrame:
        """Every error found so far (with ``idx``)."""
        empty = pd.DataFrame({c: [] for c in FIELDS}).assign(idx=pd.Series(dtype="int64"))
        return pd.concat(self.errors, ignore_index=True) if self.errors else empty
