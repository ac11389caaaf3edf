"""Covariate balance before and after matching, as MatchIt 4's ``summary(m, standardize = TRUE)``.

One definition for every output (Table 1 SMD rows, Love plot, balance page, diagnostics, ARD):

- "before" is the whole eligible cohort (MatchIt's "All Data"), "after" the matched patients
  ("Matched Data");
- SMD = (mean treated - mean control) / SD, the SD taken once, in the eligible cohort, and used
  before and after matching: ``treated`` (the index arm's SD, MatchIt's ATT) or ``pooled``
  (sqrt of the mean of both arms' variances, MatchIt's ATE). A variable whose values are all
  0/1 (every level of a categorical covariate) uses the proportion's SD sqrt(p (1 - p)), any
  other the SD with n - 1. When that SD is 0 (no spread in the index arm) the pooled
  within-arm SD weighted by arm size is used, as MatchIt does; means equal within 1.5e-8 give
  SMD 0;
- a categorical covariate is one row per level (the levels of the eligible cohort).

Missing values are left out of each variable's counts (MatchIt refuses them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spinepair.escape import markdown as md

DENOMINATORS = ("treated", "pooled")
KINDS = ("numeric", "categorical", "binary")
SMD_ROWS = {"continuous": "numeric", "categorical": "categorical", "ratio": "categorical",
            "binary": "binary"}  # table row kinds with SMDs (spinepair.analysis.table_stats)  # fmt: skip
_EPS = float(np.sqrt(np.finfo(float).eps))  # MatchIt: sqrt(.Machine$double.eps)
_ARMS = ("treated", "control")
STATS = (
    *(f"{s}_{a}_before" for s in ("n", "mean") for a in _ARMS),
    "sd_denominator",
    "smd_before",
    "var_ratio_before",
    *(f"{s}_{a}_after" for s in ("n", "mean") for a in _ARMS),
    "smd_after",
    "var_ratio_after",
)
COLUMNS = ("variable", "label", "matching", "level", "kind", "denominator", *STATS)


@dataclass(frozen=True)
class Covariate:
    """A covariate whose balance is reported: column, kind (numeric, categorical, or binary: a
    flag, levels "False"/"True"), label, and whether it (or the matching variable it stands
    for) is a matching variable."""

    variable: str
    kind: str
    label: str
    matching: bool = False


def covariates(
    tables: dict, matching: dict, labels: dict, dtypes: dict | None = None
) -> list[Covariate]:
    """The balance covariates of a study config: every table row with an SMD (its label; a
    ``continuous`` row numeric, ``categorical``/``ratio`` rows categorical, ``binary`` rows
    binary; described-only kinds and rows of one arm have none), then
    the matching variables and ``matching.balance_variables`` not shown yet, numeric when
    ``dtypes`` (variable -> numeric?) says so; a variable whose label a row already has (the
    numeric score behind a categorical row, as Child-Pugh class) is that row."""
    calipers = [c["variable"] if isinstance(c, dict) else c for c in matching["calipers"]]
    matched = [*matching.get("exact", []), *calipers]
    out: dict[str, Covariate] = {}
    for decl in tables.values():
        for row in decl.get("rows", ()):
            wanted = row.get("smd", decl.get("smd", False)) and "arms" not in row
            if not wanted or row["kind"] not in SMD_ROWS:
                continue
            var, kind = str(row["variable"]), SMD_ROWS[row["kind"]]
            if var in out and out[var].kind != kind:
                raise ValueError(f"balance: {var!r} is both a numeric and a categorical row")
            out[var] = Covariate(var, kind, str(row.get("label", labels.get(var, var))))
    by_label = {c.label: v for v, c in out.items()}
    for var in dict.fromkeys([*matched, *matching.get("balance_variables", [])]):
        label = str(labels.get(var, var))
        if var in out or label in by_label:
            key = out.get(var) and var or by_label[label]
            if var in matched:
                out[key] = Covariate(out[key].variable, out[key].kind, out[key].label, True)
            continue
        numeric = (dtypes or {}).get(var, True)
        out[var] = Covariate(var, KINDS[0] if numeric else KINDS[1], label, var in matched)
        by_label[label] = var
    return list(out.values())


def balance(
    frame: pd.DataFrame,
    treated: np.ndarray,
    matched: np.ndarray,
    covs: list[Covariate],
    denominator: str = "treated",
) -> pd.DataFrame:
    """One row per numeric covariate or categorical level (columns ``COLUMNS``) of ``frame``
    (the eligible cohort; ``treated``/``matched``: boolean masks of its rows).

    >>> d = pd.DataFrame({"age": [50.0, 60.0, 52.0, 62.0, 70.0]})
    >>> t, m = np.array([1, 1, 0, 0, 0], bool), np.array([1, 1, 1, 1, 0], bool)
    >>> b = balance(d, t, m, [Covariate("age", "numeric", "Age")])
    >>> [round(float(b[c].iloc[0]), 4) for c in ("smd_before", "smd_after")]  # / sd(50, 60)
    [-0.8957, -0.2828]
    """
    if denominator not in DENOMINATORS:
        raise ValueError(f"balance: SMD denominator {denominator!r} not in {DENOMINATORS}")
    missing = [c.variable for c in covs if c.variable not in frame.columns]
    if missing:
        raise ValueError(f"balance: no column(s) {missing}")
    treated, matched = np.asarray(treated, bool), np.asarray(matched, bool)
    rows = []
    for cov in covs:
        col = frame[cov.variable]
        head = {"variable": cov.variable, "label": cov.label, "matching": cov.matching,
                "denominator": denominator}  # fmt: skip
        if cov.kind == "numeric":
            x = pd.to_numeric(col).to_numpy(float, na_value=np.nan)
            rows.append({**head, "level": "", "kind": "numeric"})
            rows[-1].update(_stats(x, treated, matched, denominator))
            continue
        if cov.kind == "binary":
            col = col.map(lambda v: str(bool(v)), na_action="ignore")
        ok = col.notna().to_numpy()
        for level in _levels(col):
            x = np.where(ok, (col.astype(str) == str(level)).to_numpy(float), np.nan)
            rows.append({**head, "level": str(level), "kind": cov.kind})
            rows[-1].update(_stats(x, treated, matched, denominator))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def balance_before_after(
    index_df: pd.DataFrame,
    comparator_df: pd.DataFrame,
    pairs: pd.DataFrame,
    covs: list[Covariate],
    denominator: str = "treated",
    id_col: str = "patient_key",
) -> pd.DataFrame:
    """:func:`balance` of the eligible index (treated) and comparator patients, matched being
    the patients in ``pairs`` (index_key, comparator_key)."""
    frame = pd.concat([index_df, comparator_df], ignore_index=True)
    treated = np.r_[np.ones(len(index_df), bool), np.zeros(len(comparator_df), bool)]
    keys = frame[id_col].astype(str)
    matched = np.where(
        treated,
        keys.isin(pairs["index_key"].astype(str)),
        keys.isin(pairs["comparator_key"].astype(str)),
    )
    return balance(frame, treated, matched, covs, denominator)


def lookup(bal: pd.DataFrame, variable: str, level="") -> pd.Series:
    """The balance row of ``variable`` (and categorical ``level``); an error when absent."""
    hit = bal[(bal["variable"] == str(variable)) & (bal["level"].astype(str) == str(level))]
    if len(hit) != 1:
        raise ValueError(
            f"balance: no row for {variable!r}{f' = {level!r}' if level != '' else ''} "
            "(the match stage computes the balance of every table row with an SMD)"
        )
    return hit.iloc[0]


def _levels(col: pd.Series) -> list:
    """Levels of a categorical column: its categories, else its sorted distinct values."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return list(col.cat.categories)
    return sorted(col.dropna().unique(), key=str)


