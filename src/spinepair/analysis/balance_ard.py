"""The match stage's balance (:mod:`spinepair.matching.balance`) as ARD table ``balance``.

Per covariate (row = variable) and level: ``mean_before`` per arm on the eligible cohort
(analysis set "eligible cohort", n = that arm's patients with a value), ``mean_after`` on the
matched pairs ("matched pairs"), and ``smd_before`` / ``smd_after`` (arm "all"), the method
naming the SD in the denominator. A categorical level's mean is its proportion; Table 1's
``smd`` rows are the ``smd_after`` values.
"""

from __future__ import annotations

import pandas as pd

from spinepair.analysis.ard import ArdRows

SETS = {"before": "eligible cohort", "after": "matched pairs"}


def balance_rows(bal: pd.DataFrame, arms) -> ArdRows:
    """ARD rows of a balance frame; ``arms``: (index arm, comparator arm)."""
    out = ArdRows("balance")
    sd = {"treated": f"the {arms[0]} arm's SD", "pooled": "the pooled SD of both arms"}
    for r in bal.itertuples(index=False):
        method = (f"difference in means / {sd[r.denominator]} in the eligible cohort, the same"
                  " before and after matching (as MatchIt's summary)")  # fmt: skip
        for when, name in SETS.items():
            for arm, side in zip(arms, ("treated", "control")):
                out.add(r.variable, r.variable, f"mean_{when}", getattr(r, f"mean_{side}_{when}"),
                        level=r.level, arm=arm, n=int(getattr(r, f"n_{side}_{when}")),
                        analysis_set=name)  # fmt: skip
            out.add(r.variable, r.variable, f"smd_{when}", getattr(r, f"smd_{when}"), level=r.level,
                    analysis_set=name, method=method)  # fmt: skip
    return out


def smd_note(ard: pd.DataFrame, index: str, comparator: str) -> str:
    """The footnote of a table's SMD column: the denominator the ARD's balance rows name
    (the match stage's), else the pair frame's own SD of the index arm."""
    rows = ard[(ard["table"] == "balance") & (ard["statistic"] == "smd_after")]
    how = rows["method"].iloc[0] if len(rows) else f"difference in means / the {index} arm's SD"
    return f"SMD = standardised mean difference {index} minus {comparator}: {how}."
