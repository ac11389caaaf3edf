"""The matching spec (method, distance, exact strata, calipers): its keys and their checks.

A bad spec is a :class:`~spinepair.errors.ConfigError` with a one-line message naming the
key, raised before any matching starts.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from spinepair.errors import ConfigError

METHODS = ("optimal", "greedy", "auto")
DISTANCES = ("mahalanobis", "standardized")
MATCHING_SPEC_KEYS = ("method", "distance", "exact", "calipers", "optimal_max_pairs")
# method "auto": optimal in strata with at most this many index x comparator pairs, else greedy
OPTIMAL_MAX_PAIRS = 25_000_000


def check_matching_spec(spec: dict, columns, table: str = "input") -> None:
    """Raise ConfigError (one line) naming the problem if ``spec`` is not a usable matching
    spec for a table with these ``columns``."""
    if not isinstance(spec, dict):
        kind = type(spec).__name__
        raise ConfigError(f"matching spec must be a mapping, got {kind}")
    unknown = sorted(set(spec) - set(MATCHING_SPEC_KEYS))
    if unknown:
        allowed = list(MATCHING_SPEC_KEYS)
        raise ConfigError(f"matching spec: unknown key(s) {unknown}; allowed: {allowed}")
    if spec.get("method") not in METHODS:
        raise ConfigError(
            f"matching spec: method must be one of {METHODS}, got {spec.get('method')!r}"
        )
    if spec.get("distance") not in DISTANCES:
        raise ConfigError(
            f"matching spec: distance must be one of {DISTANCES}, got {spec.get('distance')!r}"
        )
    exact = spec.get("exact", [])
    if not isinstance(exact, list) or not all(isinstance(v, str) for v in exact):
        raise ConfigError(f"matching spec: exact must be a list of column names, got {exact!r}")
    if len(set(exact)) != len(exact):
        raise ConfigError(f"matching spec: exact lists a variable twice: {exact}")
    calipers = spec.get("calipers")
    if not isinstance(calipers, dict) or not calipers:
        raise ConfigError(
            "matching spec: calipers must be a non-empty mapping variable -> maximum |difference|"
        )
    for var, width in calipers.items():
        if isinstance(width, bool) or not isinstance(width, Real) or not 0 < width < np.inf:
            raise ConfigError(
                f"matching spec: caliper for {var!r} must be a positive finite number, "
                f"got {width!r}"
            )
    limit = spec.get("optimal_max_pairs", OPTIMAL_MAX_PAIRS)
    if isinstance(limit, bool) or not isinstance(limit, Real) or limit < 0:
        raise ConfigError(f"matching spec: optimal_max_pairs must be >= 0, got {limit!r}")
    both = sorted(set(exact) & set(calipers))
    if both:
        raise ConfigError(f"matching spec: {both} both exact and caliper variables; choose one")
    missing = [v for v in [*exact, *calipers] if v not in set(columns)]
    if missing:
        raise ConfigError(f"matching spec: {table} table has no column(s) {missing}")
