"""ARD rows of a table of patients by event type and highest grade (``layout: grades``).

Declaration (study config ``tables.<name>``)::

    layout: grades
    any: {variable: tox_any, label: Patients with any toxicity}
    types: {vocabulary: toxicity_type, variable: "tox_{level}", grade: "tox_{level}_grade",
            show: [nausea, ...]}          # other types shown when someone has them
    grades: [{label: grade 1, min: 1, max: 1}, ...]
    ungraded: [{variable: compression_fracture, label: Compression fracture}]

Rows (``row`` column): ``any`` (patients with any event, split by their highest grade over
every type), ``any_ungraded_only`` (patients with any event but no graded one), one row per
shown type (patients with it, by its highest grade) and one per ungraded event (patients only).
"""

from __future__ import annotations

import pandas as pd

from spinepair.analysis import levels as vocab
from spinepair.analysis.ard import ArdRows
from spinepair.analysis.table_stats import TableStats, flag


def grade_stats(name: str, decl: dict, pf: pd.DataFrame, arms) -> ArdRows:
    """The ARD rows of a ``grades`` table (see the module docstring)."""
    t = TableStats(name, pf, tuple(arms), {})
    types = decl["types"]
    shown = t.flag_levels(types)
    graded = [
        lv
        for lv in vocab.levels(types["vocabulary"])
        if f"{types['grade'].format(level=lv)}_idx" in pf.columns
    ]
    any_var = decl["any"]["variable"]
    for arm, side in zip(t.arms, ("idx", "cmp")):
        highest = pd.concat(
            [pf[f"{types['grade'].format(level=lv)}_{side}"] for lv in graded], axis=1
        ).max(axis=1)
        anyv = pf[f"{any_var}_{side}"]
        # every cell is a percentage of the arm's patients with a known toxicity status
        per = {"arm": arm, "denominator": int(anyv.notna().sum())}
        t.out.add("any", any_var, "n", int(flag(anyv).sum()), **per)
        _by_grade(t.out, "any", "highest_grade", highest, decl["grades"], per)
        only = flag(anyv) & (highest.fillna(0) < 1)
        t.out.add("any_ungraded_only", any_var, "n", int(only.sum()), **per)
        for lv in shown:
            col = types["variable"].format(level=lv)
            t.out.add(lv, col, "n", int(flag(pf[f"{col}_{side}"]).sum()), **per)
            grade = types["grade"].format(level=lv)
            _by_grade(t.out, lv, grade, pf[f"{grade}_{side}"], decl["grades"], per)
        for spec in decl.get("ungraded", ()):
            col = spec["variable"]
            t.out.add(col, col, "n", int(flag(pf[f"{col}_{side}"]).sum()), **per)
    return t.out


def _by_grade(out: ArdRows, row: str, variable: str, grade: pd.Series, grades, per) -> None:
    for g in grades:
        n = int(grade.between(g["min"], g["max"]).sum())
        out.add(row, variable, "n", n, level=g["label"], **per)
