"""The 28 designed matched pairs of the demo, calibrated to the reference paper.

Each block (covariates, dose, pain: :mod:`spinepair.synth.calibrate_baseline`; survival
and imaging, toxicity and further treatment: :mod:`spinepair.synth.calibrate_outcomes`)
is drawn from plausible distributions and redrawn until the block meets the paper's
figures within the tolerances of :mod:`spinepair.synth.simparams`: exact counts by
construction, means and SDs within a few percent, the paper's significance decisions
at alpha 0.05. The checks (:mod:`spinepair.synth.checks`) use scipy, statsmodels and
lifelines, never the pipeline's own statistics. Redrawing is driven by the seeded
generator, so the result is deterministic.
"""

from __future__ import annotations

import numpy as np

from spinepair.synth.calibrate_baseline import covariates, doses, pain
from spinepair.synth.calibrate_outcomes import place_events, survival


def calibrated_pairs(rng: np.random.Generator) -> list[tuple[dict, dict]]:
    """The 28 designed (SRS, RT) pairs as simulator records."""
    pairs = covariates(rng)
    for k, arm_doses in enumerate(doses(rng)):
        for rec, (total, fx) in zip((p[k] for p in pairs), arm_doses):
            rec["total_dose_gy"], rec["fractions"] = total, fx
    for k, arm_pain in enumerate(pain(rng)):
        for rec, answers in zip((p[k] for p in pairs), arm_pain):
            rec.update({key: v for key, v in answers.items() if key != "pain_category"})
    years = [np.array([p[k]["treatment_year"] for p in pairs]) for k in (0, 1)]
    for _ in range(100):
        srs, rt = survival(rng, *years)
        surv = {"SRS": srs, "RT": rt}
        if place_events(rng, pairs, surv):
            break
    else:  # pragma: no cover
        raise RuntimeError("toxicity/further-treatment calibration failed")
    for k, arm in enumerate(("SRS", "RT")):
        for p, sv in zip(pairs, surv[arm]):
            rec = p[k]
            rec.setdefault("toxicities", [])
            rec.setdefault("cf", False)
            rec.setdefault("further", None)
            rec.update(
                {
                    "os_months": sv["os_months"],
                    "dead": sv["dead"],
                    "imaged": sv["imaged"],
                    "lp_visit": sv["lp_visit"],
                    "mri_months": [float(v) for v in sv["visits"]],
                    "lp_months": None,
                    "olp": False,
                    "post_visit": True,
                }
            )
    return [(p[0], p[1]) for p in pairs]
