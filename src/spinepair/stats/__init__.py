"""Statistics for matched pairs: paired tests and survival (see ``paired`` and ``survival``)."""

from spinepair.stats._common import StatsInputError, TestResult
from spinepair.stats.paired import (
    bowker,
    independent_t,
    mcnemar,
    paired_t,
    welch_t,
    wilcoxon_signed_rank,
)
from spinepair.stats.survival import (
    CoxResult,
    KaplanMeier,
    KMPoints,
    kaplan_meier,
    stratified_cox,
    stratified_logrank,
)

__all__ = [
    "CoxResult",
    "KMPoints",
    "KaplanMeier",
    "StatsInputError",
    "TestResult",
    "bowker",
    "independent_t",
    "kaplan_meier",
    "mcnemar",
    "paired_t",
    "stratified_cox",
    "stratified_logrank",
    "welch_t",
    "wilcoxon_signed_rank",
]