def _stats(x: np.ndarray, treated: np.ndarray, matched: np.ndarray, denominator: str) -> dict:
    ok = ~np.isnan(x)
    binary = bool(np.isin(x[ok], (0.0, 1.0)).all())
    x1, x0 = x[ok & treated], x[ok & ~treated]
    sd = _denominator(x1, x0, binary, denominator)
    out = {"sd_denominator": sd}
    for when, sel in (("before", ok), ("after", ok & matched)):
        a, b = x[sel & treated], x[sel & ~treated]
        m1, m0 = _mean(a), _mean(b)
        out |= {f"n_treated_{when}": len(a), f"n_control_{when}": len(b)}
        out |= {f"mean_treated_{when}": m1, f"mean_control_{when}": m0}
        out[f"smd_{when}"] = np.nan if len(a) < 2 and len(b) < 2 else _smd(m1 - m0, sd)
        out[f"var_ratio_{when}"] = np.nan if binary else _ratio(a, b)
    return out


def _var(x: np.ndarray, binary: bool) -> float:
    """p (1 - p) of a 0/1 variable, else the variance with n - 1 (MatchIt ``wvar``)."""
    if binary:
        p = _mean(x)
        return p * (1 - p)
    return float(np.var(x, ddof=1)) if len(x) > 1 else np.nan


