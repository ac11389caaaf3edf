"""The analyse stage: matched pairs + derived endpoints -> the pair frame and the ARD.

Pure computation; the job script writes what :func:`analyse` returns. Everything published
(tables, figures, survival summary, findings, reproduction) is rendered from these two by its
own job.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from spinepair.analysis.analysis_sets import mark_sets
from spinepair.analysis.ard import ArdRows, to_frame
from spinepair.analysis.balance_ard import balance_rows
from spinepair.analysis.competing import competing_stats
from spinepair.analysis.grade_stats import grade_stats
from spinepair.analysis.multiplicity import adjust_family
from spinepair.analysis.pair_frame import pair_frame
from spinepair.analysis.survival_summary import survival_stats
from spinepair.analysis.table_stats import table_stats
from spinepair.contracts.parquetfile import read_parquet


@dataclass
class Analysis:
    """What the analyse job writes: the pair frame and the analysis results dataset."""

    pairs: pd.DataFrame
    ard: pd.DataFrame


def read_paired_derived(derived_paths, pairs: pd.DataFrame) -> pd.DataFrame:
    """Derived rows of the patients in pairs only (memory follows the pairs, not the sites)."""
    keys = pd.concat([pairs["index_key"], pairs["comparator_key"]]).astype(str).tolist()
    return pd.concat(
        [read_parquet(p, filters=[("patient_key", "in", keys)]) for p in derived_paths],
        ignore_index=True,
    )


def analyse(
    derived: pd.DataFrame, pairs: pd.DataFrame, arms, tables: dict, params: dict
) -> Analysis:
    """The pair frame and the ARD of the declared ``tables`` (study config ``tables``) and of
    the survival endpoints (``params``: the config's ``analysis`` section)."""
    pf = mark_sets(pair_frame(derived, pairs), params.get("analysis_sets"))
    parts = []
    for name, decl in tables.items():
        if decl.get("layout") == "grades":
            parts.append(grade_stats(name, decl, pf, arms))
        else:
            parts += table_stats(name, decl, pf, arms, params)
    adjust_family(parts, params.get("multiplicity"))
    parts += survival_stats(pf, arms, params["endpoints"], params)
    parts.append(competing_stats(pf, arms, params["endpoints"], params))
    parts.append(arm_sizes(pf, arms))
    if params.get("balance") is not None:  # the match stage's, read by Table 1's SMD rows
        parts.append(balance_rows(params["balance"], arms))
    return Analysis(pf, to_frame(parts))


def arm_sizes(pf: pd.DataFrame, arms) -> ArdRows:
    """Patients per arm of the matched pairs (table ``pairs``, statistic ``n``): the N of
    every table header."""
    out = ArdRows("pairs")
    for arm in arms:
        out.add("pairs", "pair_id", "n", len(pf), arm=arm, n=len(pf))
    return out
