"""Radiation dose conversions: units, BED and EQD2 (linear-quadratic model).

BED = n·d·(1 + d/(α/β)) and EQD2 (the paper's "nBED") = BED / (1 + 2/(α/β)), with n
fractions of d = total/n Gy (Fowler 1989, Br J Radiol 62:679). All functions accept
scalars or array-likes and return a float for scalar input, a numpy array otherwise.
"""

from __future__ import annotations

import numpy as np

from spinepair.errors import ConfigError

_UNIT_FACTORS = {"gy": 1.0, "cgy": 0.01}


def _out(x: np.ndarray):
    return float(x) if x.ndim == 0 else x


def to_gy(value, unit: str):
    """Convert a dose from ``unit`` ("Gy" or "cGy", any case) to Gy.

    >>> to_gy(2400, "cGy")
    24.0
    """
    factor = _UNIT_FACTORS.get(str(unit).strip().lower())
    if factor is None:
        raise ConfigError(f"unknown dose unit {unit!r}: use 'Gy' or 'cGy'")
    return _out(np.asarray(value, dtype=float) * factor)


def _check(fractions: np.ndarray, alpha_beta: float) -> None:
    if not alpha_beta > 0:
        raise ConfigError(f"alpha_beta must be a positive number of Gy, got {alpha_beta!r}")
    if np.any(fractions[~np.isnan(fractions)] <= 0):
        raise ValueError("number of fractions must be positive")


def bed(total_gy, fractions, alpha_beta: float = 10.0):
    """Biologically effective dose (Gy) of ``total_gy`` given in ``fractions`` fractions.

    >>> bed(8, 1)
    14.4
    >>> bed(30, 10)
    39.0
    """
    total = np.asarray(total_gy, dtype=float)
    n = np.asarray(fractions, dtype=float)
    _check(n, alpha_beta)
    return _out(total * (1.0 + (total / n) / alpha_beta))


def eqd2(total_gy, fractions, alpha_beta: float = 10.0):
    """Equivalent dose in 2-Gy fractions (Gy), the paper's normalised BED (nBED).

    >>> round(eqd2(8, 1), 10)
    12.0
    >>> round(eqd2(30, 10), 10)
    32.5
    """
    return _out(np.asarray(bed(total_gy, fractions, alpha_beta)) / (1.0 + 2.0 / alpha_beta))
