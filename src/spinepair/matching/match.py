"""1:1 matching without replacement of the comparator arm to the index arm.

Exact strata, calipers on numeric variables, and a Mahalanobis or standardised
distance on the caliper variables. ``greedy`` is nearest neighbour in index-id
order; ``optimal`` maximises the number of pairs, then minimises the total distance.
Only admissible pairs (same stratum, every |difference| <= caliper) are ever built.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from spinepair.matching.spec import OPTIMAL_MAX_PAIRS, check_matching_spec

_CHUNK = 4_000_000  # candidate window elements examined per vectorised step
_TIE_DECIMALS = 10  # distances equal to 1e-10 are ties, broken by comparator id
_TARGET = 24  # greedy: aim for about this many candidates per index patient in the first pass


@dataclass(frozen=True)
class MatchResult:
    """Pairs (pair_id, index_key, comparator_key, distance, diff_<var>...) and unmatched index
    patients (index_key, reason)."""

    pairs: pd.DataFrame
    unmatched: pd.DataFrame


def match(
    index: pd.DataFrame, comparator: pd.DataFrame, spec: dict, id_col: str = "patient_key"
) -> MatchResult:
    """Match each index patient to at most one comparator; no comparator is used twice.

    The distance is computed on the caliper variables: Mahalanobis with the pooled
    within-arm covariance of all complete rows of both inputs (as MatchIt), or
    ``standardized`` (same with the covariance's diagonal only); ``distance`` is the square
    root of the quadratic form. Index patients are processed, and ties broken, by id as a
    string, so the result does not depend on row order. ``method`` is ``optimal``,
    ``greedy`` or ``auto``: optimal within the exact strata having at most
    ``optimal_max_pairs`` (default 25 million) index x comparator pairs, greedy elsewhere.

    >>> idx = pd.DataFrame({"patient_key": ["a", "b"], "sex": ["F", "M"], "age": [50, 70]})
    >>> cmp = pd.DataFrame({"patient_key": ["x", "y"], "sex": ["F", "F"], "age": [52, 80]})
    >>> spec = {"method": "optimal", "distance": "standardized", "exact": ["sex"],
    ...         "calipers": {"age": 5}}
    >>> res = match(idx, cmp, spec)
    >>> res.pairs[["pair_id", "index_key", "comparator_key", "diff_age"]].to_dict("records")
    [{'pair_id': 1, 'index_key': 'a', 'comparator_key': 'x', 'diff_age': -2.0}]
    >>> res.unmatched.to_dict("records")
    [{'index_key': 'b', 'reason': 'no comparator in stratum sex=M'}]
    """
    check_matching_spec(spec, index.columns, "index")
    check_matching_spec(spec, comparator.columns, "comparator")
    exact = list(spec.get("exact", []))
    calipers = {v: float(w) for v, w in spec["calipers"].items()}
    cvars = list(calipers)
    for name, df in (("index", index), ("comparator", comparator)):
        _check_frame(df, name, id_col, cvars)
    ix = _sorted_by_id(index, id_col)
    cx = _sorted_by_id(comparator, id_col)
    mvars = [*exact, *cvars]
    ix_ok = ix[mvars].notna().all(axis=1).to_numpy()
    cx = cx[cx[mvars].notna().all(axis=1).to_numpy()].reset_index(drop=True)

    xi = ix[cvars].to_numpy(float)
    xc = cx[cvars].to_numpy(float)
    transform, reach = distance_transform(xi[ix_ok], xc, spec["distance"])
    si, sc, labels = _strata(ix, cx, exact)
    si[~ix_ok] = -1
    args = (xi, xc, si, sc, np.array([calipers[v] for v in cvars]), xi @ transform, xc @ transform)
    if spec["method"] == "greedy":
        chosen, n_cand = _greedy(*args, reach)
    elif spec["method"] == "optimal":
        chosen, n_cand = _optimal(*args)
    else:
        chosen, n_cand = _auto(args, reach, len(labels), spec)

    matched = np.flatnonzero(chosen >= 0)
    comp = chosen[matched]
    pairs = pd.DataFrame(
        {
            "pair_id": np.arange(1, len(matched) + 1),
            "index_key": ix[id_col].to_numpy()[matched],
            "comparator_key": cx[id_col].to_numpy()[comp],
            "distance": np.linalg.norm((xi[matched] - xc[comp]) @ transform, axis=1),
        }
    )
    for var in mvars:
        a, b = ix[var].to_numpy()[matched], cx[var].to_numpy()[comp]
        numeric = pd.api.types.is_numeric_dtype(ix[var]) and pd.api.types.is_numeric_dtype(cx[var])
        pairs[f"diff_{var}"] = a.astype(float) - b.astype(float) if numeric else 0.0
    n_stratum = np.bincount(sc, minlength=len(labels))
    caliper_text = ", ".join(f"{v} {spec['calipers'][v]}" for v in cvars)
    reasons = []
    for i in np.flatnonzero(chosen < 0):
        if not ix_ok[i]:
            gone = [v for v in mvars if pd.isna(ix[v].iloc[i])]
            reasons.append(f"missing value in {', '.join(gone)}")
        elif n_stratum[si[i]] == 0:
            reasons.append(f"no comparator in stratum {labels[si[i]]}")
        elif n_cand[i] == 0:
            reasons.append(
                f"no comparator inside the calipers ({caliper_text}) in stratum {labels[si[i]]}"
            )
        else:
            reasons.append("candidates used by other pairs")
    unmatched = pd.DataFrame(
        {"index_key": ix[id_col].to_numpy()[chosen < 0], "reason": pd.Series(reasons, dtype=object)}
    )
    return MatchResult(pairs=pairs, unmatched=unmatched)


def _check_frame(df: pd.DataFrame, name: str, id_col: str, cvars: list[str]) -> None:
    if id_col not in df.columns:
        raise ValueError(f"{name} table has no id column {id_col!r}")
    ids = df[id_col]
    if ids.isna().any():
        raise ValueError(f"{name} table: {int(ids.isna().sum())} row(s) with a missing {id_col}")
    dup = ids.astype(str)[ids.astype(str).duplicated()]
    if len(dup):
        raise ValueError(f"{name} table: duplicated {id_col} {sorted(set(dup))[:5]}")
    for var in cvars:
        col = df[var]
        if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            raise ValueError(
                f"{name} table: caliper variable {var!r} must be numeric, got dtype {col.dtype}"
            )


def _sorted_by_id(df: pd.DataFrame, id_col: str) -> pd.DataFrame:
    order = np.argsort(df[id_col].astype(str).to_numpy(), kind="stable")
    return df.iloc[order].reset_index(drop=True)


def distance_transform(xi: np.ndarray, xc: np.ndarray, distance: str):
    """(L, reach): distance = ||(x_i - x_j) L|| with L L' the (pseudo-)inverse of the pooled
    within-arm covariance of rows ``xi`` and ``xc`` (its diagonal for ``standardized``);
    reach[v] bounds |x_iv - x_jv| per unit of distance (inf when the covariance is singular)."""
    parts = [x - x.mean(axis=0) for x in (xi, xc) if len(x)]
    dev = np.vstack(parts) if parts else np.zeros((0, xi.shape[1]))
    cov = dev.T @ dev / max(len(dev) - len(parts), 1)
    if distance == "standardized":
        cov = np.diag(np.diag(cov))
    vals, vecs = np.linalg.eigh(cov)
    keep = vals > vals.max(initial=0.0) * 1e-12
    full = keep.all() and len(vals) > 0
    reach = np.sqrt(np.diag(cov)) if full else np.full(len(vals), np.inf)
    return vecs[:, keep] / np.sqrt(vals[keep]), reach


def _strata(ix: pd.DataFrame, cx: pd.DataFrame, exact: list[str]):
    """Integer stratum codes for both tables and a label per code."""
    if not exact:
        return np.zeros(len(ix), np.int64), np.zeros(len(cx), np.int64), ["(all)"]
    both = pd.concat([ix[exact], cx[exact]], ignore_index=True)
    codes, values = np.zeros(len(both), np.int64), []
    for var in exact:
        c, u = pd.factorize(both[var].astype(str), sort=True)
        codes = codes * len(u) + c
        values.append(u)
    ucodes, codes = np.unique(codes, return_inverse=True)
    labels = []
    for code in ucodes:
        parts = []
        for var, u in zip(exact[::-1], values[::-1], strict=True):
            code, k = divmod(int(code), len(u))
            parts.insert(0, f"{var}={u[k]}")
        labels.append(", ".join(parts))
    return codes[: len(ix)], codes[len(ix) :], labels


class _Blocks:
    """Comparators blocked by (stratum, cell of width h[q] on variable q) and sorted by variable
    p within a block, to list those inside the box |x_i - x_j| <= h without a distance matrix."""

    def __init__(self, xc, sc, h):
        self.xc, self.h = xc, h
        self.p, self.q = _box_vars(xc, h)
        q = self.q
        self.tol = 1e-9 * (1.0 + np.abs(xc[:, q]).max(initial=0.0) / h[q])
        cell = np.floor(xc[:, q] / h[q]).astype(np.int64)
        self.cmin = cell.min(initial=0) - 2
        self.width = cell.max(initial=0) - self.cmin + 3
        key = sc * self.width + (cell - self.cmin)
        self.order = np.lexsort((xc[:, self.p], key))
        self.xp = xc[self.order, self.p]
        self.blocks, self.bstart = np.unique(key[self.order], return_index=True)
        self.bend = np.append(self.bstart[1:], len(key))

    def windows(self, xi, si, rows):
        """(row, lo, hi): comparators order[lo:hi] can be in row's box."""
        p, q, h = self.p, self.q, self.h
        lo_cell = np.floor((xi[rows, q] - h[q]) / h[q] - self.tol).astype(np.int64)
        hi_cell = np.floor((xi[rows, q] + h[q]) / h[q] + self.tol).astype(np.int64)
        q_row, q_key = [], []
        for k in range(int((hi_cell - lo_cell).max(initial=0)) + 1):
            cell = lo_cell + k - self.cmin
            sel = (cell <= hi_cell - self.cmin) & (cell >= 0) & (cell < self.width)
            q_row.append(rows[sel])
            q_key.append(si[rows[sel]] * self.width + cell[sel])
        q_row, q_key = np.concatenate(q_row), np.concatenate(q_key)
        b = np.searchsorted(self.blocks, q_key)
        found = (b < len(self.blocks)) & (self.blocks[np.minimum(b, len(self.blocks) - 1)] == q_key)
        q_row, b = q_row[found], b[found]
        lo, hi = np.empty(len(b), np.int64), np.empty(len(b), np.int64)
        border = np.argsort(b, kind="stable")
        ub, ustart = np.unique(b[border], return_index=True)
        ends = np.append(ustart, len(b))[1:]
        for blk, s, e in zip(ub, ustart, ends, strict=True):
            sel = border[s:e]
            xs = self.xp[self.bstart[blk] : self.bend[blk]]
            v = xi[q_row[sel], p]
            slack = h[p] * (1 + 1e-9) + 1e-12 * np.abs(v)
            lo[sel] = self.bstart[blk] + np.searchsorted(xs, v - slack, side="left")
            hi[sel] = self.bstart[blk] + np.searchsorted(xs, v + slack, side="right")
        return q_row, lo, hi

    def one(self, xi, si, i, zi, zc):
        """Comparators inside row i's box and their distances, sorted by (distance, id); the
        same boxes as :meth:`edges`, without the batch bookkeeping."""
        p, q, h = self.p, self.q, self.h
        lo_cell = int(np.floor((xi[i, q] - h[q]) / h[q] - self.tol)) - self.cmin
        hi_cell = int(np.floor((xi[i, q] + h[q]) / h[q] + self.tol)) - self.cmin
        keys = si[i] * self.width + np.arange(max(lo_cell, 0), min(hi_cell, self.width - 1) + 1)
        b = np.searchsorted(self.blocks, keys)
        b = b[(b < len(self.blocks)) & (self.blocks[np.minimum(b, len(self.blocks) - 1)] == keys)]
        v = xi[i, p]
        slack = h[p] * (1 + 1e-9) + 1e-12 * abs(v)
        parts = [np.zeros(0, np.int64)]
        for blk in b:
            s, e = self.bstart[blk], self.bend[blk]
            lo = s + np.searchsorted(self.xp[s:e], v - slack, side="left")
            hi = s + np.searchsorted(self.xp[s:e], v + slack, side="right")
            parts.append(self.order[lo:hi])
        cj = np.concatenate(parts)
        cj = cj[(np.abs(self.xc[cj] - xi[i]) <= h).all(axis=1)]
        d = np.linalg.norm(zc[cj] - zi[i], axis=1)
        order = np.lexsort((cj, _tie_key(d)))
        return cj[order], d[order]

    def edges(self, xi, si, rows, zi, zc, radius=np.inf):
        """(row, comparator, distance) for comparators inside the box and within radius."""
        q_row, q_lo, q_hi = self.windows(xi, si, rows)
        lens = q_hi - q_lo
        cum = np.cumsum(lens)
        out_i, out_c, out_d = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
        start = 0
        while start < len(lens):
            base = cum[start - 1] if start else 0
            stop = max(int(np.searchsorted(cum, base + _CHUNK, side="right")), start + 1)
            ln = lens[start:stop]
            tot = int(ln.sum())
            qi = np.repeat(q_row[start:stop], ln)
            cj = self.order[np.repeat(q_lo[start:stop] - (np.cumsum(ln) - ln), ln) + np.arange(tot)]
            keep = np.ones(tot, bool)
            for v in range(len(self.h)):
                keep &= np.abs(xi[qi, v] - self.xc[cj, v]) <= self.h[v]
            qi, cj = qi[keep], cj[keep]
            d = np.linalg.norm(zi[qi] - zc[cj], axis=1)
            near = d <= radius
            out_i.append(qi[near])
            out_c.append(cj[near])
            out_d.append(d[near])
            start = stop
        return np.concatenate(out_i), np.concatenate(out_c), np.concatenate(out_d)


def _box_vars(xc, h):
    """The two most selective box variables (narrowest box relative to their spread)."""
    spread = xc.std(axis=0) if len(xc) else np.ones(len(h))
    order = np.argsort(h / np.where(spread > 0, spread, np.inf), kind="stable")
    return order[0], order[1] if len(h) > 1 else order[0]


def _tie_key(dist: np.ndarray) -> np.ndarray:
    """Distances rounded to 1e-10 for ranking, so that mathematically equal distances tie
    (and are then ordered by comparator id) whatever the last bits of the arithmetic."""
    return np.round(dist, _TIE_DECIMALS)


def _by_row(e_idx, e_cmp, e_dist, n_rows):
    """Edges sorted by (row, rounded distance, comparator id): comparators, distances and each
    row's slice bounds."""
    order = np.lexsort((e_cmp, _tie_key(e_dist), e_idx))
    return e_cmp[order], e_dist[order], np.searchsorted(e_idx[order], np.arange(n_rows + 1))


def _greedy(xi, xc, si, sc, cal, zi, zc, reach):
    """Index patients in id order each take the nearest free admissible comparator (ties:
    comparator id). Exact shortcut: candidates within a small radius r are listed in one
    vectorised pass; every comparator nearer than r lies inside the box r * reach, so the first
    free one, if clearly within r, is the nearest free one. Otherwise a box of 3 r, then the
    full caliper box, is searched for that index patient."""
    n = len(xi)
    rows = np.flatnonzero(si >= 0)
    full = _Blocks(xc, sc, cal)
    chosen, n_cand = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    big_r = float(np.min(cal / reach)) if len(rows) and len(xc) else 0.0
    s_cmp, s_dist, bounds = np.zeros(0, np.int64), np.zeros(0), np.zeros(n + 1, np.int64)
    r_sure, levels = -1.0, [(full, np.inf)]
    if big_r > 0:
        sample = rows[:: max(1, len(rows) // 256)]
        per_row = len(full.edges(xi, si, sample, zi, zc)[0]) / max(len(sample), 1)
        radius = big_r * min(1.0, (_TARGET / max(per_row, 1.0)) ** (1 / len(cal)))
        h = np.minimum(cal, radius * reach)
        r_box = float(np.min(h / reach)) * (1 - 1e-9)
        s_cmp, s_dist, bounds = _by_row(*_Blocks(xc, sc, h).edges(xi, si, rows, zi, zc, r_box), n)
        r_sure = r_box - 2 * 10.0**-_TIE_DECIMALS  # anything tying with it is inside r_box
        if 3 * radius < big_r:
            h = np.minimum(cal, 3 * radius * reach)
            mid_sure = float(np.min(h / reach)) * (1 - 1e-9) - 2 * 10.0**-_TIE_DECIMALS
            levels.insert(0, (_Blocks(xc, sc, h), mid_sure))
    used = np.zeros(len(xc), bool)
    for i in rows:
        cand = s_cmp[bounds[i] : bounds[i + 1]]
        free = ~used[cand]
        k = int(free.argmax()) if len(cand) else 0
        if not (len(cand) and free[k] and s_dist[bounds[i] + k] <= r_sure):
            for blocks, sure in levels:
                cand, dist = blocks.one(xi, si, i, zi, zc)
                free = ~used[cand]
                k = int(free.argmax()) if len(cand) else 0
                if len(cand) and free[k] and dist[k] <= sure:
                    break
            else:
                n_cand[i] = len(cand)
                if not (len(cand) and free[k]):
                    continue
        chosen[i] = cand[k]
        used[cand[k]] = True
    return chosen, n_cand


def _auto(args, reach, n_strata: int, spec: dict):
    """Optimal within the strata small enough for it, greedy within the others."""
    xi, xc, si, sc, *rest = args
    size = np.bincount(si[si >= 0], minlength=n_strata) * np.bincount(sc, minlength=n_strata)
    small = size <= spec.get("optimal_max_pairs", OPTIMAL_MAX_PAIRS)
    in_small = (si >= 0) & small[np.maximum(si, 0)]
    opt, opt_cand = _optimal(xi, xc, np.where(in_small, si, -1), sc, *rest)
    gre, gre_cand = _greedy(xi, xc, np.where(in_small, -1, si), sc, *rest, reach)
    return np.where(in_small, opt, gre), np.where(in_small, opt_cand, gre_cand)


def _optimal(xi, xc, si, sc, cal, zi, zc):
    """Per stratum: most pairs, then least total distance (a private dummy comparator per index
    patient whose cost exceeds any achievable total of real distances)."""
    e_idx, e_cmp, e_dist = _Blocks(xc, sc, cal).edges(xi, si, np.flatnonzero(si >= 0), zi, zc)
    chosen = np.full(len(xi), -1, np.int64)
    n_cand = np.bincount(e_idx, minlength=len(xi))
    e_str = si[e_idx]
    order = np.lexsort((e_cmp, e_idx, e_str))
    e_idx, e_cmp, e_dist, e_str = e_idx[order], e_cmp[order], e_dist[order], e_str[order]
    for s in np.unique(e_str):
        lo, hi = np.searchsorted(e_str, [s, s + 1])
        rows, r = np.unique(e_idx[lo:hi], return_inverse=True)
        cols, c = np.unique(e_cmp[lo:hi], return_inverse=True)
        w = _tie_key(e_dist[lo:hi]) + 1.0
        n = len(rows)
        big = n * w.max() + 1.0
        graph = csr_array(
            (
                np.concatenate([w, np.full(n, big)]),
                (np.concatenate([r, np.arange(n)]), np.concatenate([c, len(cols) + np.arange(n)])),
            ),
            shape=(n, len(cols) + n),
        )
        row_of, col_of = min_weight_full_bipartite_matching(graph)
        real = col_of < len(cols)
        chosen[rows[row_of[real]]] = cols[col_of[real]]
    return chosen, n_cand
