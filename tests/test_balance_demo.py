"""On the demo run: every covariate and level has one SMD before and one after matching, the
same in the match stage's balance, the ARD (tables ``balance`` and ``table1``), the
diagnostics, the balance page and the Love plot, and equal to MatchIt's summary
(tests/test_balance.py: ATT, the R call beside it)."""

from __future__ import annotations

import pandas as pd
import pytest

from spinepair.matching.balance import read_balance, verdicts
from tests.test_balance import ATT

pytestmark = pytest.mark.workflow


def test_one_smd_per_covariate_everywhere(demo_run):
    res = demo_run / "results"
    bal = read_balance(res / "matched" / "balance.csv")
    assert len(bal) == len(ATT)
    for r in bal.itertuples():  # the demo's eligible cohort and pairs are the fixture's
        want = ATT[r.variable + r.level]
        assert (r.smd_before, r.smd_after) == pytest.approx((want[2], want[5]), rel=1e-6, abs=1e-12)
    ard = pd.read_parquet(res / "ard.parquet")
    after = bal.set_index(["variable", "level"])["smd_after"]
    for table, statistic in (("table1", "smd"), ("balance", "smd_after")):
        rows = ard[(ard["table"] == table) & (ard["statistic"] == statistic)]
        assert len(rows) >= 9
        for r in rows.itertuples():
            assert r.value == pytest.approx(after[(r.variable, r.level)], rel=1e-12, abs=1e-15)
    diag = pd.read_csv(res / "diagnostics.csv", keep_default_na=False)
    graded = diag[(diag["table"] == "diagnostics") & (diag["statistic"] == "abs_smd")]
    want = verdicts(bal, 0.1, 0.25).set_index("variable")
    assert set(graded["variable"]) == set(want.index)
    for r in graded.itertuples():
        assert float(r.value) == pytest.approx(want.loc[r.variable, "abs_smd"], rel=1e-12)
        assert r.status == want.loc[r.variable, "status"]
    page = (res / "matched" / "balance.html").read_text(encoding="utf-8")
    assert "Child-Pugh class: A" in page and "0.482" in page and "0.139" in page
    assert "child_pugh_num" not in page
    cp = want.loc["child_pugh"]
    assert (cp["status"], round(cp["abs_smd"], 3), round(cp["before"], 3)) == ("WARN", 0.139, 0.482)
    assert want.loc["vas_pre", "status"] == "FAIL"
