"""Publication Tables 1-3 of the matched-pair study, built from a pair frame.

Input is :func:`spinepair.analysis.pair_frame.pair_frame` output (``<col>_idx`` = index arm, ``<col>_cmp``
= comparator arm). Cells are formatted strings: mean ± SD, ``n (x.x%)`` (percent of the arm's
patients with a value), or ``n``. Paired tests use complete pairs only; every dropped pair is
counted in a footnote. Each table's footnotes name every test with its exact variant
(the ``method`` strings of :mod:`spinepair.stats`). ``SMD`` is the standardised mean difference
(index minus comparator, pooled SD) of :func:`spinepair.matching.balance.balance_table`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spinepair import stats
from spinepair.matching.balance import balance_table

TOX_TYPES = ("nausea", "sore_throat", "esophagitis", "dry_mouth", "dysphagia", "diarrhea", "skin")
EXTRA_TOX_TYPES = ("fatigue", "myelopathy", "other")
PAIN_LEVELS = ("complete", "partial", "stable", "indeterminate", "progression")
FURTHER_TYPES = ("surgery", "vertebroplasty_kyphoplasty", "srs", "rt")
FURTHER_REASONS = ("tumor_progression", "compression_fracture")
LABEL = {
    "sore_throat": "Sore throat",
    "dry_mouth": "Dry mouth",
    "skin": "Skin problem",
    "surgery": "Surgery",
    "vertebroplasty_kyphoplasty": "Vertebroplasty/kyphoplasty",
    "srs": "SRS",
    "rt": "RT",
    "tumor_progression": "Tumour progression",
    "compression_fracture": "Compression fracture",
    "not_evaluable": "Not evaluable",
}
SHORT = {
    "paired_t": "paired t",
    "welch_t": "Welch t",
    "mcnemar": "McNemar",
    "bowker": "Bowker",
    "wilcoxon": "Wilcoxon signed-rank",
}


@dataclass
class Table:
    """A publication table: formatted ``rows``, ``footnotes``, paper-vs-output
    ``discrepancies`` and the raw numbers behind the rows (``values``, by row key)."""

    name: str
    title: str
    rows: pd.DataFrame
    footnotes: list[str]
    discrepancies: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)


def arm_labels(params: dict) -> tuple[str, str]:
    """(index label, comparator label) from ``params["labels"]`` (default SRS, RT)."""
    labels = params.get("labels") or {}
    return str(labels.get("index", "SRS")), str(labels.get("comparator", "RT"))


def fmt_p(p: float | None) -> str:
    """p-value for print: '<0.001' or three decimals; '' when there is none."""
    if p is None or np.isnan(p):
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_count(n: int, denom: int | None = None) -> str:
    """'n' or 'n (x.x%)' with the percentage of ``denom``."""
    if not denom:
        return str(int(n))
    return f"{int(n)} ({100 * n / denom:.1f}%)"


def _fmt_mean(x: pd.Series, digits: int = 1) -> str:
    x = x.dropna().astype(float)
    if len(x) == 0:
        return ""
    sd = x.std(ddof=1) if len(x) > 1 else float("nan")
    return f"{x.mean():.{digits}f} ± {sd:.{digits}f}"


def _fmt_smd(smd: float) -> str:
    return "" if np.isnan(smd) else f"{smd:.3f}"


class _Builder:
    """Accumulates rows, test methods, footnotes and raw values of one table."""

    def __init__(self, pf: pd.DataFrame, params: dict):
        self.pf = pf
        self.a, self.b = arm_labels(params)
        variants = params.get("variants") or {}
        self.mcnemar_kw = dict(variants.get("mcnemar") or {})
        self.wilcoxon_kw = dict(variants.get("wilcoxon") or {})
        self.rows: list[dict] = []
        self.methods: dict[str, set[str]] = {}
        self.notes: list[str] = []
        self.values: dict = {}

    def columns(self) -> list[str]:
        return ["Variable", "Level", self.a, self.b, "p", "Test", "SMD"]

    def sides(self, col: str) -> tuple[pd.Series, pd.Series]:
        for c in (f"{col}_idx", f"{col}_cmp"):
            if c not in self.pf.columns:
                raise KeyError(f"pair frame has no column {c!r} (derived column {col!r})")
        return self.pf[f"{col}_idx"], self.pf[f"{col}_cmp"]

    def complete(self, label: str, x: pd.Series, y: pd.Series):
        ok = (x.notna() & y.notna()).to_numpy()
        dropped = int((~ok).sum())
        if dropped:
            self.notes.append(
                f"{label}: {dropped} pair(s) with a missing value excluded from the test."
            )
        return x[ok], y[ok]

    def run(self, label: str, kind: str, fn, *args, **kw):
        """Run one test; a test that cannot be computed gives a footnote, not a crash."""
        try:
            res = fn(*args, **kw)
        except stats.StatsInputError as exc:
            self.notes.append(f"{label}: test not computed ({exc}).")
            return None
        self.methods.setdefault(SHORT[kind], set()).add(res.method)
        return res

    def add(self, variable, level="", a="", b="", res=None, kind="", smd=float("nan")):
        self.rows.append(
            {
                "Variable": variable,
                "Level": level,
                self.a: a,
                self.b: b,
                "p": fmt_p(res.pvalue) if res is not None else "",
                "Test": SHORT[kind] if res is not None else "",
                "SMD": _fmt_smd(smd),
            }
        )

    def smd(self, x: pd.Series, y: pd.Series, level=None) -> float:
        """Pooled-SD SMD of a numeric column, or of one level of a categorical column."""
        values = pd.concat([x, y], ignore_index=True)
        arm = np.r_[np.repeat(self.a, len(x)), np.repeat(self.b, len(y))]
        if level is None:
            frame = pd.DataFrame({"arm": arm, "v": pd.to_numeric(values).astype(float)})
            return float(balance_table(frame, "arm", ["v"], self.a)["smd"].iloc[0])
        frame = pd.DataFrame({"arm": arm, "v": values.astype(object)})
        bal = balance_table(frame, "arm", ["v"], self.a)
        hit = bal[bal["level"] == str(level)]
        return float(hit["smd"].iloc[0]) if len(hit) else float("nan")

    def numeric(self, key, label, col, test=True, digits=1):
        x, y = self.sides(col)
        res = None
        if test:
            cx, cy = self.complete(label, x, y)
            res = self.run(label, "paired_t", stats.paired_t, cx, cy)
        self.add(
            label, "", _fmt_mean(x, digits), _fmt_mean(y, digits), res, "paired_t", self.smd(x, y)
        )
        self.values[key] = {
            "label": label,
            "idx": (x.astype(float).mean(), x.astype(float).std(ddof=1), int(x.notna().sum())),
            "cmp": (y.astype(float).mean(), y.astype(float).std(ddof=1), int(y.notna().sum())),
            "p": res.pvalue if res else None,
            "method": res.method if res else "",
        }

    def levels(self, key, label, x, y, levels, res=None, kind="", level_labels=None):
        """Header row (with the test) then one count row per level, n (% of non-missing)."""
        level_labels = level_labels or {}
        self.add(label, "", "", "", res, kind)
        na, nb = int(x.notna().sum()), int(y.notna().sum())
        counts = {"idx": {}, "cmp": {}}
        for lv in levels:
            ka, kb = int((x == lv).sum()), int((y == lv).sum())
            counts["idx"][lv], counts["cmp"][lv] = ka, kb
            name = level_labels.get(lv, LABEL.get(str(lv), str(lv)))
            self.add("", name, fmt_count(ka, na), fmt_count(kb, nb), smd=self.smd(x, y, lv))
        self.values[key] = {
            "label": label,
            **counts,
            "n_idx": na,
            "n_cmp": nb,
            "p": res.pvalue if res else None,
            "method": res.method if res else "",
        }

    def binary(self, key, label, col, test=False, level=""):
        """One row: patients with ``col`` true, n (% of non-missing); McNemar if ``test``."""
        x, y = self.sides(col)
        res = None
        if test:
            cx, cy = self.complete(label, x, y)
            res = self.run(label, "mcnemar", stats.mcnemar, cx, cy, **self.mcnemar_kw)
        xa, ya = x.dropna().astype(bool), y.dropna().astype(bool)
        self.add(
            label,
            level,
            fmt_count(int(xa.sum()), len(xa)),
            fmt_count(int(ya.sum()), len(ya)),
            res,
            "mcnemar",
            self.smd(x.map(_tf, na_action="ignore"), y.map(_tf, na_action="ignore"), "True"),
        )
        self.values[key] = {
            "label": " ".join(p for p in (label, level) if p),
            "idx": int(xa.sum()),
            "cmp": int(ya.sum()),
            "n_idx": len(xa),
            "n_cmp": len(ya),
            "p": res.pvalue if res else None,
            "method": res.method if res else "",
        }

    def mcnemar_on(self, label, x, y, level):
        cx, cy = self.complete(label, x, y)
        return self.run(
            label, "mcnemar", stats.mcnemar, cx == level, cy == level, **self.mcnemar_kw
        )

    def finish(self, name: str, title: str, extra: list[str] = ()) -> Table:
        tests = [f"{k}: {'; '.join(sorted(v))}." for k, v in sorted(self.methods.items())]
        notes = tests + list(extra) + self.notes
        notes.append(
            f"n (%) = patients (% of the arm's patients with a value); SMD = standardised mean "
            f"difference {self.a} minus {self.b} (pooled SD)."
        )
        rows = pd.DataFrame(self.rows, columns=self.columns())
        return Table(name, title, rows, notes, values=self.values)


def _flag(s: pd.Series) -> pd.Series:
    """Boolean column with missing values as False."""
    return s.astype("boolean").fillna(False).astype(bool)


def _tf(v) -> str:
    return str(bool(v))


def table1(pf: pd.DataFrame, params: dict, paper: dict | None = None) -> Table:
    """Table 1, patient characteristics of the matched pairs."""
    t = _Builder(pf, params)
    x, y = t.sides("sex")
    t.add(
        "Sex (M : F)",
        "",
        f"{int((x == 'M').sum())} : {int((x == 'F').sum())}",
        f"{int((y == 'M').sum())} : {int((y == 'F').sum())}",
        smd=t.smd(x, y, "M"),
    )
    t.values["sex"] = {
        "label": "Sex",
        "idx": {"M": int((x == "M").sum()), "F": int((x == "F").sum())},
        "cmp": {"M": int((y == "M").sum()), "F": int((y == "F").sum())},
    }
    t.numeric("age_years", "Age, years", "age_years")
    t.numeric(
        "interval_months", "Interval primary tumour to spine metastasis, months", "interval_months"
    )
    x, y = t.sides("child_pugh")
    levels = ["A", "B"] + (["C"] if ((x == "C") | (y == "C")).any() else [])
    res = t.mcnemar_on("Child-Pugh class (B vs not B)", x, y, "B")
    t.levels("child_pugh", "Child-Pugh class", x, y, levels, res, "mcnemar")
    x, y = t.sides("index_region")
    regions = ["cervical", "thoracic", "lumbar"]
    regions += ["sacral"] if ((x == "sacral") | (y == "sacral")).any() else []
    cx, cy = t.complete("Location", x, y)
    res = t.run("Location", "bowker", stats.bowker, cx, cy, categories=regions)
    t.levels(
        "location",
        "Location of index metastasis",
        x,
        y,
        regions,
        res,
        "bowker",
        {r: r.capitalize() for r in regions},
    )
    xn, yn = t.sides("n_spine_mets")
    cx, cy = t.complete("Number of spine metastases", xn, yn)
    res = t.run(
        "Number of spine metastases",
        "wilcoxon",
        stats.wilcoxon_signed_rank,
        cx,
        cy,
        **t.wilcoxon_kw,
    )
    x, y = t.sides("n_mets_cat")
    t.levels(
        "n_spine_mets",
        "Number of spine metastases",
        x,
        y,
        [1, 2, 3, 4],
        res,
        "wilcoxon",
        {4: ">=4"},
    )
    for col, label, hi in (
        ("ecog_group", "ECOG", ">=2"),
        ("ambulation_group", "Ambulation", ">=3"),
    ):
        x, y = t.sides(col)
        res = t.mcnemar_on(f"{label} ({hi} vs not)", x, y, hi)
        lo = "<=1" if hi == ">=2" else "<=2"
        t.levels(col, label, x, y, [lo, hi], res, "mcnemar")
    t.numeric("tumor_volume_cc", "Tumour volume, cc", "tumor_volume_cc")
    t.numeric("vas_pre", "Pretreatment VAS", "vas_pre")
    t.numeric("margin_dose_gy", "Margin dose, Gy", "margin_dose_gy")
    t.numeric("fractions", "Fractions", "fractions")
    t.numeric("eqd2_gy", "nBED, Gy2/10", "eqd2_gy")
    extra = [
        "Mean ± SD; paired tests on the matched pairs.",
        f"Margin dose: {t.a} dose is the marginal dose at the prescription isodose line.",
        "nBED = BED / (1 + 2/(alpha/beta)) with BED = n d (1 + d/(alpha/beta)) (EQD2).",
        "Child-Pugh, ECOG and ambulation tested as the highest group vs the rest.",
    ]
    table = t.finish("table1", "Table 1. Patient characteristics of the matched pairs", extra)
    table.discrepancies = _discrepancies(table.values, paper, _T1_PAPER, t.a, t.b, "table1")
    return table


def table2(pf: pd.DataFrame, params: dict, paper: dict | None = None) -> Table:
    """Table 2, outcomes: pain, progression, further treatment, toxicity, follow-up."""
    t = _Builder(pf, params)
    t.numeric("vas_change", "VAS change (before minus after)", "vas_change")
    t.numeric("vas_post", "VAS after treatment", "vas_post", test=False)
    cells = []
    within = {}
    for side in ("idx", "cmp"):
        pre, post = pf[f"vas_pre_{side}"], pf[f"vas_post_{side}"]
        arm = t.a if side == "idx" else t.b
        cpre, cpost = t.complete(f"VAS before vs after ({arm})", pre, post)
        res = t.run(f"VAS before vs after ({arm})", "paired_t", stats.paired_t, cpre, cpost)
        within[side] = res.pvalue if res else None
        cells.append(("p" if res.pvalue < 0.001 else "p = ") + fmt_p(res.pvalue) if res else "")
    t.rows.append(
        {
            "Variable": "VAS before vs after, within arm",
            "Level": "",
            t.a: cells[0],
            t.b: cells[1],
            "p": "",
            "Test": SHORT["paired_t"],
            "SMD": "",
        }
    )
    t.values["vas_within"] = within
    x, y = t.sides("pain_response")
    seen = set(x.dropna()) | set(y.dropna())
    levels = [
        lv
        for lv in PAIN_LEVELS
        if lv in seen
        or lv in ("complete", "partial", "progression")
        or (lv == "stable" and "indeterminate" not in seen)
    ]
    evaluable = (x != "not_evaluable") & (y != "not_evaluable")
    if (~evaluable).any():
        t.notes.append(
            f"Pain relief: {int((~evaluable).sum())} pair(s) with a not evaluable response "
            "excluded from the test."
        )
    cx, cy = t.complete("Pain relief", x[evaluable], y[evaluable])
    res = t.run("Pain relief", "bowker", stats.bowker, cx, cy, categories=levels)
    if "not_evaluable" in seen:
        levels = levels + ["not_evaluable"]
    t.levels(
        "pain_relief",
        "Pain relief at 1 month",
        x,
        y,
        levels,
        res,
        "bowker",
        {lv: lv.capitalize() for lv in PAIN_LEVELS},
    )
    t.binary("pain_improved", "Improved (any VAS decrease, unadjusted)", "pain_improved")
    t.binary(
        "other_level",
        "Progression in other spine levels before index progression",
        "other_level_progression_before_index",
        test=True,
    )
    t.binary("further_tx", "Further treatment at index level", "further_tx")
    fa, fb = t.sides("further_tx")
    ia, ib = t.sides("further_tx_interval_months")
    ia, ib = ia[_flag(fa)].dropna(), ib[_flag(fb)].dropna()
    res = t.run("Further treatment interval", "welch_t", stats.welch_t, ia, ib)
    t.add(
        "",
        "Interval, months",
        _fmt_mean(ia),
        _fmt_mean(ib),
        res,
        "welch_t",
        t.smd(ia.reset_index(drop=True), ib.reset_index(drop=True)),
    )
    t.values["further_interval"] = {"p": res.pvalue if res else None}
    for col, levels, title in (
        ("further_tx_type", FURTHER_TYPES, "Further treatment by type"),
        ("further_tx_reason", FURTHER_REASONS, "Further treatment by reason"),
    ):
        x, y = t.sides(col)
        t.add(title)
        t.values[col] = {"idx": {}, "cmp": {}}
        for lv in levels:
            ka, kb = int((x == lv).sum()), int((y == lv).sum())
            t.values[col]["idx"][lv], t.values[col]["cmp"][lv] = ka, kb
            t.add("", LABEL.get(lv, lv), fmt_count(ka), fmt_count(kb))
    t.binary("tox_any", "Toxicity, patients with any", "tox_any", test=True)
    for typ in _tox_types(pf):
        t.binary(f"tox_{typ}", "", f"tox_{typ}", level=LABEL.get(typ, typ.capitalize()))
    t.binary(
        "compression_fracture", "", "compression_fracture", test=True, level="Compression fracture"
    )
    t.numeric("followup_months", "Follow-up, months", "followup_months", test=False)
    t.binary("followup_mri", "Follow-up MRI", "followup_mri")
    extra = [
        "Mean ± SD. VAS change is positive for a decrease in pain.",
        (
            "Further treatment interval: Welch t-test, because the retreated patients of the two "
            "arms are different people, not matched pairs."
        ),
        "Toxicity by type counts patients; a patient may have several types.",
    ]
    table = t.finish("table2", "Table 2. Outcomes of the matched pairs", extra)
    table.discrepancies = _discrepancies(table.values, paper, _T2_PAPER, t.a, t.b, "table2")
    return table


def table3(pf: pd.DataFrame, params: dict) -> Table:
    """Table 3, toxicity profile: patients by type and highest RTOG grade (1, 2, >=3)."""
    a, b = arm_labels(params)
    grades = (("grade 1", 1, 1), ("grade 2", 2, 2), ("grade >=3", 3, 5))
    cols = ["Variable"] + [
        f"{arm} {g}" for arm in (a, b) for g in ("any", *[n for n, *_ in grades])
    ]
    types = _tox_types(pf)
    rows = []
    max_grade = {
        s: pd.concat(
            [pf[f"tox_{ty}_grade_{s}"] for ty in types + list(_extra_graded(pf, types))], axis=1
        ).max(axis=1)
        for s in ("idx", "cmp")
    }
    row = {"Variable": "Patients with any toxicity"}
    for arm, s in ((a, "idx"), (b, "cmp")):
        anyv = pf[f"tox_any_{s}"].dropna().astype(bool)
        row[f"{arm} any"] = fmt_count(int(anyv.sum()), len(anyv))
        for name, lo, hi in grades:
            row[f"{arm} {name}"] = fmt_count(int(max_grade[s].between(lo, hi).sum()))
    rows.append(row)
    ungraded = {
        arm: int((_flag(pf[f"tox_any_{s}"]) & (max_grade[s].fillna(0) < 1)).sum())
        for arm, s in ((a, "idx"), (b, "cmp"))
    }
    for ty in types:
        row = {"Variable": LABEL.get(ty, ty.capitalize())}
        for arm, s in ((a, "idx"), (b, "cmp")):
            row[f"{arm} any"] = fmt_count(int(_flag(pf[f"tox_{ty}_{s}"]).sum()))
            g = pf[f"tox_{ty}_grade_{s}"]
            for name, lo, hi in grades:
                row[f"{arm} {name}"] = fmt_count(int(g.between(lo, hi).sum()))
        rows.append(row)
    row = {"Variable": "Compression fracture"}
    for arm, s in ((a, "idx"), (b, "cmp")):
        row[f"{arm} any"] = fmt_count(int(_flag(pf[f"compression_fracture_{s}"]).sum()))
    rows.append(row)
    notes = [
        (
            "Patients by toxicity type and highest RTOG grade of that type; a patient may have "
            "several types. 'Patients with any toxicity' is split by the patient's highest grade."
        ),
        "Compression fracture is not graded in the derived data (grade cells left empty).",
    ]
    if any(ungraded.values()):
        notes.append(
            "Patients with any toxicity whose only toxicity is an (ungraded) compression "
            "fracture, counted in no grade column: "
            + ", ".join(f"{arm} {n}" for arm, n in ungraded.items())
            + "."
        )
    frame = pd.DataFrame(rows, columns=cols).fillna("")
    return Table("table3", "Table 3. Toxicity profile by type and RTOG grade", frame, notes)


def _tox_types(pf: pd.DataFrame) -> list[str]:
    """The paper's types, then any extra type (fatigue, myelopathy, other) seen in the data."""
    extra = [
        ty
        for ty in EXTRA_TOX_TYPES
        if f"tox_{ty}_idx" in pf.columns
        and (_flag(pf[f"tox_{ty}_idx"]).any() or _flag(pf[f"tox_{ty}_cmp"]).any())
    ]
    return list(TOX_TYPES) + extra


