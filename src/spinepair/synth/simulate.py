"""Deterministic simulator of the demo study's ground truth.

``simulate(seed)`` returns, per site, the six common-data-model tables of every patient
the reference paper screened (SRS 290 at sites A/B, RT 1602 at sites C/D), keyed by the
hospitals' own ids and still carrying fake direct identifiers, exactly as a renderer
needs them. The 28 SRS HCC patients and 28 of the 92 eligible RT HCC patients are
designed as close matches and calibrated to the paper (see :mod:`spinepair.synth.calibration`);
everybody else is drawn from broad, plausible distributions. All parameters live in
:mod:`spinepair.synth.simparams`.

Command line: ``python -m spinepair.synth.simulate --seed N --out DIR`` writes the four raw
exports (``DIR/<site>/``); with ``--patients N [--sites K]`` it writes a registry-scale
study instead (see :mod:`spinepair.synth.registry`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from spinepair.contracts.cdm import TABLES, VOCABULARIES
from spinepair.synth import simparams as P
from spinepair.synth.calibration import calibrated_pairs
from spinepair.synth.identities import fake_identities

LEVELS_BY_REGION = {
    "cervical": [f"C{i}" for i in range(2, 8)],
    "thoracic": [f"T{i}" for i in range(1, 13)],
    "lumbar": [f"L{i}" for i in range(1, 6)],
    "sacral": ["S1", "S2"],
}
TOX_REGIONS = {
    "nausea": ("thoracic", "lumbar"),
    "diarrhea": ("lumbar", "sacral"),
    "sore_throat": ("cervical",),
    "dry_mouth": ("cervical",),
    "dysphagia": ("cervical", "thoracic"),
    "esophagitis": ("thoracic", "cervical"),
    "skin": ("cervical", "thoracic", "lumbar", "sacral"),
}


def _months_to_days(m: float) -> int:
    return round(m * P.MONTH_DAYS)


# --------------------------------------------------------------------------- generic patients


def _generic_patient(rng: np.random.Generator, arm: str, primary: str, prior: str) -> dict:
    """A screened patient drawn from broad distributions (not calibrated)."""
    hcc = primary == "HCC"
    region = rng.choice(["cervical", "thoracic", "lumbar", "sacral"], p=[0.15, 0.42, 0.38, 0.05])
    n_mets = int(min(1 + rng.poisson(1.3), 12))
    srs = arm == "SRS"
    total, fx = _regimen(rng, arm)
    death = rng.random() < 0.8
    os_m = float(np.clip(rng.lognormal(np.log(11 if not hcc else 8), 0.9), 0.3, 84))
    imaged = rng.random() < 0.8
    lp_m = float(rng.exponential(12 if srs else 10)) if imaged else None
    rec = {
        "arm": arm,
        "primary_tumor": primary,
        "prior_index_treatment": prior,
        "sex": "M" if rng.random() < (0.85 if hcc else 0.55) else "F",
        "age_years": float(np.clip(rng.normal(60, 11), 25, 89)),
        "interval_months": float(max(0.0, rng.lognormal(np.log(14), 1.1) - 2)),
        "treatment_year": int(rng.integers(P.STUDY_YEARS[0], P.STUDY_YEARS[1] + 1)),
        "child_pugh": (rng.choice(["A", "B", "C"], p=[0.75, 0.2, 0.05]) if hcc else None),
        "n_spine_mets": n_mets,
        "ecog": int(rng.choice(5, p=[0.2, 0.4, 0.25, 0.12, 0.03])),
        "ambulation": int(rng.choice([1, 2, 3, 4, 5], p=[0.55, 0.25, 0.1, 0.07, 0.03])),
        "region": str(region),
        "tumor_volume_cc": float(np.clip(rng.lognormal(np.log(30), 0.7), 1, 400)),
        "total_dose_gy": total,
        "fractions": fx,
        "vas_pre": int(np.clip(round(rng.normal(6, 2.5)), 0, 10)),
        "analgesic_pre": str(rng.choice(VOCABULARIES["analgesic"], p=[0.1, 0.35, 0.1, 0.45])),
        "os_months": os_m,
        "dead": death,
        "imaged": imaged,
        "lp_months": lp_m,
        "olp": imaged and rng.random() < 0.3,
        "toxicities": [],
        "cf": False,
        "further": None,
    }
    drop = int(rng.integers(0, 6)) if rng.random() < 0.85 else -int(rng.integers(1, 3))
    rec["vas_post"] = int(np.clip(rec["vas_pre"] - drop, 0, 10))
    rec["analgesic_post"] = rec["analgesic_pre"] if rng.random() < 0.7 else "none"
    rec["post_visit"] = rng.random() < 0.9
    if rng.random() < (0.25 if srs else 0.5):
        kind = str(rng.choice(list(TOX_REGIONS)))
        rec["toxicities"] = [(kind, int(rng.choice([1, 2, 3], p=[0.7, 0.27, 0.03])))]
    if imaged and rng.random() < (0.12 if srs else 0.04):
        rec["cf"] = True
    return rec


def _regimen(rng: np.random.Generator, arm: str) -> tuple[float, int]:
    regimens = P.SRS_REGIMENS if arm == "SRS" else P.RT_REGIMENS
    keys = list(regimens)
    w = np.array([regimens[k] for k in keys], dtype=float)
    total, fx = keys[int(rng.choice(len(keys), p=w / w.sum()))]
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
    names = list(P.OTHER_PRIMARIES)
    w = np.array(list(P.OTHER_PRIMARIES.values()), dtype=float)
    for _ in range(s["screened"] - len(recs)):
        primary = str(rng.choice(names, p=w / w.sum()))
        prior = "none"
        if rng.random() < 0.08:
            prior = _srs_prior(rng) if arm == "SRS" else "surgery"
        recs.append(_generic_patient(rng, arm, primary, prior))
    return recs


def _srs_prior(rng: np.random.Generator) -> str:
    names = list(P.SRS_PRIOR_MIX)
    w = np.array(list(P.SRS_PRIOR_MIX.values()), dtype=float)
    return str(rng.choice(names, p=w / w.sum()))


# --------------------------------------------------------------------------- records -> tables


def _dates(rng: np.random.Generator, rec: dict) -> dict:
    """Calendar dates of one patient from its relative times."""
    start = pd.Timestamp(rec["treatment_year"], 1, 1) + pd.Timedelta(days=int(rng.integers(5, 355)))
    fx = rec["fractions"]
    span = 0 if fx == 1 else fx - 1 + 2 * ((fx - 1) // 5)
    end = start + pd.Timedelta(days=span)
    spine = start - pd.Timedelta(days=int(rng.integers(3, 40)))
    primary = spine - pd.Timedelta(days=_months_to_days(rec["interval_months"]))
    birth = start - pd.Timedelta(days=round(rec["age_years"] * 365.25))
    followup_days = max(_months_to_days(rec["os_months"]), span + 1)
    last = start + pd.Timedelta(days=followup_days)
    death = last if rec["dead"] else None
    return {
        "start": start,
        "end": end,
        "spine": spine,
        "primary": primary,
        "birth": birth,
        "last": last,
        "death": death,
        "followup_days": followup_days,
    }


def _patient_rows(rng: np.random.Generator, pid: str, rec: dict, machine: str) -> dict:
    """The rows of the six tables for one patient."""
    d = _dates(rng, rec)
    level = rec.get("index_level") or str(rng.choice(LEVELS_BY_REGION[rec["region"]]))
    rec["index_level"] = level
    srs = rec["arm"] == "SRS"
    isodose = (80.0 if machine == "Novalis" else float(rng.integers(70, 86))) if srs else None
    coverage = float(np.clip(round(rng.normal(96, 2), 1), 90, 99.9)) if srs else None
    levels = level if srs else _level_span(level)
    rows = {t: [] for t in TABLES}
    rows["patients"].append(
        {
            "patient_id": pid,
            "sex": rec["sex"],
            "birth_date": d["birth"],
            "primary_tumor": rec["primary_tumor"],
            "primary_diagnosis_date": d["primary"],
            "spine_met_diagnosis_date": d["spine"],
            "child_pugh": rec["child_pugh"],
            "n_spine_mets": rec["n_spine_mets"],
            "ecog": rec["ecog"],
            "ambulation": rec["ambulation"],
            "index_level": level,
            "tumor_volume_cc": round(rec["tumor_volume_cc"], 1),
            "prior_index_treatment": rec["prior_index_treatment"],
            "death_date": d["death"],
            "last_followup_date": d["last"],
        }
    )
    rows["treatments"].append(
        {
            "patient_id": pid,
            "course": 1,
            "modality": rec["arm"],
            "machine": machine,
            "start_date": d["start"],
            "end_date": d["end"],
            "total_dose_gy": float(rec["total_dose_gy"]),
            "fractions": int(rec["fractions"]),
            "isodose_pct": isodose,
            "coverage_pct": coverage,
            "levels": levels,
            "intent": "primary",
        }
    )
    _assessment_rows(rng, pid, rec, d, rows["assessments"])
    visits = _imaging_rows(rng, pid, rec, d, level, rows["imaging"])
    for kind, grade in rec["toxicities"]:
        rows["toxicities"].append(
            {
                "patient_id": pid,
                "date": d["start"]
                + pd.Timedelta(days=min(int(rng.integers(3, 40)), d["followup_days"])),
                "type": kind,
                "rtog_grade": grade,
            }
        )
    if rec["further"] is not None:
        kind, reason, months = rec["further"]
        rows["further_treatments"].append(
            {
                "patient_id": pid,
                "date": d["start"] + pd.Timedelta(days=_months_to_days(months)),
                "type": kind,
                "level": level,
                "reason": reason,
            }
        )
    elif visits.get("lp") is not None and rng.random() < 0.3 and not rec.get("core"):
        lp_day = visits["lp"]
        when = lp_day + int(rng.integers(7, 40))
        if when < d["followup_days"]:
            rows["further_treatments"].append(
                {
                    "patient_id": pid,
                    "date": d["start"] + pd.Timedelta(days=when),
                    "type": str(rng.choice(["surgery", "vertebroplasty_kyphoplasty", "srs", "rt"])),
                    "level": level,
                    "reason": "tumor_progression",
                }
            )
    return rows


def _level_span(level: str) -> str:
    i = VOCABULARIES["spine_level"].index(level)
    lv = VOCABULARIES["spine_level"]
    lo, hi = lv[max(i - 1, 0)], lv[min(i + 1, len(lv) - 1)]
    return f"{lo}-{hi}"


def _assessment_rows(rng, pid, rec, d, out) -> None:
    ome = {"none": 0.0, "otc": 0.0, "steroid": 0.0}
    pre_day = d["start"] - pd.Timedelta(days=int(rng.integers(0, 8)))
    out.append(
        {
            "patient_id": pid,
            "date": pre_day,
            "vas": rec["vas_pre"],
            "analgesic": rec["analgesic_pre"],
            "ome_mg": ome.get(rec["analgesic_pre"], rec.get("ome_pre", 60.0)),
        }
    )
    post_offset = int(rng.integers(25, 36))
    post_day = d["end"] + pd.Timedelta(days=post_offset)
    alive_then = (post_day - d["start"]).days < d["followup_days"]
    if rec.get("post_visit", True) and alive_then:
        out.append(
            {
                "patient_id": pid,
                "date": post_day,
                "vas": rec["vas_post"],
                "analgesic": rec["analgesic_post"],
                "ome_mg": ome.get(rec["analgesic_post"], rec.get("ome_post", 60.0)),
            }
        )


def _imaging_rows(rng, pid, rec, d, level, out) -> dict:
    """MRI visits until local progression, death or last follow-up; returns event days."""
    found = {}
    if not rec["imaged"]:
        return found
    lp_visit = rec.get("lp_visit")
    lp_m = rec.get("lp_months")
    other_level = _other_level(rng, level)
    olp_visit = rec.get("olp_visit")
    cf_visit = rec.get("cf_visit")
    months = rec.get("mri_months", P.MRI_VISIT_MONTHS)
    visit_days = [_months_to_days(m) for m in months]
    visit_days = [v for v in visit_days if v <= d["followup_days"]] or [
        max(1, d["followup_days"] - 1)
    ]
    if lp_visit is None and lp_m is not None:
        later = [i for i, v in enumerate(visit_days) if v >= _months_to_days(lp_m)]
        lp_visit = later[0] if later else None
    if olp_visit is None and rec.get("olp"):
        olp_visit = int(rng.integers(0, len(visit_days)))
    if cf_visit is None and rec.get("cf"):
        cf_visit = int(rng.integers(0, len(visit_days)))
    last = len(visit_days) - 1 if lp_visit is None else min(lp_visit, len(visit_days) - 1)
    for i in range(last + 1):
        day = d["start"] + pd.Timedelta(days=visit_days[i])
        finding = "local_progression" if i == lp_visit else "no_progression"
        if finding == "local_progression":
            found["lp"] = visit_days[i]
        out.append(
            {"patient_id": pid, "date": day, "modality": "MRI", "finding": finding, "level": level}
        )
        if olp_visit is not None and i == min(olp_visit, last):
            out.append(
                {
                    "patient_id": pid,
                    "date": day,
                    "modality": "MRI",
                    "finding": "other_level_progression",
                    "level": other_level,
                }
            )
        if cf_visit is not None and i == min(cf_visit, last):
            out.append(
                {
                    "patient_id": pid,
                    "date": day,
                    "modality": "MRI",
                    "finding": "compression_fracture",
                    "level": level,
                }
            )
    return found


def _other_level(rng: np.random.Generator, level: str) -> str:
    lv = VOCABULARIES["spine_level"]
    i = lv.index(level)
    choices = [x for j, x in enumerate(lv[:24]) if abs(j - i) >= 2]
    return str(rng.choice(choices))


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
        ids = _raw_ids(rng, site, len(recs))
        rows = {t: [] for t in TABLES}
        for pid, k in zip(ids, order):
            for t, r in _patient_rows(rng, pid, recs[k], spec["machine"]).items():
                rows[t].extend(r)
        out[site] = _frames(rows, fake_identities(rng, rows["patients"]))
    return out


def _raw_ids(rng: np.random.Generator, site: str, n: int) -> list[str]:
    nums = rng.choice(9_000_000, size=n, replace=False) + 1_000_000
    return [f"{site}{x:07d}" for x in sorted(nums)]


def _frames(rows: dict, identities: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Row dicts -> DataFrames in the common-data-model dtypes (patient_id as key)."""
    from spinepair.contracts.stages import column_dtypes

    out = {}
    for table, cols in TABLES.items():
        keep = tuple(c for c in cols if c.name not in ("patient_key", "site", "arm"))
        df = pd.DataFrame(rows[table], columns=["patient_id"] + [c.name for c in keep])
        dtypes = {"patient_id": "string", **column_dtypes(keep)}
        df = df.astype(dtypes)
        if table == "patients":
            df = pd.concat([df, identities.reset_index(drop=True)], axis=1)
        sort = ["patient_id"] + [c for c in ("date", "course") if c in df.columns]
        out[table] = df.sort_values(sort, kind="stable").reset_index(drop=True)
    return out


def main(argv: list[str] | None = None) -> None:
    """Write the simulated raw exports of every site to ``--out``."""
    from spinepair.synth.render import render_site

    ap = argparse.ArgumentParser(prog="python -m spinepair.synth.simulate", description=__doc__)
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
