"""Covariate balance between arms: means/proportions, SDs, standardised mean differences.

SMD = (mean_t - mean_c) / sqrt((s_t^2 + s_c^2) / 2) (pooled SD as cobalt/MatchIt with
``s.d.denom = "pooled"``); numeric SDs use n - 1, proportions use p (1 - p). Columns of a
numeric dtype are numeric; any other dtype (str, category, bool) is categorical, one row per
level. Missing values are left out of each variable's counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STATS = (
    "n_treated",
    "n_control",
    "mean_treated",
    "mean_control",
    "sd_treated",
    "sd_control",
    "smd",
    "var_ratio",
)


def balance_table(
    df: pd.DataFrame, arm_col: str, variables: list[str], treated_value="SRS"
) -> pd.DataFrame:
    """One row per numeric variable or categorical level: variable, level ("" for numeric),
    kind, n/mean/SD per arm, smd, var_ratio (numeric only; treated over control).

    >>> d = pd.DataFrame({"arm": ["SRS", "SRS", "RT", "RT"], "age": [50, 60, 52, 62]})
    >>> round(float(balance_table(d, "arm", ["age"])["smd"].iloc[0]), 4)  # -2 / sqrt(50)
    -0.2828
    """
    missing = [v for v in [arm_col, *variables] if v not in df.columns]
    if missing:
        raise ValueError(f"balance table: no column(s) {missing}")
    treated = (df[arm_col] == treated_value).to_numpy()
    rows = []
    for var in variables:
        col = df[var]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            x = col.to_numpy(float)
            rows.append({"variable": var, "level": "", "kind": "numeric"})
            rows[-1].update(_numeric(x[treated], x[~treated]))
            continue
        ok = col.notna().to_numpy()
        for level in _levels(col):
            hit = (col == level).to_numpy()
            rows.append({"variable": var, "level": str(level), "kind": "categorical"})
            rows[-1].update(_proportion(hit[treated & ok], hit[~treated & ok]))
    return pd.DataFrame(rows, columns=["variable", "level", "kind", *STATS])


def balance_before_after(
    index_df: pd.DataFrame,
    comparator_df: pd.DataFrame,
    pairs: pd.DataFrame,
    variables: list[str],
    id_col: str = "patient_key",
) -> pd.DataFrame:
    """Balance of all index vs all comparator patients (``*_before``) and of the matched
    patients in ``pairs`` (index_key, comparator_key) (``*_after``), one row per variable/level."""
    arm = "_arm"
    before = pd.concat(
        [index_df.assign(**{arm: "index"}), comparator_df.assign(**{arm: "comparator"})],
        ignore_index=True,
    )
    for var in variables:  # categorical levels of the whole cohort, also after matching
        col = before[var]
        if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            before[var] = pd.Categorical(col, categories=_levels(col))
    matched = before[id_col].isin(pairs["index_key"]) & (before[arm] == "index")
    matched |= before[id_col].isin(pairs["comparator_key"]) & (before[arm] == "comparator")
    tables = [balance_table(d, arm, variables, "index") for d in (before, before[matched])]
    return tables[0].merge(
        tables[1], on=["variable", "level", "kind"], how="left", suffixes=("_before", "_after")
    )


def diagnostic(
    balance: pd.DataFrame, variables: list[str], threshold: float = 0.1
) -> tuple[bool, list[str]]:
    """Whether every listed variable (each level) has |SMD| <= threshold (after matching when
    ``balance`` comes from :func:`balance_before_after`), with one message per failure."""
    col = "smd_after" if "smd_after" in balance.columns else "smd"
    absent = [v for v in variables if v not in set(balance["variable"])]
    if absent:
        raise ValueError(f"balance diagnostic: no balance rows for {absent}")
    where = " after matching" if col == "smd_after" else ""
    messages = []
    for row in balance[balance["variable"].isin(variables)].itertuples(index=False):
        name = row.variable + (f"={row.level}" if row.level != "" else "")
        smd = getattr(row, col)
        if np.isnan(smd):
            messages.append(
                f"{name}: SMD{where} not computable (too few patients with a value in one arm)"
            )
        elif abs(smd) > threshold:
            messages.append(f"{name}: |SMD|{where} {abs(smd):.3f} > {threshold}")
    return not messages, messages


def _levels(col: pd.Series) -> list:
    """Levels of a categorical column: its categories, else its sorted distinct values."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return list(col.cat.categories)
    return sorted(col.dropna().unique(), key=str)


def _numeric(x1: np.ndarray, x0: np.ndarray) -> dict:
    x1, x0 = x1[~np.isnan(x1)], x0[~np.isnan(x0)]
    m1, m0 = _mean(x1), _mean(x0)
    v1 = float(np.var(x1, ddof=1)) if len(x1) > 1 else np.nan
    v0 = float(np.var(x0, ddof=1)) if len(x0) > 1 else np.nan
    return {
        "n_treated": len(x1),
        "n_control": len(x0),
        "mean_treated": m1,
        "mean_control": m0,
        "sd_treated": np.sqrt(v1),
        "sd_control": np.sqrt(v0),
        "smd": _smd(m1, m0, v1, v0),
        "var_ratio": v1 / v0 if v0 > 0 else (1.0 if v1 == 0 else np.nan),
    }


def _proportion(h1: np.ndarray, h0: np.ndarray) -> dict:
    p1, p0 = _mean(h1), _mean(h0)
    v1, v0 = p1 * (1 - p1), p0 * (1 - p0)
    return {
        "n_treated": len(h1),
        "n_control": len(h0),
        "mean_treated": p1,
        "mean_control": p0,
        "sd_treated": np.sqrt(v1),
        "sd_control": np.sqrt(v0),
        "smd": _smd(p1, p0, v1, v0),
        "var_ratio": np.nan,
    }


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else np.nan


def _smd(m1: float, m0: float, v1: float, v0: float) -> float:
    """(m1 - m0) / pooled SD; 0 when both arms are constant and equal, inf when they differ."""
    pooled = np.sqrt((v1 + v0) / 2)
    if np.isnan(m1 - m0) or np.isnan(pooled):
        return np.nan
    if pooled == 0:
        return 0.0 if m1 == m0 else float(np.copysign(np.inf, m1 - m0))
    return float((m1 - m0) / pooled)
