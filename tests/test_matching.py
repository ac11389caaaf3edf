"""Tests for spinepair.matching.match: admissibility, determinism, reasons, optimality, R MatchIt."""

from __future__ import annotations

import doctest
import io
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinepair.errors import ConfigError
from spinepair.matching import match as matching
from spinepair.matching.match import match
from spinepair.matching.spec import check_matching_spec

SPEC = {
    "method": "optimal",
    "distance": "mahalanobis",
    "exact": ["sex", "cp"],
    "calipers": {"age": 8, "interval": 15, "year": 2},
}

# Fixed cohort for the R references below (read with read.csv("small.csv"), rownames = id).
SMALL = """id,treat,sex,age,interval
t01,1,M,61,12
t02,1,M,55,30
t03,1,F,70,6
t04,1,M,48,20
t05,1,F,66,40
t06,1,M,59,18
c01,0,M,63,10
c02,0,M,52,28
c03,0,F,75,9
c04,0,M,60,15
c05,0,F,64,44
c06,0,M,45,22
c07,0,M,57,33
c08,0,F,80,2
c09,0,M,62,19
c10,0,M,50,12
"""


def small():
    d = pd.read_csv(io.StringIO(SMALL))
    return d[d.treat == 1], d[d.treat == 0]


def cohort(seed, n_index=80, n_comp=200):
    rng = np.random.default_rng(seed)

    def arm(n, prefix, shift):
        return pd.DataFrame(
            {
                "patient_key": [f"{prefix}{i:04d}" for i in rng.permutation(n)],
                "sex": rng.choice(["M", "F"], n, p=[0.7, 0.3]),
                "cp": rng.choice(["A", "B"], n, p=[0.8, 0.2]),
                "age": np.round(rng.normal(60 - shift, 9, n), 0),
                "interval": np.round(rng.gamma(2.0, 10 + shift, n), 1),
                "year": rng.integers(2005, 2018, n) + shift,
            }
        )

    return arm(n_index, "s", 1), arm(n_comp, "r", 0)


def ref_distance(index, comp, cvars, kind="mahalanobis"):
    """Distance matrix from the pooled within-arm covariance, via an explicit pseudo-inverse."""
    xi, xc = index[cvars].to_numpy(float), comp[cvars].to_numpy(float)
    if len(xc) == 0:
        return np.zeros((len(xi), 0))
    dev = np.vstack([xi - xi.mean(0), xc - xc.mean(0)])
    cov = dev.T @ dev / max(len(dev) - 2, 1)
    if kind == "standardized":
        cov = np.diag(np.diag(cov))
    w = np.linalg.pinv(cov, rcond=1e-12, hermitian=True)
    diff = xi[:, None, :] - xc[None, :, :]
    return np.sqrt(np.maximum(np.einsum("ijk,kl,ijl->ij", diff, w, diff), 0))


def check_admissible(res, index, comp, spec):
    pairs = res.pairs
    assert pairs["comparator_key"].is_unique
    assert pairs["index_key"].is_unique
    assert list(pairs["pair_id"]) == list(range(1, len(pairs) + 1))
    assert list(pairs["index_key"].astype(str)) == sorted(pairs["index_key"].astype(str))
    assert set(pairs["index_key"]).isdisjoint(res.unmatched["index_key"])
    assert set(pairs["index_key"]) | set(res.unmatched["index_key"]) == set(index["patient_key"])
    a = index.set_index("patient_key").loc[pairs["index_key"]]
    b = comp.set_index("patient_key").loc[pairs["comparator_key"]]
    for var in spec["exact"]:
        assert (a[var].to_numpy() == b[var].to_numpy()).all()
    for var, cal in spec["calipers"].items():
        diff = a[var].to_numpy(float) - b[var].to_numpy(float)
        assert (np.abs(diff) <= cal).all()
        np.testing.assert_array_equal(pairs[f"diff_{var}"].to_numpy(), diff)


def test_docstring_example_runs():
    assert doctest.testmod(matching).failed == 0


