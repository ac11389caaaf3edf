"""The analyse stage: matched pairs + derived endpoints -> tables, survival, findings.

Pure computation; the job script writes what :func:`analyse` returns. ``params`` are the
config's ``analysis`` section plus the arm labels (see :func:`analysis_params`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from spinepair.analysis.findings import summary_markdown
from spinepair.analysis.pair_frame import pair_frame
from spinepair.analysis.survival_summary import survival_table
from spinepair.analysis.tables import Table, table1, table2, table3

ENDPOINTS = {
    "os": "Overall survival",
    "pfs": "Progression-free survival",
    "lc": "Local control",
}


@dataclass
class Analysis:
    """Everything the analyse rule writes, before writing."""

    pairs: pd.DataFrame
    tables: dict[str, Table]
    survival: pd.DataFrame
    summary: str


def analysis_params(analysis_cfg: dict, study_cfg: dict) -> dict:
    """Library parameters from the config's ``analysis`` and ``study`` sections."""
    params = dict(analysis_cfg)
    params["labels"] = {"index": study_cfg["index_arm"], "comparator": study_cfg["comparator_arm"]}
    return params


def read_paired_derived(derived_paths, pairs: pd.DataFrame) -> pd.DataFrame:
    """Derived rows of the patients in pairs only (memory follows the pairs, not the sites)."""
    keys = pd.concat([pairs["index_key"], pairs["comparator_key"]]).astype(str).tolist()
    return pd.concat(
        [pd.read_parquet(p, filters=[("patient_key", "in", keys)]) for p in derived_paths],
        ignore_index=True,
    )


def load_reference(path: str | None) -> dict | None:
    """The published figures to compare against (``analysis.reference_figures``), if any."""
    if not path:
        return None
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def analyse(
    derived: pd.DataFrame, pairs: pd.DataFrame, params: dict, reference: dict | None
) -> Analysis:
    """Tables 1-3, the survival summary and the findings of the matched cohort."""
    pf = pair_frame(derived, pairs)
    tables = {
        "table1": table1(pf, params, reference),
        "table2": table2(pf, params, reference),
        "table3": table3(pf, params),
    }
    survival = survival_table(pf, params)
    summary = summary_markdown(tables, survival, params, reference)
    notes = [d for t in tables.values() for d in t.discrepancies]
    if notes:
        summary += "\n## Differences from the published paper\n\n" + "".join(
            f"- {d}\n" for d in notes
        )
    return Analysis(pf, tables, survival, summary)
