"""The demo study's ARD (a real Snakemake run): every tested row of Tables 1-3 has exactly one
effect estimate with its CI (or the reason it has none), the survival endpoints their hazard
ratio and companions, competing risks and the analysed numbers of the flow table."""

import numpy as np
import pandas as pd
import pytest
import yaml

from spinepair.analysis.ard import one, select
from spinepair.analysis.endpoint_definitions import competing_keys
from tests.helpers.workflow import ROOT

pytestmark = pytest.mark.workflow
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
ARMS = (CONFIG["study"]["index_arm"], CONFIG["study"]["comparator_arm"])


@pytest.fixture(scope="module")
def ard(demo_run):
    return pd.read_parquet(demo_run / "results" / "ard.parquet")


def check_every_test_has_one_estimate(ard: pd.DataFrame) -> None:
    tables = [t for t, d in CONFIG["tables"].items() if d.get("layout") != "grades"]
    primary = ard[ard["variant"] == "primary"]
    tests = primary[primary["table"].isin(tables) & (primary["statistic"] == "p")]
    assert len(tests) >= 15
    # a row shown as categories but tested on another variable shows no estimate (#21)
    other = {
        (t, r["variable"])
        for t in tables
        for r in CONFIG["tables"][t]["rows"]
        if "test_variable" in r
    }
    for t in tests.itertuples():
        if t.method.startswith(("Bowker", "Stuart-Maxwell")) or (t.table, t.row) in other:
            # a test of several levels has no one contrast, a test of another variable no
            # estimate of the row shown: no estimate beside its p
            assert select(primary, t.table, t.row, statistic="estimate", level=t.level).empty
            continue
        est = one(primary, t.table, t.row, "estimate", arm=t.arm, level=t.level)
        if est["method"].startswith("not computed: "):
            assert np.isnan(est["value"])
        else:
            assert np.isfinite([est["value"], est["lower"], est["upper"]]).all(), t
            assert est["lower"] <= est["value"] <= est["upper"] and np.array_equal(
                est["p"], t.p, equal_nan=True
            )
    smd_rows = set(primary["table"][primary["statistic"] == "smd"])
    assert smd_rows == {"table1"}  # baseline characteristics only


def check_survival_and_competing(ard: pd.DataFrame) -> None:
    for ep in CONFIG["analysis"]["endpoints"]:
        hr = one(ard, "survival", ep, "estimate", arm="all")
        assert hr["method"].startswith(f"hazard ratio {ARMS[0]} vs {ARMS[1]}")
        assert hr["value"] == one(ard, "survival", ep, "cox_hr", arm="all")["value"]
        for statistic in ("hr_cluster", "lr_p", "score_p", "zph_p", "rmst_difference"):
            assert len(select(ard, "survival", ep, statistic=statistic)) == 1, (ep, statistic)
        flow = select(ard, "flow", ep, statistic="n_analysed").set_index("arm")["value"]
        pairs = one(ard, "survival", ep, "pairs", arm="all")["value"]
        assert sorted(flow.index) == sorted(ARMS)
        # one analysis set per endpoint: each arm is described on the members of its pairs
        for arm in ARMS:
            assert flow[arm] == one(ard, "survival", ep, "n", arm=arm)["value"] == pairs
        sets = set(select(ard, "survival", ep)["analysis_set"]) | set(
            select(ard, "competing", ep)["analysis_set"]
        )
        assert len(sets) == 1, (ep, sets)  # a block never mixes analysis sets
    outside = one(ard, "survival", "lc", "pairs_outside_set")["value"]
    assert outside > 0  # demo patients without follow-up MRI
    for key in competing_keys(CONFIG["analysis"]["endpoints"]):
        for statistic in ("gray_p", "fg_shr"):
            assert np.isfinite(one(ard, "competing", key, statistic)["value"])
        cif = select(ard, "competing", key, statistic="cif")
        assert set(cif["arm"]) == set(ARMS)


def test_every_tested_row_has_one_estimate(ard):
    check_every_test_has_one_estimate(ard)


def test_survival_estimates_competing_risks_and_flow(ard):
    check_survival_and_competing(ard)