def test_distance_matches_r_matchit():
    index, comp = small()
    spec = {"method": "greedy", "distance": "mahalanobis", "exact": [], "calipers": {"age": 100}}
    spec["calipers"]["interval"] = 100
    res = match(index, comp, spec, id_col="id")
    # R: library(MatchIt); d <- read.csv("small.csv"); rownames(d) <- d$id
    #    mahalanobis_dist(treat ~ age + interval, data = d)["t01", "c01"] etc.
    r_values = {
        ("t01", "c01"): 0.225106540906,
        ("t02", "c07"): 0.385478050998,
        ("t05", "c05"): 0.334686669241,
        ("t04", "c06"): 0.311006005339,
    }
    got = res.pairs.set_index(["index_key", "comparator_key"])["distance"]
    for key, value in r_values.items():
        assert got[key] == pytest.approx(value, abs=1e-11)


def test_greedy_matches_r_matchit_nearest():
    index, comp = small()
    spec = {
        "method": "greedy",
        "distance": "mahalanobis",
        "exact": ["sex"],
        "calipers": {"age": 5, "interval": 10},
    }
    res = match(index, comp, spec, id_col="id")
    # R: m <- matchit(treat ~ age + interval, data = d, method = "nearest",
    #        distance = "mahalanobis", exact = ~sex, caliper = c(age = 5, interval = 10),
    #        std.caliper = FALSE); m$match.matrix   (MatchIt 4.5.1, m.order "data" = id order)
    r_pairs = {"t01": "c01", "t02": "c07", "t03": "c03", "t04": "c06", "t05": "c05", "t06": "c04"}
    assert dict(zip(res.pairs["index_key"], res.pairs["comparator_key"], strict=True)) == r_pairs
    assert res.unmatched.empty


