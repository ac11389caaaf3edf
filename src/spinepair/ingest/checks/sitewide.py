"""Checks that look at a whole site, run on a site read in parts (:mod:`..partition`).

Three checks compare a value with the rest of the site: a sentinel code with its column's
distribution, the share of doses in another unit, and one person under two patient ids
(whose rows may fall in different parts). A site read in parts runs each part twice at
most: first every part with :meth:`Sitewide.collect` on, which gathers compact facts
(value counts of numeric columns, dose counts, identity keys) and fails nothing; then,
with the facts of the whole site settled, only the parts in which one of these checks
fails are run again, now failing exactly the rows the whole site would.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def quantile(values: np.ndarray, counts: np.ndarray, q: float) -> float:
    """``numpy.quantile`` (linear) of the values repeated by their counts, without them.

    The two order statistics around position (n - 1) q are interpolated by numpy itself
    as the quantile ``g`` of the pair, which takes the same steps bit for bit.
    """
    order = np.argsort(values, kind="stable")
    v, cum = values[order], np.cumsum(counts[order])
    n = int(cum[-1])
    h = (n - 1) * q
    j = int(np.floor(h))
    a = v[np.searchsorted(cum, j, side="right")]
    b = v[np.searchsorted(cum, min(j + 1, n - 1), side="right")]
    return float(np.quantile(np.array([a, b], dtype="float64"), h - j))


class Sitewide:
    """Facts of the whole site for the checks of one part (see module docstring)."""

    def __init__(self, limits: dict):
        self.limits = limits
        self.collecting = True
        self.part = 0
        self._values: dict[tuple, list[pd.Series]] = {}
        self._codes: dict[tuple, dict[int, set]] = {}
        self._doses: list[dict] = []
        self._keys: dict[str, list[pd.DataFrame]] = {"rrn": [], "name": []}
        self.sentinels: dict[tuple, tuple | None] = {}
        self.unit: dict[str, tuple] = {}
        self.clashes: dict[str, pd.Series] = {}

    # -- sentinel codes -------------------------------------------------------------
    def sentinel(self, key: tuple, num: pd.Series, code: pd.Series) -> tuple | None:
        """(99th percentile, min, max, n) of the site's non-code values of a column, or
        None (nothing to fail) while collecting or when too few."""
        if self.collecting:
            rest = num[~code].dropna()
            self._values.setdefault(key, []).append(rest.value_counts(sort=False))
            if code.any():
                self._codes.setdefault(key, {}).setdefault(self.part, set()).update(num[code])
            return None
        return self.sentinels.get(key)

    def _settle_sentinels(self) -> set[int]:
        parts = set()
        for key, tallies in self._values.items():
            counts = pd.concat(tallies).groupby(level=0).sum()
            n = int(counts.sum())
            if n < self.limits["sentinel_min_values"] or not self._codes.get(key):
                self.sentinels[key] = None
                continue
            values = counts.index.to_numpy(dtype="float64")
            top = quantile(values, counts.to_numpy(), 0.99)
            bottom = float(values.min())
            self.sentinels[key] = (top, bottom, float(values.max()), n)
            for part, codes in self._codes[key].items():
                if any(stands_out(c, top, bottom, self.limits) for c in codes):
                    parts.add(part)
        return parts

    # -- dose unit ------------------------------------------------------------------
    def dose_unit(self, known: int, sides: list[tuple[str, pd.Series, pd.Series]]):
        """Per side: (site doses known, site doses on that side, first row) when the site
        fails the unit check on that side, else None; nothing while collecting."""
        if self.collecting:
            entry = {"part": self.part, "known": known}
            for side, mask, rows in sides:
                entry[side] = (int(mask.sum()), rows[mask].min() if mask.any() else None)
            self._doses.append(entry)
            return {side: None for side, _, _ in sides}
        return {side: self.unit.get(side) for side, _, _ in sides}

    def _settle_unit(self) -> set[int]:
        parts = set()
        known = sum(e["known"] for e in self._doses)
        share = self.limits["dose_unit_share"]
        sides = [k for e in self._doses for k in e if k not in ("part", "known")]
        for side in dict.fromkeys(sides):
            n = sum(e[side][0] for e in self._doses)
            rows = [e[side][1] for e in self._doses if e[side][1] is not None]
            if known and n >= share * known and rows:
                first = min(rows)
                self.unit[side] = (known, n, first)
                parts |= {e["part"] for e in self._doses if e[side][1] == first}
        return parts

    # -- one person, two ids ----------------------------------------------------------
    def same_person(self, kind: str, keys: pd.DataFrame) -> pd.Series | None:
        """Clashing key -> "rows ..." text over the whole site; None while collecting."""
        if self.collecting:
            ok = keys[keys["key"].notna() & keys["id"].notna()]
            self._keys[kind].append(ok.assign(part=self.part))
            return None
        return self.clashes.get(kind, pd.Series(dtype="string"))

    def _settle_persons(self) -> set[int]:
        parts = set()
        for kind, frames in self._keys.items():
            frames = [f for f in frames if len(f)]
            if not frames:
                continue
            keys = pd.concat(frames, ignore_index=True)
            self.clashes[kind] = clash_rows(keys)
            parts |= set(keys.loc[keys["key"].isin(self.clashes[kind].index), "part"])
        return parts

    def settle(self) -> set[int]:
        """End collecting: the site's facts; returns the parts to run again."""
        self.collecting = False
        parts = self._settle_sentinels() | self._settle_unit() | self._settle_persons()
        self._values, self._codes, self._doses = {}, {}, []
        self._keys = {"rrn": [], "name": []}
        return parts


def stands_out(value: float, top: float, bottom: float, limits: dict) -> bool:
    """Whether a code value stands out from its column (as plausibility.check_sentinel
    decides for a whole column)."""
    return value > limits["sentinel_factor"] * max(top, 0) or (value < 0 and bottom >= 0)


def clash_rows(keys: pd.DataFrame) -> pd.Series:
    """Key -> "r1, r2, ..." (the rows of its ids) for keys held by more than one id."""
    ids = keys.groupby("key")["id"].nunique()
    clashing = keys[keys["key"].isin(ids.index[ids > 1])]
    return clashing.groupby("key")["row"].agg(lambda r: ", ".join(map(str, sorted(r))))
