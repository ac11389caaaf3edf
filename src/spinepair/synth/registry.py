"""Registry-scale synthetic study: many hospitals, up to millions of screened patients.

``site_truth(rng, site, arm, machine, n)`` draws one site's ground truth with numpy over all its
patients at once, in the same format and dtypes as :func:`spinepair.synth.simulate.simulate`
(six tables keyed by ``patient_id``, fake identifiers in ``patients``). The distributions
are those of the demo's generic patients; about 6% of patients have HCC. Nothing is
calibrated to the paper. ``write_registry`` renders every site in one of the four export
styles and writes the matching adapter specs and a complete study config.

Command line: ``python -m spinepair.synth.simulate --patients N --sites K --out DIR``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from spinepair.contracts.cdm import TABLES, VOCABULARIES
from spinepair.contracts.stages import column_dtypes
from spinepair.synth import simparams as P
from spinepair.synth.identities import GIVEN, SURNAMES
from spinepair.synth.render import render_site

ROOT = Path(__file__).resolve().parents[2]
# Export style of the k-th site (cycled) and the demo site whose adapter spec it copies.
STYLE_TEMPLATES = (("wide_csv", "A"), ("xlsx", "B"), ("cp949_csv", "C"), ("long_eav", "D"))
# Relative size of a site by arm: SRS centres are smaller than conventional RT centres.
ARM_WEIGHT = {"SRS": 1.0, "RT": 2.0}
PRIMARY_MIX = {"HCC": 0.06, "RCC": 0.035}  # the rest follows simparams.OTHER_PRIMARIES
PRIOR_SHARE = {"HCC": 0.2, "RCC": 0.15, "other": 0.08}
REGIONS = ("cervical", "thoracic", "lumbar", "sacral")
REGION_P = (0.15, 0.42, 0.38, 0.05)
TOX_TYPES = ("nausea", "diarrhea", "sore_throat", "dry_mouth", "dysphagia", "esophagitis", "skin")
_LEVELS = VOCABULARIES["spine_level"]
_NEVER = np.iinfo(np.int64).max
_REGION_LEVELS = {
    "cervical": [f"C{i}" for i in range(2, 8)],
    "thoracic": [f"T{i}" for i in range(1, 13)],
    "lumbar": [f"L{i}" for i in range(1, 6)],
    "sacral": ["S1", "S2"],
}


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


def _choice(rng, values, p, n) -> np.ndarray:
    p = np.asarray(p, float)
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=p / p.sum())]


def _days(d: np.ndarray) -> np.ndarray:
    """Integer days since 1970-01-01 -> datetime64[ns]."""
    return d.astype("datetime64[D]").astype("datetime64[ns]")


def _m2d(months: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(months) * P.MONTH_DAYS).astype(np.int64)


def _covariates(rng, arm: str, n: int) -> dict:
    """Patient-level draws (the demo's generic-patient distributions, vectorised)."""
    srs = arm == "SRS"
    other = list(P.OTHER_PRIMARIES)
    w_other = np.array(list(P.OTHER_PRIMARIES.values()), float)
    rest = 1.0 - sum(PRIMARY_MIX.values())
    p = [*PRIMARY_MIX.values(), *(rest * w_other / w_other.sum())]
    primary = _choice(rng, [*PRIMARY_MIX, *other], p, n)
    hcc = primary == "HCC"
    share = np.where(hcc, PRIOR_SHARE["HCC"], PRIOR_SHARE["other"])
    share[primary == "RCC"] = PRIOR_SHARE["RCC"]
    if srs:
        prior_kind = _choice(rng, list(P.SRS_PRIOR_MIX), list(P.SRS_PRIOR_MIX.values()), n)
    else:
        prior_kind = np.full(n, "surgery", dtype=object)
    prior = np.where(rng.random(n) < share, prior_kind, "none")
    regimens = P.SRS_REGIMENS if srs else P.RT_REGIMENS
    reg = np.array(list(regimens), float)[
        rng.choice(
            len(regimens), size=n, p=np.array(list(regimens.values())) / sum(regimens.values())
        )
    ]
    region = _choice(rng, REGIONS, REGION_P, n)
    level = np.empty(n, dtype=object)
    for r in REGIONS:
        sel = np.flatnonzero(region == r)
        level[sel] = _choice(rng, _REGION_LEVELS[r], np.ones(len(_REGION_LEVELS[r])), len(sel))
    cp = _choice(rng, ["A", "B", "C"], [0.75, 0.2, 0.05], n)
    vas_pre = np.clip(np.round(rng.normal(6, 2.5, n)), 0, 10).astype(np.int64)
    drop = np.where(rng.random(n) < 0.85, rng.integers(0, 6, n), -rng.integers(1, 3, n)).astype(
        np.int64
    )
    analgesic_pre = _choice(rng, VOCABULARIES["analgesic"], [0.1, 0.35, 0.1, 0.45], n)
    imaged = rng.random(n) < 0.8
    age = np.clip(rng.normal(60, 11, n), 25, 89)
    # primary diagnosis at age 20 or later (the lognormal tail would otherwise precede birth)
    interval = np.minimum(np.maximum(0.0, rng.lognormal(np.log(14), 1.1, n) - 2), (age - 20) * 12)
    return {
        "primary": primary,
        "prior": prior,
        "sex": np.where(rng.random(n) < np.where(hcc, 0.85, 0.55), "M", "F").astype(object),
        "age": age,
        "interval": interval,
        "year": rng.integers(P.STUDY_YEARS[0], P.STUDY_YEARS[1] + 1, n),
        "child_pugh": np.where(hcc, cp, None),
        "n_mets": np.minimum(1 + rng.poisson(1.3, n), 12),
        "ecog": rng.choice(5, size=n, p=[0.2, 0.4, 0.25, 0.12, 0.03]),
        "ambulation": rng.choice([1, 2, 3, 4, 5], size=n, p=[0.55, 0.25, 0.1, 0.07, 0.03]),
        "level": level,
        "volume": np.round(np.clip(rng.lognormal(np.log(30), 0.7, n), 1, 400), 1),
        "total": reg[:, 0],
        "fx": reg[:, 1].astype(np.int64),
        "vas_pre": vas_pre,
        "vas_post": np.clip(vas_pre - drop, 0, 10),
        "analgesic_pre": analgesic_pre,
        "analgesic_post": np.where(rng.random(n) < 0.7, analgesic_pre, "none").astype(object),
        "post_visit": rng.random(n) < 0.9,
        "os": np.clip(rng.lognormal(np.where(hcc, np.log(8), np.log(11)), 0.9), 0.3, 84),
        "dead": rng.random(n) < 0.8,
        "imaged": imaged,
        "lp": np.where(imaged, rng.exponential(12 if srs else 10, n), np.inf),
        "olp": imaged & (rng.random(n) < 0.3),
        "tox": rng.random(n) < (0.25 if srs else 0.5),
        "cf": imaged & (rng.random(n) < (0.12 if srs else 0.04)),
    }


def _level_span(level: np.ndarray) -> np.ndarray:
    i = pd.Index(_LEVELS).get_indexer(level)
    lv = np.array(_LEVELS, dtype=object)
    return lv[np.maximum(i - 1, 0)] + "-" + lv[np.minimum(i + 1, len(lv) - 1)]


def _other_level(rng, level: np.ndarray) -> np.ndarray:
    """A level at least two away from the index level, among the first 24 (C1..L5)."""
    i = pd.Index(_LEVELS).get_indexer(level)
    j = rng.integers(0, 24, len(i))
    bad = np.abs(j - i) < 2
    while bad.any():
        j[bad] = rng.integers(0, 24, int(bad.sum()))
        bad = np.abs(j - i) < 2
    return np.array(_LEVELS, dtype=object)[j]


def _identities(rng, birth: np.ndarray, sex: np.ndarray) -> dict:
    n = len(birth)
    sur, given = np.array(list(SURNAMES), object), np.array(list(GIVEN), object)
    names = sur[rng.integers(0, len(sur), n)] + given[rng.integers(0, len(given), n)]
    names = names + given[rng.integers(0, len(given), n)]
    b = pd.Series(_days(birth))
    digit = np.where(sex == "M", 1, 2) + np.where(b.dt.year.to_numpy() >= 2000, 2, 0)
    serial = pd.Series(rng.integers(0, 1_000_000, n) + 1_000_000).astype(str).str[1:]
    rrn = b.dt.strftime("%y%m%d") + "-" + pd.Series(digit).astype(str) + serial
    ph1 = pd.Series(rng.integers(2000, 10000, n)).astype(str)
    ph2 = pd.Series(rng.integers(10000, 20000, n)).astype(str).str[1:]
    return {
        "name": names,
        "rrn": rrn.to_numpy(object),
        "phone": ("010-" + ph1 + "-" + ph2).to_numpy(object),
    }


def site_truth(rng: np.random.Generator, site: str, arm: str, machine: str, n: int) -> dict:
    """Ground truth of one registry site: ``{table: DataFrame}`` as ``simulate()`` gives."""
    c = _covariates(rng, arm, n)
    srs = arm == "SRS"
    ids = pd.Series(np.sort(rng.choice(9_000_000, size=n, replace=False) + 1_000_000))
    pid = (site + ids.astype(str)).to_numpy(object)
    jan1 = (c["year"] - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    start = jan1 + rng.integers(5, 355, n)
    fx = c["fx"]
    span = np.where(fx == 1, 0, fx - 1 + 2 * ((fx - 1) // 5))
    end = start + span
    spine = start - rng.integers(3, 40, n)
    primary_dx = spine - _m2d(c["interval"])
    birth = start - np.round(c["age"] * 365.25).astype(np.int64)
    fu = np.maximum(_m2d(c["os"]), span + 1)
    last = start + fu
    level = c["level"]
    patients = {
        "patient_id": pid,
        "sex": c["sex"],
        "birth_date": _days(birth),
        "primary_tumor": c["primary"],
        "primary_diagnosis_date": _days(primary_dx),
        "spine_met_diagnosis_date": _days(spine),
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
        isodose = np.full(n, 80.0) if novalis else rng.integers(70, 86, n).astype(float)
        coverage = np.clip(np.round(rng.normal(96, 2, n), 1), 90, 99.9)
    else:
        isodose = coverage = np.full(n, np.nan)
    treatments = {
        "patient_id": pid,
        "course": np.ones(n, np.int64),
        "modality": np.full(n, arm, object),
        "machine": np.full(n, machine, object),
        "start_date": _days(start),
        "end_date": _days(end),
        "total_dose_gy": c["total"],
        "fractions": fx,
        "isodose_pct": isodose,
        "coverage_pct": coverage,
        "levels": level if srs else _level_span(level),
        "intent": np.full(n, "primary", object),
    }
    tables = {
        "patients": patients,
        "treatments": treatments,
        "assessments": _assessments(rng, pid, c, start, end, fu),
    }
    tables["imaging"], lp_day = _imaging(rng, pid, c, start, fu, level)
    has_tox = np.flatnonzero(c["tox"])
    tables["toxicities"] = {
        "patient_id": pid[has_tox],
        "date": _days(start[has_tox] + np.minimum(rng.integers(3, 40, len(has_tox)), fu[has_tox])),
        "type": _choice(rng, TOX_TYPES, np.ones(len(TOX_TYPES)), len(has_tox)),
        "rtog_grade": rng.choice([1, 2, 3], size=len(has_tox), p=[0.7, 0.27, 0.03]),
    }
    when = lp_day + rng.integers(7, 40, n)
    ft = np.flatnonzero((lp_day >= 0) & (rng.random(n) < 0.3) & (when < fu))
    tables["further_treatments"] = {
        "patient_id": pid[ft],
        "date": _days(start[ft] + when[ft]),
        "type": _choice(
            rng, ["surgery", "vertebroplasty_kyphoplasty", "srs", "rt"], [1] * 4, len(ft)
        ),
        "level": level[ft],
        "reason": np.full(len(ft), "tumor_progression", object),
    }
    return _frames(tables, _identities(rng, birth, c["sex"]))


def _assessments(rng, pid, c, start, end, fu) -> dict:
    n = len(pid)
    pre = start - rng.integers(0, 8, n)
    post = end + rng.integers(25, 36, n)
    has_post = np.flatnonzero(c["post_visit"] & (post - start < fu))
    ome = {"none": 0.0, "otc": 0.0, "steroid": 0.0, "narcotic": 60.0}
    analgesic = np.concatenate([c["analgesic_pre"], c["analgesic_post"][has_post]])
    return {
        "patient_id": np.concatenate([pid, pid[has_post]]),
        "date": _days(np.concatenate([pre, post[has_post]])),
        "vas": np.concatenate([c["vas_pre"], c["vas_post"][has_post]]),
        "analgesic": analgesic,
        "ome_mg": pd.Series(analgesic).map(ome).to_numpy(float),
    }


def _imaging(rng, pid, c, start, fu, level) -> tuple[dict, np.ndarray]:
    """MRI visits until local progression or last follow-up; the local-progression day
    (from treatment start) per patient, -1 when none was seen."""
    visits = _m2d(np.array(P.MRI_VISIT_MONTHS))
    n_vis = np.searchsorted(visits, fu, side="right")  # visits on or before last follow-up
    fallback = n_vis == 0  # no scheduled visit: one scan the day before the last follow-up
    n_vis = np.where(fallback, 1, n_vis)
    lp_d = np.where(np.isfinite(c["lp"]), _m2d(np.where(np.isfinite(c["lp"]), c["lp"], 0)), _NEVER)
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
        lv = _other_level(rng, level[sel]) if tag == 1 else level[sel]
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


def _frames(tables: dict, identities: dict) -> dict[str, pd.DataFrame]:
    """Column arrays -> DataFrames in the common-data-model dtypes, sorted as simulate()."""
    out = {}
    for table, cols in TABLES.items():
        keep = tuple(c for c in cols if c.name not in ("patient_key", "site", "arm"))
        df = pd.DataFrame({"patient_id": tables[table]["patient_id"]})
        for col in keep:
            df[col.name] = tables[table][col.name]
        df = df.astype({"patient_id": "string", **column_dtypes(keep)})
        if table == "patients":
            for name, values in identities.items():
                df[name] = pd.array(values, dtype="string")
        sort = ["patient_id"] + [c for c in ("date", "course") if c in df.columns]
        out[table] = df.sort_values(sort, kind="stable").reset_index(drop=True)
    return out


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
    text = (ROOT / "config" / "sites" / f"{template}.yaml").read_text(encoding="utf-8")
    new, n = re.subn(rf"^site: {template}$", f"site: {site}", text, count=1, flags=re.MULTILINE)
    if n != 1:
        raise ValueError(f"config/sites/{template}.yaml has no 'site: {template}' line")
    return new


def study_config(out: Path, sites: list[str]) -> dict:
    """The demo study config pointed at a registry folder, with auto matching (optimal in
    small exact strata, greedy in large ones)."""
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    cfg["study"]["title"] = f"Registry-scale synthetic study ({len(sites)} sites)"
    cfg["raw_root"] = str(out)
    cfg["site_specs"] = str(out / "sites")
    cfg["results_dir"] = str(out / "results")
    cfg["sites"] = list(sites)
    cfg["matching"]["method"] = "auto"
    cfg["pseudonymisation"]["key_file"] = str(ROOT / "config" / "demo.key")
    ref = cfg["analysis"].get("reference_figures")
    if ref:
        cfg["analysis"]["reference_figures"] = str(ROOT / ref)
    return cfg


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
