"""The generator's acceptance checks (scipy, statsmodels, lifelines, the paper's pain rule)
agree with the pipeline's own implementations on the decisions the calibration makes."""

import itertools

import numpy as np
import pytest

from spinepair.endpoints import pain_response
from spinepair.stats import bowker, kaplan_meier, paired_t, stratified_logrank, welch_t
from spinepair.synth import checks
from spinepair.synth.simparams import ANALGESIC_LEVEL

SEEDS = range(20)


@pytest.mark.parametrize("seed", SEEDS)
def test_t_tests_agree(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(5, 2, 28), rng.normal(5.5, 3, 28)
    assert checks.p_paired(x, y) == pytest.approx(paired_t(x, y).pvalue, rel=1e-9)
    assert checks.p_welch(x[:9], y[:11]) == pytest.approx(welch_t(x[:9], y[:11]).pvalue, rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_bowker_agrees_also_with_empty_off_diagonal_pairs(seed):
    rng = np.random.default_rng(seed)
    cats = list(checks.PAIN_CATEGORIES)
    x = rng.choice(cats, 28, p=[0.2, 0.45, 0.25, 0.1])
    y = rng.choice(cats, 28, p=[0.1, 0.45, 0.37, 0.08])
    assert checks.p_bowker(x, y) == pytest.approx(bowker(x, y, cats).pvalue, rel=1e-9)


def test_bowker_without_discordant_pairs_is_not_computed():
    # R: mcnemar.test(table(factor(x, lv), factor(x, lv))) on an all-concordant table: NA
    same = ["partial", "stable", "stable"]
    assert np.isnan(checks.p_bowker(same, same)) and np.isnan(bowker(same, same).pvalue)


@pytest.mark.parametrize("seed", SEEDS)
def test_kaplan_meier_agrees(seed):
    rng = np.random.default_rng(seed)
    t = np.round(rng.exponential(8, 28), 1)  # rounded: tied times
    e = rng.random(28) < 0.7
    fit, ref = checks.km(t, e), kaplan_meier(t, e)
    grid = np.array([1, 2, 3, 6, 12, t.max() + 1], float)
    np.testing.assert_allclose(checks.km_rates(fit, grid), ref.at(grid).survival, rtol=1e-12)
    np.testing.assert_equal(checks.km_median(fit), ref.median)


@pytest.mark.parametrize("last_event", [True, False])
def test_median_on_a_plateau_at_one_half(last_event):
    # four deaths out of eight bring S to exactly 0.5 at t = 4
    t = np.array([1, 2, 3, 4, 6, 7, 8, 9], float)
    e = np.array([1, 1, 1, 1, 0, 1, 0, last_event], bool)
    want = kaplan_meier(t, e).median
    assert want in (5.5, 6.5)  # midpoint of 4 and the next drop, or of 4 and the last time
    assert checks.km_median(checks.km(t, e)) == want


@pytest.mark.parametrize("seed", SEEDS)
def test_pair_stratified_logrank_agrees(seed):
    rng = np.random.default_rng(seed)
    t1, t0 = np.round(rng.exponential(9, 28), 1), np.round(rng.exponential(11, 28), 1)
    e1, e0 = rng.random(28) < 0.8, rng.random(28) < 0.8
    pair = np.r_[np.arange(28), np.arange(28)]
    ref = stratified_logrank(np.r_[t1, t0], np.r_[e1, e0], np.repeat([1, 0], 28), pair)
    assert checks.p_pair_logrank(t1, e1, t0, e0) == pytest.approx(ref.pvalue, rel=1e-9)


def test_paper_pain_rule_is_the_pipeline_default_everywhere():
    levels = list(ANALGESIC_LEVEL)
    for pre, post, a_pre, a_post in itertools.product(range(11), range(11), levels, levels):
        assert checks.paper_pain_category(pre, post, a_pre, a_post) == pain_response(
            pre, post, a_pre, a_post
        ), (pre, post, a_pre, a_post)


def test_within_tolerances():
    values = np.array([9.0, 10.0, 11.0])  # mean 10, SD 1
    assert checks.within(values, (10.4, 1.05))
    assert not checks.within(values, (10.6, 1.0))
    assert not checks.within(values, (10.0, 1.2))
