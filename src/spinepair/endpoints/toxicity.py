"""Treatment toxicity (RTOG grades) and compression fracture at the treated level."""

from __future__ import annotations

import pandas as pd

from spinepair.contracts.cdm import TOXICITY_TYPES
from spinepair.errors import ConfigError

FRACTURE_RULES = ("progression_on_or_before", "none")


def compression_fractures(imaging: pd.DataFrame, anchors: pd.DataFrame, rule: str) -> pd.Series:
    """Whether each patient had a treatment-related compression fracture (bool, by patient_key).

    A fracture is an imaging finding "compression_fracture" at the index level dated on or
    after treatment_start. The data model has no cause field, so with
    rule="progression_on_or_before" a fracture is attributed to tumour progression (and is
    not a toxicity) when a "local_progression" at the index level, dated on or after
    treatment_start, precedes or coincides with it; rule="none" counts every such fracture.
    ``anchors`` has patient_key, treatment_start, index_level.
    """
    if rule not in FRACTURE_RULES:
        raise ConfigError(
            f"fracture_progression_rule must be one of {FRACTURE_RULES}, got {rule!r}"
        )
    img = imaging.merge(anchors, on="patient_key")
    img = img[(img["level"] == img["index_level"]) & (img["date"] >= img["treatment_start"])]
    fractures = img[img["finding"] == "compression_fracture"][["patient_key", "date"]]
    if rule == "progression_on_or_before":
        first_lp = img[img["finding"] == "local_progression"].groupby("patient_key")["date"].min()
        lp = fractures["patient_key"].map(first_lp)
        fractures = fractures[lp.isna() | (lp > fractures["date"])]
    keys = anchors["patient_key"]
    return pd.Series(keys.isin(fractures["patient_key"]).to_numpy(), index=keys.to_numpy())


def toxicity_summary(
    toxicities: pd.DataFrame,
    anchors: pd.DataFrame,
    fracture: pd.Series,
    fracture_counts: bool,
) -> pd.DataFrame:
    """Per patient: tox_any, tox_<type> and tox_<type>_grade (max RTOG grade, 0 if none),
    tox_grade2_any. Only toxicities dated on or after treatment_start count; tox_any also
    counts a treatment-related compression fracture when ``fracture_counts``.
    """
    tox = toxicities.merge(anchors[["patient_key", "treatment_start"]], on="patient_key")
    tox = tox[tox["date"] >= tox["treatment_start"]]
    grades = tox.pivot_table(
        index="patient_key", columns="type", values="rtog_grade", aggfunc="max", observed=True
    )
    keys = anchors["patient_key"].to_numpy()
    grades = grades.reindex(index=keys, columns=list(TOXICITY_TYPES)).fillna(0).astype(int)
    out = pd.DataFrame(index=pd.Index(keys, name="patient_key"))
    any_tox = (grades > 0).any(axis=1)
    out["tox_any"] = any_tox | (fracture.reindex(keys).to_numpy() & fracture_counts)
    for t in TOXICITY_TYPES:
        out[f"tox_{t}"] = grades[t] > 0
        out[f"tox_{t}_grade"] = grades[t]
    out["tox_grade2_any"] = (grades >= 2).any(axis=1)
    return out
