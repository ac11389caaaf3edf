"""summary_markdown: one line per declared finding and per survival endpoint, numbers from the
ARD of the hand-built pairs of test_tables, masking of small counts, no paper comparison."""

from __future__ import annotations

import numpy as np
import pytest

from spinepair import stats
from spinepair.analysis import endpoint_definitions
from spinepair.analysis.findings import summary_markdown
from tests.test_tables import ARMS, COLS, PARAMS, TABLES, analysed


@pytest.fixture(scope="module")
def ard():
    return analysed().ard


def line(text: str, start: str) -> str:
    hits = [ln for ln in text.splitlines() if ln.startswith(start)]
    assert len(hits) == 1, (start, text)
    return hits[0]


def holm_of(ard, row: str) -> float:
    """The Holm-adjusted p of ``row`` over the config's family: each member's two-arm test
    (a Bowker row's collapse), as R p.adjust(p, "holm")."""
    family = PARAMS["multiplicity"]["family"]
    tests = ard[(ard["statistic"] == "p") & ard["row"].isin(family)]
    tests = tests[~tests["method"].str.startswith("Bowker")].set_index("row")
    assert sorted(tests.index) == sorted(family)
    adjusted = stats.p_adjust(tests["p"].to_numpy(float), "holm")
    return float(adjusted[list(tests.index).index(row)])


def test_lines(ard):
    text = summary_markdown(ard, TABLES, ARMS, PARAMS)
    # pain: SRS complete 1, partial 3 of 6; RT complete 0, partial 3 of 6 (hand count)
    pain = line(text, "- Pain relief at 1 month")
    bowker_p = stats.bowker(
        ["partial", "partial", "stable", "partial", "complete"],
        ["partial", "partial", "partial", "stable", "stable"],
        categories=["complete", "partial", "stable", "progression"],
    ).pvalue
    assert "SRS Complete 1/6 (16.7%), Partial 3/6 (50.0%)" in pain
    assert "RT Complete 0/6 (0.0%), Partial 3/6 (50.0%)" in pain
    assert "Not evaluable 1/6 (16.7%)" in pain and f", Bowker p={bowker_p:.3f}; " in pain
    # the collapse's own test: complete or partial, SRS [T, T, F, T, T] vs RT [T, T, T, F, F]
    collapse = stats.mcnemar([1, 1, 0, 1, 1], [1, 1, 1, 0, 0]).pvalue
    assert f"; complete or partial: McNemar p={collapse:.3f}" in pain
    tox = line(text, "- Acute toxicity (RTOG, within 90 days), patients with any")
    p = stats.mcnemar([1, 0, 1, 0, 0, 0], [0, 1, 0, 1, 1, 1]).pvalue
    assert (
        tox
        == f"- Acute toxicity (RTOG, within 90 days), patients with any: SRS 2/6 (33.3%) vs RT 4/6 "
        f"(66.7%), McNemar p={p:.3f}, Holm-adjusted p={holm_of(ard, 'tox_any'):.3f}."
    )
    dose, frac = (np.asarray(COLS[c], float) for c in ("margin_dose_gy", "fractions"))
    nbed = stats.paired_t(*(dose * (dose / frac + 10) / 12)).pvalue  # as derive: EQD2
    assert line(text, "- nBED, Gy2/10").endswith(f"paired t p={nbed:.3f}.")
    os_line = line(text, "- Overall survival (matched pairs, n = 6 pairs):")
    # R: quantile(survfit(Surv(os_t[7:12], os_e[7:12]) ~ 1, conf.type="log-log"), .5): 10 (6-NA)
    assert "RT 10.0 (95% CI 6.0-NA) months" in os_line
    assert "HR SRS vs RT 0.67 (95% CI 0.11-3.99)" in os_line  # R coxph, see test_survival_summary
    set_words = "pairs with follow-up MRI (both members), n = 3 pairs"
    lc = line(text, f"- Local control ({set_words}), Kaplan-Meier rates")
    # one analysis set: the pairs whose both members had follow-up MRI (pairs 1, 4, 5). SRS:
    # local failure at 8 and 12, patient 5 dies at 3 (within 3 months of the last imaging:
    # competing, censored at 3 by Kaplan-Meier). R:
    # s <- summary(survfit(Surv(c(8, 12, 3), c(1, 1, 0)) ~ 1), times = c(1, 2, 3, 6, 12))
    # s$surv = 1 1 1 1 0; s$n.risk = 3 3 3 2 1
    assert "SRS 1 mo 100% (95% CI 100%-100%; 3 at risk, fewer than 5)" in lc
    assert "6 mo 100% (95% CI 100%-100%; 2 at risk, fewer than 5), 12 mo 0%" in lc
    # RT: no local failure; deaths at 10 (last imaging 10) and 14 (last imaging 11) are within
    # 3 months, competing; patient 5 censored at 3. R:
    # summary(survfit(Surv(c(10, 14, 3), c(0, 0, 0)) ~ 1), times = c(1, 2, 3, 6, 12))
    # $surv = 1 1 1 1 1; $n.risk = 3 3 3 2 1
    assert "RT 1 mo 100% (95% CI 100%-100%; 3 at risk, fewer than 5)" in lc
    assert "12 mo 100% (95% CI 100%-100%; 1 at risk, fewer than 5)." in lc
    assert "paper" not in text.lower()


def test_only_declared_findings(ard):
    text = summary_markdown(ard, TABLES, ARMS, PARAMS)
    declared = [r for t in TABLES.values() for r in t.get("rows", ()) if r.get("finding")]
    # one line per endpoint and one of rates per endpoint declaring horizons
    endpoints = endpoint_definitions.endpoints(PARAMS["endpoints"]).values()
    n_lines = len(endpoints) + sum(bool(e.horizons) for e in endpoints)
    assert len([ln for ln in text.splitlines() if ln.startswith("- ")]) == len(declared) + n_lines
    assert "Age, years" not in text


def test_masking(ard):
    text = summary_markdown(ard, TABLES, ARMS, {**PARAMS, "mask_below": 3})
    tox = line(text, "- Acute toxicity (RTOG, within 90 days), patients with any")
    assert "SRS <3/6 vs RT 4/6 (66.7%)" in tox
    assert "33.3" not in tox
