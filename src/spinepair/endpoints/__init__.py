"""Endpoints: the derive stage (per-patient covariates and endpoints of one site), dose and
BED, pain response, toxicity and fractures, times to event.

May import: spinepair.errors, spinepair.contracts."""

from spinepair.endpoints.pain import (
    CHOW_CATEGORIES,
    DEFAULT_LADDER,
    PAPER_CATEGORIES,
    pain_response,
    select_visits,
)
from spinepair.endpoints.survival_times import further_treatment, time_to_events
from spinepair.endpoints.toxicity import (
    compression_fractures,
    first_fractures,
    fracture_times,
    toxicity_summary,
)

__all__ = [
    "CHOW_CATEGORIES",
    "DEFAULT_LADDER",
    "PAPER_CATEGORIES",
    "compression_fractures",
    "first_fractures",
    "fracture_times",
    "further_treatment",
    "pain_response",
    "select_visits",
    "time_to_events",
    "toxicity_summary",
]