def _denominator(x1: np.ndarray, x0: np.ndarray, binary: bool, denominator: str) -> float:
    if denominator == "treated":
        sd = np.sqrt(_var(x1, binary))
    else:
        sd = np.sqrt((_var(x1, binary) + _var(x0, binary)) / 2)
    if np.isfinite(sd) and sd >= _EPS:
        return float(sd)
    n = len(x1) + len(x0)  # MatchIt pooled_sd(contribution = "proportional")
    if binary:
        return float(np.sqrt(sum(len(x) * _var(x, True) for x in (x1, x0) if len(x)) / n))
    within = sum(float(((x - x.mean()) ** 2).sum()) for x in (x1, x0) if len(x))
    return float(np.sqrt(within / (n - 2))) if n > 2 else np.nan


def _ratio(a: np.ndarray, b: np.ndarray) -> float:
    v1, v0 = _var(a, False), _var(b, False)
    return v1 / v0 if v0 > 0 else (1.0 if v1 == 0 else np.nan)


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else np.nan


def _smd(diff: float, sd: float) -> float:
    """diff / sd; 0 when the means agree within 1.5e-8 (MatchIt), inf when sd is 0."""
    if np.isnan(diff):
        return np.nan
    if abs(diff) <= _EPS:
        return 0.0
    if sd == 0:
        return float(np.copysign(np.inf, diff))
    return float(diff / sd)


def verdicts(bal: pd.DataFrame, warn: float, fail: float | None = None) -> pd.DataFrame:
    """One row per covariate: variable, label, matching, level (the level of the largest
    |SMD| after matching, the first of equal ones), abs_smd (after), before (that level's
    |SMD| before matching), status: PASS up
    to ``warn``, WARN above it (or when not computable), FAIL above ``fail``; largest first."""
    rows = []
    for var, part in bal.groupby("variable", sort=False):
        after = part["smd_after"].abs().astype(float).round(12)  # ties: the first level
        worst = part.loc[after.fillna(np.inf).idxmax()]
        value = abs(float(worst["smd_after"]))
        failed = fail is not None and value > fail
        status = "FAIL" if failed else "WARN" if np.isnan(value) or value > warn else "PASS"
        rows.append(
            {
                "variable": var,
                "label": worst["label"],
                "matching": bool(worst["matching"]),
                "level": str(worst["level"]),
                "abs_smd": value,
                "before": abs(float(worst["smd_before"])),
                "status": status,
            }
        )
    out = pd.DataFrame(rows)
    return out.sort_values("abs_smd", ascending=False, na_position="first", ignore_index=True)


def balance_markdown(bal: pd.DataFrame) -> str:
    """The balance table as Markdown, its text (labels from the study config) escaped."""
    text = bal.select_dtypes(exclude="number").columns
    shown = bal.assign(**{c: bal[c].map(lambda v: v if pd.isna(v) else md(str(v))) for c in text})
    return shown.to_markdown(index=False, floatfmt=".3f") + "\n"


def read_balance(path) -> pd.DataFrame:
    """A balance CSV as :func:`balance` wrote it (levels as text, numbers as floats)."""
    text = {"level": str, "label": str, "denominator": str}
    bal = pd.read_csv(path, dtype=text, keep_default_na=False)
    for col in STATS:
        bal[col] = pd.to_numeric(bal[col], errors="coerce")
    return bal.assign(matching=bal["matching"].astype(str) == "True")