def _extra_graded(pf: pd.DataFrame, types: list[str]) -> list[str]:
    """Graded types not shown as rows (all zero) but part of the patient's highest grade."""
    return [ty for ty in EXTRA_TOX_TYPES if ty not in types and f"tox_{ty}_grade_idx" in pf.columns]


# Row key of the table -> key of config/reference_paper.yaml (table section) holding paper counts.
_T1_PAPER = {
    "sex": "sex_m_f",
    "child_pugh": "child_pugh",
    "location": "location",
    "n_spine_mets": "number_of_spine_mets",
    "ecog_group": "ecog",
    "ambulation_group": "ambulation",
}
_T2_PAPER = {
    "pain_relief": "pain_relief",
    "pain_improved": "pain_improved_unadjusted",
    "other_level": "other_level_progression_before_index",
    "tox_any": "toxicity_any",
    **{f"tox_{ty}": f"toxicity_by_type.{ty}" for ty in TOX_TYPES},
    "compression_fracture": "toxicity_by_type.compression_fracture",
}


def _paper_counts(target, side: str):
    value = target.get(side) if isinstance(target, dict) else None
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return {"M": value[0], "F": value[1]}
    return value


def _discrepancies(values, paper, mapping, a, b, section) -> list[str]:
    """Paper-vs-output notes: counts that differ from the paper's, and the paper's own notes
    on a row (e.g. a misprinted percentage)."""
    if not paper or section not in paper:
        return []
    out = []
    for key, path in mapping.items():
        target = paper[section]
        for part in path.split("."):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        if key not in values or not target:
            continue
        v = values[key]
        for side, arm, paper_side in (("idx", a, "srs"), ("cmp", b, "rt")):
            want = _paper_counts(target, paper_side)
            got = v[side]
            if isinstance(got, dict) and isinstance(want, dict):
                got = {str(k) if k != 4 else ">=4": n for k, n in got.items()}
                diff = {
                    k: (got.get(str(k), 0), n) for k, n in want.items() if got.get(str(k), 0) != n
                }
                if diff:
                    text = ", ".join(f"{k}: {g} vs paper {w}" for k, (g, w) in diff.items())
                    out.append(f"{v.get('label') or key} ({arm}): {text}")
            elif isinstance(want, int) and got != want:
                out.append(f"{v.get('label') or key} ({arm}): output {got}, paper {want}")
        if isinstance(target, dict) and "note" in target:
            counts = ", ".join(
                f"{arm} {fmt_count(v[s], v.get('n_' + s))}"
                for s, arm in (("idx", a), ("cmp", b))
                if isinstance(v.get(s), int)
            )
            out.append(
                f"{v.get('label') or key}: output {counts}; note on the paper: {target['note']}"
            )
    return out
