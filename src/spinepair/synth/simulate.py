"""Deterministic simulator of the demo study's ground truth.

``simulate(seed)`` returns, per site, the six common-data-model tables of every patient
the reference paper screened (SRS 290 at sites A/B, RT 1602 at sites C/D), keyed by the
hospitals' own ids and still carrying fake direct identifiers, exactly as a renderer
needs them. The 28 SRS HCC patients and 28 of the 92 eligible RT HCC patients are
designed as close matches and calibrated to the paper (see :mod:`spinepair.synth.calibration`);
everybody else is drawn from broad, plausible distributions. All parameters live in
:mod:`spinepair.synth.simparams`.

Command line: ``python -m spinepair.synth[.simulate] --seed N --out DIR`` writes the four raw
exports (``DIR/<site>/``); with ``--patients N [--sites K]`` it writes a registry-scale
study instead (see :mod:`spinepair.synth.registry`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from spinepair.contracts.cdm import TABLES
from spinepair.synth import simparams as P
from spinepair.synth.calibration import calibrated_pairs
from spinepair.synth.core import regimens, shares, truth_frames
from spinepair.synth.demo_rows import patient_rows
from spinepair.synth.identities import fake_identities, raw_ids

G = P.GENERIC

# --------------------------------------------------------------------------- generic patients


def _generic_patient(rng: np.random.Generator, arm: str, primary: str, prior: str) -> dict:
    """A screened patient drawn from the broad ``simparams.GENERIC`` distributions."""
    hcc = primary == "HCC"
    tumour = "HCC" if hcc else "other"
    region = rng.choice(list(G["region"]), p=list(G["region"].values()))
    n_mets = int(min(1 + rng.poisson(G["extra_mets"]), G["max_mets"]))
    total, fx = _regimen(rng, arm)
    death = rng.random() < G["dead"]
    os_median, os_sigma = G["os_months"][tumour]
    os_m = float(np.clip(rng.lognormal(np.log(os_median), os_sigma), *G["os_range"]))
    imaged = rng.random() < G["imaged"]
    lp_m = float(rng.exponential(G["lp_mean_months"][arm])) if imaged else None
    interval_median, interval_sigma = G["interval_months"]
    volume_median, volume_sigma = G["volume_cc"]
    sex = "M" if rng.random() < G["male"][tumour] else "F"
    age = float(np.clip(rng.normal(*G["age"]), *G["age_range"]))
    interval = max(0.0, rng.lognormal(np.log(interval_median), interval_sigma) - 2)
    rec = {
        "arm": arm,
        "primary_tumor": primary,
        "prior_index_treatment": prior,
        "sex": sex,
        "age_years": age,
        "interval_months": float(interval),
        "treatment_year": int(rng.integers(P.STUDY_YEARS[0], P.STUDY_YEARS[1] + 1)),
        "child_pugh": (
            rng.choice(list(G["child_pugh"]), p=list(G["child_pugh"].values())) if hcc else None
        ),
        "n_spine_mets": n_mets,
        "ecog": int(rng.choice(5, p=G["ecog"])),
        "ambulation": int(rng.choice([1, 2, 3, 4, 5], p=G["ambulation"])),
        "region": str(region),
        "tumor_volume_cc": float(
            np.clip(rng.lognormal(np.log(volume_median), volume_sigma), *G["volume_range"])
        ),
        "total_dose_gy": total,
        "fractions": fx,
        "vas_pre": int(np.clip(round(rng.normal(*G["vas_pre"])), 0, 10)),
        "analgesic_pre": str(rng.choice(list(G["analgesic"]), p=list(G["analgesic"].values()))),
        "os_months": os_m,
        "dead": death,
        "imaged": imaged,
        "lp_months": lp_m,
        "olp": imaged and rng.random() < G["other_level"],
        "toxicities": [],
        "cf": False,
        "further": None,
    }
    rises = rng.random() >= G["vas_drop_share"]
    drop = -int(rng.integers(1, 3)) if rises else int(rng.integers(0, 6))
    rec["vas_post"] = int(np.clip(rec["vas_pre"] - drop, 0, 10))
    rec["analgesic_post"] = rec["analgesic_pre"] if rng.random() < G["analgesic_kept"] else "none"
    rec["post_visit"] = rng.random() < G["post_visit"]
    if rng.random() < G["toxicity"][arm]:
        kind = str(rng.choice(G["toxicity_types"]))
        grade = int(rng.choice(list(G["rtog_grade"]), p=list(G["rtog_grade"].values())))
        rec["toxicities"] = [(kind, grade)]
    if imaged and rng.random() < G["fracture"][arm]:
        rec["cf"] = True
    return rec


def _regimen(rng: np.random.Generator, arm: str) -> tuple[float, int]:
    keys, p = regimens(arm)
    total, fx = keys[int(rng.choice(len(keys), p=p))]
    return float(total), int(fx)


def _far_from(rng: np.random.Generator, rec: dict, index_recs: list[dict]) -> dict:
    """Redraw a comparator's matching covariates until no index patient admits it."""
    cal = P.MATCH_CALIPERS
    cp_num = {"A": 1, "B": 2, "C": 3}

    def admissible(a: dict, b: dict) -> bool:
        return (
            a["sex"] == b["sex"]
            and abs(a["age_years"] - b["age_years"]) <= cal["age_years"]
            and abs(a["interval_months"] - b["interval_months"]) <= cal["interval_months"]
            and abs(a["treatment_year"] - b["treatment_year"]) <= cal["treatment_year"]
            and abs(min(a["n_spine_mets"], 4) - min(b["n_spine_mets"], 4)) <= cal["n_mets_cat"]
            and abs(cp_num[a["child_pugh"]] - cp_num[b["child_pugh"]]) <= cal["child_pugh_num"]
        )

    while any(admissible(rec, i) for i in index_recs):
        rec["age_years"] = float(np.clip(rng.normal(60, 12), 25, 89))
        rec["interval_months"] = float(max(0.0, rng.lognormal(np.log(14), 1.2) - 2))
        rec["treatment_year"] = int(rng.integers(P.STUDY_YEARS[0], P.STUDY_YEARS[1] + 1))
        rec["n_spine_mets"] = int(min(1 + rng.poisson(1.5), 12))
    return rec


