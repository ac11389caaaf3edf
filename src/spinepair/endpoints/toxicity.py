"""Treatment toxicity (RTOG grades, within a declared acute window) and compression fracture at
the treated level (a count and a time to event)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair.contracts.cdm import TOXICITY_TYPES
from spinepair.errors import ConfigError

FRACTURE_RULES = ("progression_on_or_before", "none")


def first_fractures(imaging: pd.DataFrame, anchors: pd.DataFrame, rule: str) -> pd.Series:
    """Date of each patient's first treatment-related compression fracture (NaT when none;
    by patient_key).

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
    first = fractures.groupby("patient_key")["date"].min()
    keys = anchors["patient_key"]
    return pd.Series(keys.map(first).to_numpy(), index=keys.to_numpy(), dtype="datetime64[ns]")


def compression_fractures(imaging: pd.DataFrame, anchors: pd.DataFrame, rule: str) -> pd.Series:
    """Whether each patient had a treatment-related compression fracture (bool, by patient_key;
    see :func:`first_fractures`)."""
    return first_fractures(imaging, anchors, rule).notna()


def fracture_times(
    imaging: pd.DataFrame, anchors: pd.DataFrame, first: pd.Series, month_days: float
) -> pd.DataFrame:
    """Time to the first treatment-related compression fracture (``first``, from
    :func:`first_fractures`): fracture_months from the origin and fracture_event; without one,
    censored at the last imaging (any finding, any level) dated on or after the origin. A
    patient without such imaging has NA (not under imaging surveillance, not at risk). A
    fracture dated before the origin (origin treatment_end) counts at 0 months. ``anchors``
    has patient_key and origin.
    """
    a = anchors.set_index("patient_key")
    img = imaging.merge(anchors[["patient_key", "origin"]], on="patient_key")
    last = img[img["date"] >= img["origin"]].groupby("patient_key")["date"].max()
    last = last.reindex(a.index)
    event = first.reindex(a.index)
    end = event.where(event.notna(), last)
    months = ((end - a["origin"]).dt.days.clip(lower=0) / month_days).astype("Float64")
    imaged = last.notna()
    return pd.DataFrame(
        {
            "fracture_months": months.where(imaged),
            "fracture_event": event.notna().astype("boolean").where(imaged),
        },
        index=a.index.rename("patient_key"),
    )


def toxicity_summary(
    toxicities: pd.DataFrame,
    anchors: pd.DataFrame,
    fracture: pd.Series,
    fracture_counts: bool,
    window_days: int | None = None,
) -> pd.DataFrame:
    """Per patient: tox_any, tox_<type> and tox_<type>_grade (max RTOG grade, 0 if none),
    tox_grade2_any. Only toxicities dated on or after treatment_start count, and with
    ``window_days`` only those dated at most that many days after it (acute toxicity);
    tox_any also counts a treatment-related compression fracture when ``fracture_counts``.
    """
    tox = toxicities.merge(anchors[["patient_key", "treatment_start"]], on="patient_key")
    days = (tox["date"] - tox["treatment_start"]).dt.days
    tox = tox[(days >= 0) & (days <= (np.inf if window_days is None else window_days))]
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