@pytest.mark.parametrize("method", ["optimal", "greedy"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_strata_calipers_and_determinism(method, seed):
    index, comp = cohort(seed)
    spec = {**SPEC, "method": method}
    res = match(index, comp, spec)
    assert len(res.pairs) > 20
    check_admissible(res, index, comp, spec)
    dist = ref_distance(index, comp, list(spec["calipers"]))
    i = (
        index.reset_index(drop=True)
        .set_index("patient_key")
        .index.get_indexer(res.pairs["index_key"])
    )
    j = (
        comp.reset_index(drop=True)
        .set_index("patient_key")
        .index.get_indexer(res.pairs["comparator_key"])
    )
    np.testing.assert_allclose(res.pairs["distance"], dist[i, j], rtol=1e-10, atol=1e-12)
    shuffled = match(
        index.sample(frac=1, random_state=seed), comp.sample(frac=1, random_state=seed + 9), spec
    )
    pd.testing.assert_frame_equal(shuffled.pairs, res.pairs)
    pd.testing.assert_frame_equal(shuffled.unmatched, res.unmatched)


def reference_greedy(index, comp, spec):
    """Nearest free admissible comparator for index patients in id order (ties: comparator id;
    distances equal to 1e-10 are ties)."""
    cv = list(spec["calipers"])
    dist = ref_distance(index, comp, cv, spec["distance"])
    ok = np.ones_like(dist, bool)
    for var in spec["exact"]:
        ok &= index[var].to_numpy()[:, None] == comp[var].to_numpy()[None, :]
    for var, cal in spec["calipers"].items():
        ok &= np.abs(index[var].to_numpy()[:, None] - comp[var].to_numpy()[None, :]) <= cal
    ids_i, ids_c = index["patient_key"].to_numpy(), comp["patient_key"].to_numpy()
    used, out = set(), {}
    for i in np.argsort(ids_i.astype(str)):
        cands = [
            (round(dist[i, j], 10), str(ids_c[j]))
            for j in np.flatnonzero(ok[i])
            if str(ids_c[j]) not in used
        ]
        if cands:
            out[ids_i[i]] = min(cands)[1]
            used.add(out[ids_i[i]])
    return out


@pytest.mark.parametrize("kind", ["mahalanobis", "standardized"])
@pytest.mark.parametrize("wide", [False, True])
def test_greedy_equals_reference_on_dense_data(kind, wide):
    # Dense enough that the fast first pass (small radius) and the per-patient searches
    # (3 x radius box when the calipers are wide, then the full caliper box) are all used.
    index, comp = cohort(7, n_index=300, n_comp=3000)
    spec = {**SPEC, "method": "greedy", "distance": kind}
    if wide:
        spec["calipers"] = {"age": 30, "interval": 60, "year": 8}
    res = match(index, comp, spec)
    got = dict(zip(res.pairs["index_key"], res.pairs["comparator_key"], strict=True))
    assert got == reference_greedy(index, comp, spec)


def test_optimal_not_worse_than_greedy_and_strictly_better_here():
    index = pd.DataFrame({"patient_key": ["a", "b"], "age": [50.0, 51.0]})
    comp = pd.DataFrame({"patient_key": ["x", "y"], "age": [51.0, 47.0]})
    spec = {"method": "greedy", "distance": "standardized", "calipers": {"age": 10}}
    greedy = match(index, comp, spec)
    optimal = match(index, comp, {**spec, "method": "optimal"})
    # greedy: a-x (1) then b-y (4); optimal: a-y (3) + b-x (0); in units of the pooled SD.
    assert list(greedy.pairs["comparator_key"]) == ["x", "y"]
    assert list(optimal.pairs["comparator_key"]) == ["y", "x"]
    assert optimal.pairs["distance"].sum() < greedy.pairs["distance"].sum()
    for seed in (4, 5, 6):
        idx, cmp = cohort(seed, 60, 90)
        g = match(idx, cmp, {**SPEC, "method": "greedy"}).pairs
        o = match(idx, cmp, SPEC).pairs
        assert len(o) >= len(g)
        if len(o) == len(g):
            assert o["distance"].sum() <= g["distance"].sum() + 1e-9


@pytest.mark.parametrize("method", ["greedy", "optimal"])
def test_equal_distances_are_broken_by_comparator_id(method):
    # |5.1 - 4.9| and |5.3 - 5.1| are equal in decimal but not in binary floating point.
    index = pd.DataFrame({"patient_key": ["i"], "age": [58.3], "interval": [5.1]})
    comp = pd.DataFrame(
        {"patient_key": ["z", "b", "a"], "age": [58.3, 58.3, 70.0], "interval": [4.9, 5.3, 5.1]}
    )
    spec = {"method": method, "distance": "mahalanobis", "calipers": {"age": 5, "interval": 1}}
    for seed in range(3):
        res = match(index, comp.sample(frac=1, random_state=seed), spec)
        assert list(res.pairs["comparator_key"]) == ["b"]


def test_unmatched_reasons():
    index = pd.DataFrame(
        {
            "patient_key": ["i1", "i2", "i3", "i4", "i5"],
            "sex": ["F", "M", "M", "M", None],
            "age": [60.0, 90.0, 50.0, 51.0, 50.0],
        }
    )
    comp = pd.DataFrame({"patient_key": ["c1", "c2"], "sex": ["M", "M"], "age": [50.0, 20.0]})
    for method in ("greedy", "optimal"):
        spec = {"method": method, "distance": "mahalanobis", "exact": ["sex"]}
        spec["calipers"] = {"age": 10}
        res = match(index, comp, spec)
        assert res.pairs[["index_key", "comparator_key"]].values.tolist() == [["i3", "c1"]]
        assert dict(zip(res.unmatched["index_key"], res.unmatched["reason"], strict=True)) == {
            "i1": "no comparator in stratum sex=F",
            "i2": "no comparator inside the calipers (age 10) in stratum sex=M",
            "i4": "candidates used by other pairs",
            "i5": "missing value in sex",
        }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({**SPEC, "method": "nearest"}, "method must be one of"),
        ({**SPEC, "distance": "euclid"}, "distance must be one of"),
        ({**SPEC, "caliper": {}}, "unknown key"),
        ({**SPEC, "calipers": {}}, "calipers must be a non-empty"),
        ({**SPEC, "calipers": {"age": -1}}, "positive finite number"),
        ({**SPEC, "calipers": {"age": True}}, "positive finite number"),
        ({**SPEC, "exact": "sex"}, "exact must be a list"),
        ({**SPEC, "exact": ["sex", "age"]}, "both exact and caliper"),
        ({**SPEC, "exact": ["smoker"]}, "no column"),
        (["method"], "must be a mapping"),
    ],
)
def test_check_matching_spec_errors(spec, message):
    with pytest.raises(ConfigError, match=message) as info:
        check_matching_spec(spec, ["sex", "cp", "age", "interval", "year"])
    assert "\n" not in str(info.value)


