"""The multiplicity-adjusted p of a declared family of table rows (study config
``analysis.multiplicity``), written beside each raw p after every table's statistics exist."""

from __future__ import annotations

from spinepair.analysis.ard import ArdRows
from spinepair.stats.multiplicity import p_adjust

ADJUSTMENTS = {"holm": "Holm", "BH": "Benjamini-Hochberg"}


def family_p(parts: list[ArdRows], key: str) -> dict:
    """The ARD row of the p a family member ``key`` (a table row key) adjusts: the p of the
    row's estimate (the test of the contrast shown), else the row's one between-arm p."""
    rows = [r for part in parts for r in part.rows if r["row"] == key and r["arm"] == "all"]
    for statistic in ("estimate", "p"):
        hit = [r for r in rows if r["statistic"] == statistic]
        if len(hit) == 1:
            return hit[0]
    raise ValueError(f"multiplicity family: row {key!r} has no single tested estimate or p")


def adjust_family(parts: list[ArdRows], multiplicity: dict | None) -> None:
    """Add beside each p of the declared family (``analysis.multiplicity``: ``method`` holm
    or BH, ``family`` table row keys) its adjusted p (statistic ``p_adjusted``, R
    ``p.adjust``) to the ARD rows of its table."""
    if not multiplicity:
        return
    method, family = multiplicity["method"], [str(k) for k in multiplicity["family"]]
    chosen = [family_p(parts, key) for key in family]
    adjusted = p_adjust([r["p"] for r in chosen], method)
    words = ADJUSTMENTS[method]
    text = (
        f"{words}-adjusted over the {len(family)} p-values of the declared family "
        f'({", ".join(family)}) (R p.adjust, method = "{method}")'
    )
    tables = {part.table: part for part in parts}
    for r, p in zip(chosen, adjusted):
        tables[r["table"]].add(
            r["row"], r["variable"], "p_adjusted", p, level=r["level"], n=r["n"], p=p, method=text
        )
