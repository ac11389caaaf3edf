"""Statistics for matched pairs: paired tests, effect estimates, survival, competing risks,
power, multiplicity (see the modules ``paired``, ``estimates``, ``ranksum``, ``survival``,
``cox``, ``rmst``, ``competing``, ``finegray``, ``fgcox``, ``power`` and ``multiplicity``)."""

from spinepair.stats._common import Estimate, StatsInputError, TestResult
from spinepair.stats.adjusted import (
    AdjustedEffect,
    conditional_logistic,
    paired_difference_regression,
    stratified_cox_adjusted,
)
from spinepair.stats.competing import CIFPoints, CumulativeIncidence, cuminc, gray_test
from spinepair.stats.cox import ClusteredCox, cox_cluster, cox_zph
from spinepair.stats.estimates import (
    DiscordantOddsRatio,
    hodges_lehmann,
    mcnemar_odds_ratio,
    paired_mean_difference,
    paired_risk_difference,
)
from spinepair.stats.fgcox import fine_gray_coxph
from spinepair.stats.finegray import FineGrayResult, fine_gray
from spinepair.stats.multiplicity import P_ADJUST_METHODS, p_adjust
from spinepair.stats.paired import (
    bowker,
    independent_t,
    mcnemar,
    paired_t,
    stuart_maxwell,
    welch_t,
    wilcoxon_signed_rank,
)
from spinepair.stats.power import (
    SampleSize,
    logrank_detectable,
    logrank_events,
    logrank_pairs,
    mcnemar_detectable,
    mcnemar_pairs,
    mcnemar_power,
    paired_t_detectable,
    paired_t_pairs,
    paired_t_power,
)
from spinepair.stats.ranksum import hodges_lehmann_shift, wilcoxon_rank_sum
from spinepair.stats.rmst import RMST, rmst, rmst_difference
from spinepair.stats.survival import (
    CoxResult,
    KaplanMeier,
    KMPoints,
    kaplan_meier,
    stratified_cox,
    stratified_logrank,
)
from spinepair.stats.timefix import timefix

__all__ = [
    "P_ADJUST_METHODS",
    "RMST",
    "AdjustedEffect",
    "CIFPoints",
    "ClusteredCox",
    "CoxResult",
    "CumulativeIncidence",
    "DiscordantOddsRatio",
    "Estimate",
    "FineGrayResult",
    "KMPoints",
    "KaplanMeier",
    "SampleSize",
    "StatsInputError",
    "TestResult",
    "bowker",
    "conditional_logistic",
    "cox_cluster",
    "cox_zph",
    "cuminc",
    "fine_gray",
    "fine_gray_coxph",
    "gray_test",
    "hodges_lehmann",
    "hodges_lehmann_shift",
    "independent_t",
    "kaplan_meier",
    "logrank_detectable",
    "logrank_events",
    "logrank_pairs",
    "mcnemar",
    "mcnemar_detectable",
    "mcnemar_odds_ratio",
    "mcnemar_pairs",
    "mcnemar_power",
    "p_adjust",
    "paired_difference_regression",
    "paired_mean_difference",
    "paired_risk_difference",
    "paired_t",
    "paired_t_detectable",
    "paired_t_pairs",
    "paired_t_power",
    "rmst",
    "rmst_difference",
    "stratified_cox",
    "stratified_cox_adjusted",
    "stratified_logrank",
    "stuart_maxwell",
    "timefix",
    "welch_t",
    "wilcoxon_rank_sum",
    "wilcoxon_signed_rank",
]
