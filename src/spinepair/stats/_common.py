"""Shared pieces of :mod:`spinepair.stats`: the result types, the input error, input checks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from spinepair.errors import SpinepairError


class _ScipyStats:
    """``scipy.stats``, imported on first use. Its import costs a job process 0.5 s of CPU,
    and the jobs that only read the ARD or draw curves (rules survival, figures) import this
    package without ever computing a test. The modules here use it as ``sps``."""

    def __getattr__(self, name: str):
        from scipy import stats

        return getattr(stats, name)


sps = _ScipyStats()


class StatsInputError(SpinepairError, ValueError):
    """The data handed to a statistical test cannot be analysed as given."""


@dataclass(frozen=True)
class TestResult:
    """A test's statistic, two-sided p-value, degrees of freedom and exact variant used."""

    __test__ = False  # not a pytest test class

    statistic: float
    pvalue: float
    df: float | None = None
    method: str = ""


@dataclass(frozen=True)
class Estimate:
    """A point estimate with the two-sided confidence interval and the exact variant used.

    ``conf_level`` is the level the interval reaches: the requested one when reached, else
    the achieved one (e.g. 0.6 for a small exact interval); NaN when there is no interval."""

    estimate: float
    lower: float
    upper: float
    method: str = ""
    conf_level: float = float("nan")


NAN = float("nan")


def not_computed(method: str, df: float | None = None) -> TestResult:
    """A test R cannot compute (statistic NaN, p NA): NaN/NaN with ``method`` saying why."""
    return TestResult(NAN, NAN, df, method)


def z_quantile(alpha: float) -> float:
    """Two-sided standard normal quantile z_{1 - alpha/2}; StatsInputError unless 0 < alpha < 1."""
    if not 0 < alpha < 1:
        raise StatsInputError(f"alpha must be in (0, 1), got {alpha}")
    return float(ndtri(1 - alpha / 2))  # what scipy.stats.norm.ppf computes, without importing it


def as_float(values, name: str) -> np.ndarray:
    """1-D finite float array, or StatsInputError naming ``name``."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{name}: values must be numeric ({exc})") from None
    if arr.ndim != 1:
        raise StatsInputError(f"{name}: expected a 1-D array, got shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise StatsInputError(
            f"{name}: {bad.size} missing or non-finite value(s), first at position {bad[0]}; "
            "drop incomplete observations explicitly before testing"
        )
    return arr


def as_bool(values, name: str) -> np.ndarray:
    """1-D boolean array from bool / 0-1 input, or StatsInputError naming ``name``."""
    arr = np.asarray(values)
    if arr.dtype == bool:
        if arr.ndim != 1:
            raise StatsInputError(f"{name}: expected a 1-D array, got shape {arr.shape}")
        return arr
    num = as_float(arr, name)
    bad = np.flatnonzero((num != 0) & (num != 1))
    if bad.size:
        raise StatsInputError(
            f"{name}: must be boolean or 0/1, found {num[bad[0]]!r} at position {bad[0]}"
        )
    return num == 1


def same_length(**arrays: np.ndarray) -> int:
    """Common length of the named arrays, or StatsInputError listing the lengths."""
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise StatsInputError(f"arrays must have the same length, got {lengths}")
    return next(iter(lengths.values()))
