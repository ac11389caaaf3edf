"""One SMD per covariate and level: Table 1's SMD rows, the ARD table ``balance`` and the
diagnostics' verdicts all read the match stage's balance (tests/test_balance.py checks that
balance against MatchIt's summary on these data)."""

from __future__ import annotations

import pandas as pd
import pytest

from spinepair.analysis.ard import to_frame
from spinepair.analysis.balance_ard import balance_rows
from spinepair.analysis.diagnostics import balance_checks
from spinepair.analysis.table_stats import table_stats
from tests.test_balance import ATT, DATA, _demo

ROWS = [
    {"variable": "sex", "label": "Sex (M : F)", "kind": "ratio", "levels": ["M", "F"]},
    {"variable": "age_years", "label": "Age, years", "kind": "continuous"},
    {"variable": "child_pugh", "label": "Child-Pugh class", "kind": "categorical"},
    {"variable": "n_mets_cat", "label": "Number of spine metastases", "kind": "categorical"},
    {"variable": "vas_pre", "label": "Pretreatment VAS", "kind": "continuous"},
]
PARAMS = {"alpha": 0.05, "variants": {}}


def _pair_frame() -> pd.DataFrame:
    d = pd.read_csv(DATA).dropna(subset=["pair"])
    idx = d[d["treat"] == 1].set_index("pair").add_suffix("_idx")
    cmp = d[d["treat"] == 0].set_index("pair").add_suffix("_cmp")
    return idx.join(cmp).reset_index(names="pair_id")


def _table1(balance) -> pd.DataFrame:
    parts = table_stats("table1", {"smd": True, "rows": ROWS}, _pair_frame(), ("SRS", "RT"),
                        {**PARAMS, "balance": balance})  # fmt: skip
    ard = to_frame(parts)
    return ard[ard["statistic"] == "smd"]


def test_table1_smd_rows_are_the_balance_and_matchit():
    smd = _table1(_demo("treated"))
    got = {r.variable + r.level: r.value for r in smd.itertuples()}
    assert set(got) == {"sexM", "age_years", "child_pughA", "child_pughB", "child_pughC", "n_mets_cat1",
                        "n_mets_cat2", "n_mets_cat3", "n_mets_cat4", "vas_pre"}  # fmt: skip
    for key, value in got.items():  # MatchIt summary(m, standardize = TRUE), Matched Data
        assert value == pytest.approx(ATT[key][5], rel=1e-6, abs=1e-12), key


def test_table1_refuses_a_balance_of_other_pairs():
    other = _demo("treated")
    other.loc[other["variable"] == "age_years", "mean_control_after"] += 1.0
    with pytest.raises(ValueError, match="pairs differ"):
        _table1(other)


def test_ard_balance_table_and_diagnostics_read_the_same_numbers():
    bal = _demo("treated")
    ard = to_frame([balance_rows(bal, ("SRS", "RT"))])
    cp = ard[(ard["row"] == "child_pugh") & (ard["level"] == "A")]
    got = cp.set_index(["statistic", "arm"])
    assert got.loc[("smd_before", "all"), "analysis_set"] == "eligible cohort"
    assert got.loc[("smd_after", "all"), "analysis_set"] == "matched pairs"
    assert got.loc[("smd_before", "all"), "value"] == pytest.approx(ATT["child_pughA"][2])
    assert got.loc[("smd_after", "all"), "value"] == pytest.approx(ATT["child_pughA"][5])
    assert got.loc[("mean_before", "RT"), "value"] == pytest.approx(ATT["child_pughA"][1])
    assert got.loc[("mean_after", "RT"), "value"] == pytest.approx(ATT["child_pughA"][4])
    assert (got.loc[("mean_before", "RT"), "n"], got.loc[("mean_after", "RT"), "n"]) == (92, 28)
    checks = balance_checks(bal, {"smd_warn": 0.1, "smd_fail": 0.25}, []).set_index("variable")
    assert checks.loc["vas_pre", "abs_smd"] == pytest.approx(ATT["vas_pre"][5], rel=1e-6)
    assert checks.loc["vas_pre", "status"] == "FAIL"
    assert checks.loc["child_pugh", "abs_smd"] == pytest.approx(abs(ATT["child_pughA"][5]))