# --------------------------------------------------------------------------- site rosters


def _site_roster(rng: np.random.Generator, site: str, core: list[dict]) -> list[dict]:
    """Every screened patient of one site: calibrated core plus generic patients."""
    s = P.SITES[site]
    arm = s["arm"]
    recs = list(core)
    n_other_hcc = s["hcc"] - len(core)
    for i in range(n_other_hcc):
        if i < s["hcc_prior"]:
            prior = _srs_prior(rng) if arm == "SRS" else "surgery"
        else:
            prior = "none"
        rec = _generic_patient(rng, arm, "HCC", prior)
        recs.append(rec)
    for i in range(s["rcc"]):
        prior = "none"
        if i < s["rcc_prior"]:
            prior = _srs_prior(rng) if arm == "SRS" else "surgery"
        recs.append(_generic_patient(rng, arm, "RCC", prior))
    names, p = shares(P.OTHER_PRIMARIES)
    for _ in range(s["screened"] - len(recs)):
        primary = str(rng.choice(names, p=p))
        prior = "none"
        if rng.random() < G["prior"]["other"]:
            prior = _srs_prior(rng) if arm == "SRS" else "surgery"
        recs.append(_generic_patient(rng, arm, primary, prior))
    return recs


def _srs_prior(rng: np.random.Generator) -> str:
    names, p = shares(P.SRS_PRIOR_MIX)
    return str(rng.choice(names, p=p))


# --------------------------------------------------------------------------- public API


def simulate(seed: int = P.SEED) -> dict[str, dict[str, pd.DataFrame]]:
    """Ground truth of every site: ``{site: {table: DataFrame}}`` keyed by ``patient_id``."""
    seeds = np.random.SeedSequence(seed).spawn(2 + len(P.SITES))
    core = calibrated_pairs(np.random.default_rng(seeds[0]))
    rng_pairs = np.random.default_rng(seeds[1])
    by_site: dict[str, list[dict]] = {s: [] for s in P.SITES}
    srs_sites = [s for s, v in P.SITES.items() if v["arm"] == "SRS"]
    rt_sites = [s for s, v in P.SITES.items() if v["arm"] == "RT"]
    srs_slots = [s for s in srs_sites for _ in range(P.SITES[s]["matched"])]
    rt_slots = [s for s in rt_sites for _ in range(P.SITES[s]["matched"])]
    rng_pairs.shuffle(rt_slots)
    for (srs, rt), s_site, r_site in zip(core, srs_slots, rt_slots):
        by_site[s_site].append(srs)
        by_site[r_site].append(rt)
    index_recs = [p[0] for p in core]
    out = {}
    for (site, spec), ss in zip(P.SITES.items(), seeds[2:]):
        rng = np.random.default_rng(ss)
        recs = _site_roster(rng, site, by_site[site])
        if spec["arm"] == "RT":
            for rec in recs:
                if rec["primary_tumor"] == "HCC" and not rec.get("core"):
                    _far_from(rng, rec, index_recs)
        order = rng.permutation(len(recs))
        ids = raw_ids(rng, site, len(recs))
        rows = {t: [] for t in TABLES}
        for pid, k in zip(ids, order):
            for t, r in patient_rows(rng, pid, recs[k], spec["machine"]).items():
                rows[t].extend(r)
        births = [p["birth_date"] for p in rows["patients"]]
        sexes = [p["sex"] for p in rows["patients"]]
        out[site] = truth_frames(rows, fake_identities(rng, births, sexes))
    return out


def main(argv: list[str] | None = None, prog: str = "python -m spinepair.synth.simulate") -> None:
    """Write the simulated raw exports of every site to ``--out``."""
    from spinepair.synth.render import render_site

    ap = argparse.ArgumentParser(prog=prog, description=__doc__)
    ap.add_argument("--seed", type=int, default=P.SEED)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument(
        "--patients", type=int, help="registry scale: total screened patients over all sites"
    )
    ap.add_argument("--sites", type=int, default=20, help="registry scale: number of sites")
    args = ap.parse_args(argv)
    if args.patients is not None:
        from spinepair.synth.registry import write_registry

        config = write_registry(args.out, args.patients, args.sites, args.seed)
        print(f"study config -> {config}")
        return
    for site, truth in simulate(args.seed).items():
        render_site(truth, P.SITES[site]["style"], args.out / site)
        print(f"site {site}: {len(truth['patients'])} patients -> {args.out / site}")


if __name__ == "__main__":
    main()
