"""The survival table (results/tables/survival.*) from the ARD of the 6 hand-built pairs."""

from __future__ import annotations

from spinepair.analysis.ard import to_frame
from spinepair.analysis.pair_frame import pair_frame
from spinepair.analysis.survival_summary import survival_stats
from spinepair.analysis.survival_table import survival_publication_table
from tests.test_tables import ARMS, synthetic

DECLARED = {"os": "OS", "lc": {"title": "Local control", "horizons_months": [6, 12]}}


def test_rows_sets_rates_and_flags():
    ard = to_frame(survival_stats(pair_frame(*synthetic()), ARMS, DECLARED, {"alpha": 0.05}))
    table = survival_publication_table(ard, {"os": "OS", "lc": "Local control"}, ARMS, 3)
    rows = table.rows
    assert list(rows["Level"]) == ["SRS", "RT", "SRS", "RT"]
    assert set(rows["Analysis set"]) == {"matched pairs"}
    assert list(rows["n"]) == ["6"] * 4
    # summary(survfit(Surv(lc_t[1:6], lc_e[1:6]) ~ 1, conf.type = "log-log"), times = 12):
    #   surv 0.375, lower 0.01097, upper 0.808, n.risk 2 (< 3: flagged)
    assert rows.loc[2, "12 months"] == "38% (1–81), 2 at risk*"
    assert rows.loc[0, "12 months"] == ""  # os declares no horizon
    assert "censored at lc_months" in table.notes["b"]
    assert any("Fewer than 3" in f for f in table.footnotes)
