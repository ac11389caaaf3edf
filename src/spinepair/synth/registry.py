"""Registry-scale synthetic study: many hospitals, up to millions of screened patients.

``site_truth(rng, site, arm, machine, n)`` draws one site's ground truth with numpy over all its
patients at once, in the same format and dtypes as :func:`spinepair.synth.simulate.simulate`
(six tables keyed by ``patient_id``, fake identifiers in ``patients``). The distributions
are the demo's generic patients' (``simparams.GENERIC``); about 6% of patients have HCC.
Nothing is calibrated to the paper. ``write_registry`` renders every site in one of the
four export styles and writes the matching adapter specs and the study config (an overlay
on the demo's ``config/config.yaml``, which Snakemake's ``--configfile`` merges).

Command line: ``python -m spinepair.synth.simulate --patients N --sites K --out DIR``.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from spinepair.synth import simparams as P
from spinepair.synth.core import (
    LEVELS_BY_REGION,
    OME_MG,
    jan1_days,
    level_span,
    months_to_days,
    other_level,
    regimens,
    shares,
    timeline,
    truth_frames,
)
from spinepair.synth.identities import fake_identities, raw_ids
from spinepair.synth.render import render_site

G, R = P.GENERIC, P.RECORDS
# Export style of the k-th site (cycled) and the demo site whose adapter spec it copies.
STYLE_TEMPLATES = (("wide_csv", "A"), ("xlsx", "B"), ("cp949_csv", "C"), ("long_eav", "D"))
# Adapter specs of the four demo sites (package data; config/sites/<site>.yaml links here).
SITE_SPECS = files("spinepair.synth") / "sites"
# Relative size of a site by arm: SRS centres are smaller than conventional RT centres.
ARM_WEIGHT = {"SRS": 1.0, "RT": 2.0}
PRIMARY_MIX = {"HCC": 0.06, "RCC": 0.035}  # the rest follows simparams.OTHER_PRIMARIES
_NEVER = np.iinfo(np.int64).max


def site_names(n_sites: int) -> list[str]:
    """Registry site codes R01, R02, ..."""
    return [f"R{k + 1:02d}" for k in range(n_sites)]


def site_plan(n_patients: int, n_sites: int, seed: int = P.SEED) -> pd.DataFrame:
    """Per site: name, export style, template spec, arm, machine and number of patients."""
    if n_sites < 4:
        raise ValueError(f"--sites must be at least 4 (one per export style), got {n_sites}")
    if n_patients < 50 * n_sites:
        raise ValueError(f"--patients must be at least 50 per site, got {n_patients}")
    rows = []
    for k, site in enumerate(site_names(n_sites)):
        style, template = STYLE_TEMPLATES[k % 4]
        spec = P.SITES[template]
        rows.append((site, style, template, spec["arm"], spec["machine"]))
    plan = pd.DataFrame(rows, columns=["site", "style", "template", "arm", "machine"])
    rng = np.random.default_rng(np.random.SeedSequence([seed, n_patients, n_sites]))
    w = plan["arm"].map(ARM_WEIGHT).to_numpy() * rng.lognormal(0.0, 0.3, n_sites)
    share = w / w.sum() * n_patients
    n = np.floor(share).astype(np.int64)
    n[np.argsort(n - share, kind="stable")[: n_patients - n.sum()]] += 1
    plan["patients"] = n
    return plan


def _draw(rng, weights: dict, n: int) -> np.ndarray:
    """``n`` keys of ``weights`` drawn with probabilities proportional to the values."""
    keys, p = shares(weights)
    return np.asarray(keys, dtype=object)[rng.choice(len(keys), size=n, p=p)]


def _days(d: np.ndarray) -> np.ndarray:
    """Integer days since 1970-01-01 -> datetime64[ns]."""
    return d.astype("datetime64[D]").astype("datetime64[ns]")


def _covariates(rng, arm: str, n: int) -> dict:
    """Patient-level draws from the ``simparams.GENERIC`` distributions, all at once."""
    rest = 1.0 - sum(PRIMARY_MIX.values())
    other = {k: rest * w for k, w in zip(*shares(P.OTHER_PRIMARIES), strict=True)}
    primary = _draw(rng, {**PRIMARY_MIX, **other}, n)
    hcc = primary == "HCC"
    tumour = np.where(hcc, "HCC", "other")
    share = pd.Series(primary).map(G["prior"]).fillna(G["prior"]["other"]).to_numpy()
    if arm == "SRS":
        prior_kind = _draw(rng, P.SRS_PRIOR_MIX, n)
    else:
        prior_kind = np.full(n, "surgery", dtype=object)
    prior = np.where(rng.random(n) < share, prior_kind, "none")
    keys, p = regimens(arm)
    reg = np.array(keys, float)[rng.choice(len(keys), size=n, p=p)]
    region = _draw(rng, G["region"], n)
    level = np.empty(n, dtype=object)
    for r, levels in LEVELS_BY_REGION.items():
        sel = np.flatnonzero(region == r)
        level[sel] = _draw(rng, dict.fromkeys(levels, 1), len(sel))
    cp = _draw(rng, G["child_pugh"], n)
    vas_pre = np.clip(np.round(rng.normal(*G["vas_pre"], n)), 0, 10).astype(np.int64)
    drop = np.where(
        rng.random(n) < G["vas_drop_share"], rng.integers(0, 6, n), -rng.integers(1, 3, n)
    )
    analgesic_pre = _draw(rng, G["analgesic"], n)
    imaged = rng.random(n) < G["imaged"]
    age = np.clip(rng.normal(*G["age"], n), *G["age_range"])
    median, sigma = G["interval_months"]
    interval = np.minimum(
        np.maximum(0.0, rng.lognormal(np.log(median), sigma, n) - 2),
        (age - G["min_age_at_primary"]) * 12,
    )
    os_median = np.where(hcc, G["os_months"]["HCC"][0], G["os_months"]["other"][0])
    os_sigma = np.where(hcc, G["os_months"]["HCC"][1], G["os_months"]["other"][1])
    volume_median, volume_sigma = G["volume_cc"]
    return {
        "primary": primary,
        "prior": prior,
        "sex": np.where(rng.random(n) < pd.Series(tumour).map(G["male"]), "M", "F").astype(object),
        "age": age,
        "interval": interval,
        "year": rng.integers(P.STUDY_YEARS[0], P.STUDY_YEARS[1] + 1, n),
        "child_pugh": np.where(hcc, cp, None),
        "n_mets": np.minimum(1 + rng.poisson(G["extra_mets"], n), G["max_mets"]),
        "ecog": rng.choice(5, size=n, p=G["ecog"]),
        "ambulation": rng.choice([1, 2, 3, 4, 5], size=n, p=G["ambulation"]),
        "level": level,
        "volume": np.round(
            np.clip(rng.lognormal(np.log(volume_median), volume_sigma, n), *G["volume_range"]), 1
        ),
        "total": reg[:, 0],
        "fx": reg[:, 1].astype(np.int64),
        "vas_pre": vas_pre,
        "vas_post": np.clip(vas_pre - drop, 0, 10),
        "analgesic_pre": analgesic_pre,
        "analgesic_post": np.where(
            rng.random(n) < G["analgesic_kept"], analgesic_pre, "none"
        ).astype(object),
        "post_visit": rng.random(n) < G["post_visit"],
        "os": np.clip(rng.lognormal(np.log(os_median), os_sigma), *G["os_range"]),
        "dead": rng.random(n) < G["dead"],
        "imaged": imaged,
        "lp": np.where(imaged, rng.exponential(G["lp_mean_months"][arm], n), np.inf),
        "olp": imaged & (rng.random(n) < G["other_level"]),
        "tox": rng.random(n) < G["toxicity"][arm],
        "cf": imaged & (rng.random(n) < G["fracture"][arm]),
    }


def site_truth(rng: np.random.Generator, site: str, arm: str, machine: str, n: int) -> dict:
    """Ground truth of one registry site: ``{table: DataFrame}`` as ``simulate()`` gives."""
    c = _covariates(rng, arm, n)
    srs = arm == "SRS"
    pid = raw_ids(rng, site, n)
    start = jan1_days(c["year"]) + rng.integers(*R["start_day"], n)
    fx = c["fx"]
    t = timeline(start, rng.integers(*R["spine_dx_lead"], n), fx, c["interval"], c["age"], c["os"])
    fu, last, birth = t["followup_days"], t["last"], t["birth"]
    level = c["level"]
    patients = {
        "patient_id": pid,
        "sex": c["sex"],
        "birth_date": _days(birth),
        "primary_tumor": c["primary"],
        "primary_diagnosis_date": _days(t["primary"]),
        "spine_met_diagnosis_date": _days(t["spine"]),
        "child_pugh": c["child_pugh"],
        "n_spine_mets": c["n_mets"],
        "ecog": c["ecog"],
        "ambulation": c["ambulation"],
        "index_level": level,
        "tumor_volume_cc": c["volume"],
        "prior_index_treatment": c["prior"],
        "death_date": np.where(c["dead"], _days(last), np.datetime64("NaT")),
        "last_followup_date": _days(last),
    }
    if srs:
        novalis = machine == "Novalis"
        isodose = (
            np.full(n, R["novalis_isodose_pct"])
            if novalis
            else rng.integers(*R["isodose_pct"], n).astype(float)
        )
        coverage = np.clip(np.round(rng.normal(*R["coverage_pct"], n), 1), *R["coverage_range"])
    else:
        isodose = coverage = np.full(n, np.nan)
    treatments = {
        "patient_id": pid,
        "course": np.ones(n, np.int64),
        "modality": np.full(n, arm, object),
        "machine": np.full(n, machine, object),
        "start_date": _days(start),
        "end_date": _days(t["end"]),
        "total_dose_gy": c["total"],
        "fractions": fx,
        "isodose_pct": isodose,
        "coverage_pct": coverage,
        "levels": level if srs else level_span(level),
        "intent": np.full(n, "primary", object),
    }
    tables = {
        "patients": patients,
        "treatments": treatments,
        "assessments": _assessments(rng, pid, c, start, t["end"], fu),
    }
    tables["imaging"], lp_day = _imaging(rng, pid, c, start, fu, level)
    has_tox = np.flatnonzero(c["tox"])
    tables["toxicities"] = {
        "patient_id": pid[has_tox],
        "date": _days(
            start[has_tox] + np.minimum(rng.integers(*R["toxicity_lag"], len(has_tox)), fu[has_tox])
        ),
        "type": _draw(rng, dict.fromkeys(G["toxicity_types"], 1), len(has_tox)),
        "rtog_grade": _draw(rng, G["rtog_grade"], len(has_tox)),
    }
    when = lp_day + rng.integers(*R["further_lag"], n)
    ft = np.flatnonzero((lp_day >= 0) & (rng.random(n) < G["further"]) & (when < fu))
    tables["further_treatments"] = {
        "patient_id": pid[ft],
        "date": _days(start[ft] + when[ft]),
        "type": _draw(rng, dict.fromkeys(G["further_types"], 1), len(ft)),
        "level": level[ft],
        "reason": np.full(len(ft), "tumor_progression", object),
    }
    return truth_frames(tables, fake_identities(rng, _days(birth), c["sex"]))


def _assessments(rng, pid, c, start, end, fu) -> dict:
    n = len(pid)
    pre = start - rng.integers(*R["pain_pre_lead"], n)
    post = end + rng.integers(*R["pain_post_lag"], n)
    has_post = np.flatnonzero(c["post_visit"] & (post - start < fu))
    analgesic = np.concatenate([c["analgesic_pre"], c["analgesic_post"][has_post]])
    return {
        "patient_id": np.concatenate([pid, pid[has_post]]),
        "date": _days(np.concatenate([pre, post[has_post]])),
        "vas": np.concatenate([c["vas_pre"], c["vas_post"][has_post]]),
        "analgesic": analgesic,
        "ome_mg": pd.Series(analgesic).map(OME_MG).to_numpy(float),
    }


def _imaging(rng, pid, c, start, fu, level) -> tuple[dict, np.ndarray]:
    """MRI visits until local progression or last follow-up; the local-progression day
    (from treatment start) per patient, -1 when none was seen."""
    visits = months_to_days(np.array(P.MRI_VISIT_MONTHS))
    n_vis = np.searchsorted(visits, fu, side="right")  # visits on or before last follow-up
    fallback = n_vis == 0  # no scheduled visit: one scan the day before the last follow-up
    n_vis = np.where(fallback, 1, n_vis)
    lp_d = np.where(
        np.isfinite(c["lp"]), months_to_days(np.where(np.isfinite(c["lp"]), c["lp"], 0)), _NEVER
    )
    fb_day = np.maximum(1, fu - 1)
    lp_vis = np.where(fallback, np.where(fb_day >= lp_d, 0, _NEVER), visits.searchsorted(lp_d))
    lp_vis = np.where(lp_vis < n_vis, lp_vis, -1)
    last = np.where(lp_vis >= 0, lp_vis, n_vis - 1)
    img = np.flatnonzero(c["imaged"])
    k_rows = last[img] + 1
    who = np.repeat(img, k_rows)
    k = np.arange(len(who)) - np.repeat(np.cumsum(k_rows) - k_rows, k_rows)
    day = np.where(fallback[who], fb_day[who], visits[np.minimum(k, len(visits) - 1)])
    is_lp = k == lp_vis[who]
    finding = np.where(is_lp, "local_progression", "no_progression").astype(object)
    lp_day = np.full(len(pid), -1, np.int64)
    lp_day[who[is_lp]] = day[is_lp]
    parts = [(who, day, finding, level[who], 0)]
    for flag, name, tag in (
        (c["olp"], "other_level_progression", 1),
        (c["cf"], "compression_fracture", 2),
    ):
        sel = np.flatnonzero(flag)
        at = np.minimum(rng.integers(0, n_vis[sel]), last[sel])
        d = np.where(fallback[sel], fb_day[sel], visits[np.minimum(at, len(visits) - 1)])
        lv = other_level(rng, level[sel]) if tag == 1 else level[sel]
        parts.append((sel, d, np.full(len(sel), name, object), lv, tag))
    w = np.concatenate([p[0] for p in parts])
    d = np.concatenate([p[1] for p in parts])
    tag = np.concatenate([np.full(len(p[0]), p[4]) for p in parts])
    order = np.lexsort((tag, d, w))
    return {
        "patient_id": pid[w][order],
        "date": _days(start[w] + d)[order],
        "modality": np.full(len(w), "MRI", object),
        "finding": np.concatenate([p[2] for p in parts])[order],
        "level": np.concatenate([p[3] for p in parts])[order],
    }, lp_day


def registry_truths(n_patients: int, n_sites: int, seed: int = P.SEED):
    """Yield ``(plan row, truth)`` per site; each site has its own random stream."""
    plan = site_plan(n_patients, n_sites, seed)
    streams = np.random.SeedSequence([seed, n_patients, n_sites]).spawn(n_sites + 1)[1:]
    for row, ss in zip(plan.itertuples(index=False), streams, strict=True):
        yield (
            row,
            site_truth(np.random.default_rng(ss), row.site, row.arm, row.machine, row.patients),
        )


def site_spec_text(template: str, site: str) -> str:
    """The demo adapter spec of ``template`` with its ``site:`` line renamed."""
    text = (SITE_SPECS / f"{template}.yaml").read_text(encoding="utf-8")
    new, n = re.subn(rf"^site: {template}$", f"site: {site}", text, count=1, flags=re.MULTILINE)
    if n != 1:
        raise ValueError(f"the adapter spec of demo site {template} has no 'site: {template}' line")
    return new


def study_config(out: Path, sites: list[str]) -> dict:
    """The registry study as an overlay on the demo study config (``--configfile`` merges it
    into ``config/config.yaml``): its folders and sites, and auto matching (optimal in small
    exact strata, greedy in large ones)."""
    return {
        "study": {"title": f"Registry-scale synthetic study ({len(sites)} sites)"},
        "raw_root": str(out),
        "site_specs": str(out / "sites"),
        "results_dir": str(out / "results"),
        "sites": list(sites),
        "matching": {"method": "auto"},
    }


def write_registry(out: str | Path, n_patients: int, n_sites: int, seed: int = P.SEED, log=print):
    """Write ``out/<site>/`` raw exports, ``out/sites/<site>.yaml`` and ``out/config.yaml``."""
    out = Path(out).resolve()
    (out / "sites").mkdir(parents=True, exist_ok=True)
    sites = []
    for row, truth in registry_truths(n_patients, n_sites, seed):
        render_site(truth, row.style, out / row.site)
        (out / "sites" / f"{row.site}.yaml").write_text(
            site_spec_text(row.template, row.site), encoding="utf-8"
        )
        sites.append(row.site)
        log(f"site {row.site} ({row.arm}, {row.style}): {row.patients} patients")
    cfg = study_config(out, sites)
    (out / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return out / "config.yaml"
