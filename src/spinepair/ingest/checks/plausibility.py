"""Clinical plausibility of values that parse and lie in the CDM range, but are likely
misread: doses (per fraction, per modality, BED), a site's dose unit, and sentinel codes.

Limits come from the study config's ``plausibility`` section over :data:`DEFAULTS`
(spine radiotherapy practice: conventional RT 8 Gy x 1 to 2 Gy x 35; SRS/SBRT 12-24 Gy x 1
to 30-50 Gy in 3-5 fractions). Each check is an error unless ``severity`` lowers it to
``warning``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair.ingest.checks.collector import Checks
from spinepair.ingest.checks.sitewide import Sitewide

DEFAULTS = {
    "dose_per_fraction_gy": [1.0, 30.0],
    "modality": {
        "SRS": {"total_dose_gy": [10.0, 60.0], "fractions": [1, 5]},
        "RT": {"total_dose_gy": [4.0, 70.0], "fractions": [1, 40]},
    },
    "alpha_beta": 10.0,
    "bed_gy": [10.0, 150.0],
    # a site whose doses are nearly all (this share) outside dose_unit_gy: unit mix-up
    "dose_unit_gy": [1.0, 100.0],
    "dose_unit_share": 0.9,
    # codes that are flagged where they stand out from the rest of their column
    "sentinels": [-1, 9, 99, 999, 9999],
    "sentinel_factor": 2.0,  # stands out: beyond factor x the 99th percentile of the rest
    "sentinel_min_values": 10,  # the rest must have at least this many values
    "severity": {},
}
CHECKS = ("dose_per_fraction", "modality_dose", "bed", "dose_unit", "sentinel")


def settings(config: dict | None) -> dict:
    """The plausibility limits: the study config's section over the defaults."""
    out = DEFAULTS | (config or {})
    out["modality"] = DEFAULTS["modality"] | out["modality"]
    return out


def check_doses(
    chk: Checks, raw: pd.DataFrame, tx: pd.DataFrame, limits: dict, site: Sitewide | None = None
) -> None:
    """Dose per fraction, total dose and fractions per modality, BED, the site's unit
    (over the whole site through ``site`` when the site is read in parts)."""
    dose, n = tx["total_dose_gy"], tx["fractions"]
    per = dose / n
    lo, hi = limits["dose_per_fraction_gy"]
    chk.register(
        "dose_per_fraction", "treatments", "total_dose_gy", f"{lo} <= dose/fraction <= {hi} Gy"
    )
    bad = per.notna() & ((per < lo) | (per > hi))
    detail = (
        "dose per fraction " + per.round(3).astype("string") + f" Gy outside {lo}..{hi} Gy "
        "(dose and fractions swapped, a per-fraction dose given as the total, or a unit?)"
    )
    chk.fail(
        raw, "treatments", bad, "total_dose_gy", "dose_per_fraction", detail, raw["total_dose_gy"]
    )
    for modality, rule in limits["modality"].items():
        mine = tx["modality"] == modality
        for col, (lo, hi) in rule.items():
            chk.register("modality_dose", "treatments", col, f"{modality}: {lo} <= {col} <= {hi}")
            bad = mine & tx[col].notna() & ((tx[col] < lo) | (tx[col] > hi))
            detail = f"implausible for {modality}: outside {lo}..{hi}"
            chk.fail(raw, "treatments", bad, col, "modality_dose", detail, raw[col])
    ab = limits["alpha_beta"]
    bed = dose * (1 + per / ab)
    lo, hi = limits["bed_gy"]
    chk.register("bed", "treatments", "total_dose_gy", f"{lo} <= BED (alpha/beta {ab}) <= {hi} Gy")
    bad = bed.notna() & ((bed < lo) | (bed > hi))
    detail = "BED " + bed.round(1).astype("string") + f" Gy outside {lo}..{hi} Gy"
    chk.fail(raw, "treatments", bad, "total_dose_gy", "bed", detail, raw["total_dose_gy"])
    _check_unit(chk, raw, dose, limits, site)


def _check_unit(chk: Checks, raw: pd.DataFrame, dose: pd.Series, limits: dict, site) -> None:
    lo, hi = limits["dose_unit_gy"]
    share = limits["dose_unit_share"]
    chk.register(
        "dose_unit", "treatments", "total_dose_gy", f"not {share:.0%} of doses < {lo} or > {hi} Gy"
    )
    sides = [
        (f"below {lo} Gy", (dose < lo).fillna(False).astype(bool), raw["_row"]),
        (f"above {hi} Gy", (dose > hi).fillna(False).astype(bool), raw["_row"]),
    ]
    known = int(dose.notna().sum())
    if site is None:
        found = {
            side: (known, int(mask.sum()), raw.loc[mask, "_row"].min())
            for side, mask, _ in sides
            if known and mask.sum() >= share * known
        }
    else:
        found = site.dose_unit(known, sides)
    for side, mask, _ in sides:
        if found.get(side) is None:
            continue
        n_known, n_side, first_row = found[side]
        first = mask & (raw["_row"] == first_row)
        detail = (
            f"{n_side} of {n_known} doses are {side}: cGy/Gy mix-up? "
            "(check units: in the site spec)"
        )
        chk.fail(
            raw, "treatments", first, "total_dose_gy", "dose_unit", detail, raw["total_dose_gy"]
        )


def check_sentinel(
    chk: Checks,
    table: str,
    raw: pd.DataFrame,
    name: str,
    s: pd.Series,
    limits: dict,
    site: Sitewide | None = None,
) -> None:
    """Codes such as 999 or -1 standing out from the rest of a numeric column (of the
    whole site through ``site`` when the site is read in parts)."""
    codes = [float(c) for c in limits["sentinels"]]
    chk.register("sentinel", table, name, f"no code of {limits['sentinels']} standing out")
    num = pd.to_numeric(s, errors="coerce").astype("float64")
    code = num.isin(codes)
    if site is not None:
        stats = site.sentinel((table, name), num, code)
    else:
        rest = num[~code].dropna()
        enough = len(rest) >= limits["sentinel_min_values"]
        stats = (np.quantile(rest, 0.99), rest.min(), rest.max(), len(rest)) if enough else None
    if not code.any() or stats is None:
        return
    top, bottom, most, _ = stats
    out = code & ((num > limits["sentinel_factor"] * max(top, 0)) | ((num < 0) & (bottom >= 0)))
    detail = (
        "a missing-value code? it stands out from the column's other values "
        f"({bottom:g}..{most:g}); declare it under missing_codes: in the site spec"
    )
    chk.fail(raw, table, out, name, "sentinel", detail, s)