def test_bad_tables_raise_clear_errors():
    index, comp = cohort(1, 5, 5)
    with pytest.raises(ConfigError, match="comparator table has no column"):
        match(index, comp.drop(columns="year"), SPEC)
    with pytest.raises(ValueError, match="duplicated patient_key"):
        match(pd.concat([index, index.head(1)]), comp, SPEC)
    with pytest.raises(ValueError, match="must be numeric"):
        match(index.astype({"age": str}), comp, SPEC)
    with pytest.raises(ValueError, match="no id column 'pid'"):
        match(index, comp, SPEC, id_col="pid")


values = st.integers(40, 60).map(float)
patients = st.lists(st.tuples(st.sampled_from("MF"), values, values), min_size=1, max_size=4)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patients, st.lists(st.tuples(st.sampled_from("MF"), values, values), max_size=5), st.data())
def test_optimal_equals_brute_force(index_rows, comp_rows, data):
    kind = data.draw(st.sampled_from(["mahalanobis", "standardized"]))
    index = pd.DataFrame(index_rows, columns=["sex", "age", "interval"])
    index.insert(0, "patient_key", [f"i{k}" for k in range(len(index))])
    comp = pd.DataFrame(comp_rows, columns=["sex", "age", "interval"], dtype=object)
    comp = comp.astype({"age": float, "interval": float})
    comp.insert(0, "patient_key", [f"c{k}" for k in range(len(comp))])
    spec = {"method": "optimal", "distance": kind, "exact": ["sex"]}
    spec["calipers"] = {"age": 6, "interval": 8}
    res = match(index, comp, spec)
    check_admissible(res, index, comp, spec)
    dist = ref_distance(index, comp, ["age", "interval"], kind) if len(comp) else None
    best = (0, 0.0)
    for choice in itertools.product([None, *range(len(comp))], repeat=len(index)):
        used = [c for c in choice if c is not None]
        if len(used) != len(set(used)):
            continue
        total, ok = 0.0, True
        for i, c in enumerate(choice):
            if c is None:
                continue
            a, b = index.iloc[i], comp.iloc[c]
            ok &= a.sex == b.sex and abs(a.age - b.age) <= 6 and abs(a.interval - b.interval) <= 8
            total += dist[i, c]
        if ok and (len(used) > best[0] or (len(used) == best[0] and total < best[1] - 1e-12)):
            best = (len(used), total)
    assert len(res.pairs) == best[0]
    assert res.pairs["distance"].sum() == pytest.approx(best[1], rel=1e-9, abs=1e-9)
    greedy = match(index, comp, {**spec, "method": "greedy"})
    got = dict(zip(greedy.pairs["index_key"], greedy.pairs["comparator_key"], strict=True))
    assert got == reference_greedy(index, comp, {**spec, "method": "greedy"})


def test_auto_is_optimal_in_small_strata_and_greedy_in_large_ones():
    rng = np.random.default_rng(7)

    def cohort(n, prefix):
        return pd.DataFrame(
            {
                "patient_key": [f"{prefix}{i:04d}" for i in range(n)],
                "sex": rng.choice(["F", "M"], n, p=[0.2, 0.8]),
                "age": rng.normal(60, 8, n).round(1),
                "year": rng.integers(2005, 2013, n).astype(float),
            }
        )

    index, comparator = cohort(60, "i"), cohort(300, "c")
    base = {"distance": "mahalanobis", "exact": ["sex"], "calipers": {"age": 4, "year": 1}}
    optimal = match(index, comparator, {**base, "method": "optimal"}).pairs
    greedy = match(index, comparator, {**base, "method": "greedy"}).pairs
    n_f = (index["sex"] == "F").sum() * (comparator["sex"] == "F").sum()
    auto = match(index, comparator, {**base, "method": "auto", "optimal_max_pairs": int(n_f)})
    female = set(index.loc[index["sex"] == "F", "patient_key"])

    def part(pairs, women):
        keep = pairs["index_key"].isin(female) == women
        return sorted(zip(pairs.loc[keep, "index_key"], pairs.loc[keep, "comparator_key"]))

    assert part(auto.pairs, True) == part(optimal, True)  # small stratum: optimal
    assert part(auto.pairs, False) == part(greedy, False)  # large stratum: greedy
    assert part(optimal, False) != part(greedy, False)  # the two methods do differ here
    everything = match(index, comparator, {**base, "method": "auto"}).pairs
    assert everything.equals(optimal)  # default limit: every stratum is small
