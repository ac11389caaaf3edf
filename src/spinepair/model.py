"""The common data model: the six tables every site export is mapped onto.

All dates are ``datetime64[ns]`` (day precision), doses in Gy, ``patient_key`` is a
keyed pseudonym (see :mod:`spinepair.pseudonym`). This module is the single source of
column names, kinds and controlled vocabularies; the pandera schemas, the simulator,
the renderers and the adapter engine all read it.
"""

from __future__ import annotations

from dataclasses import dataclass

SEXES = ("M", "F")
ARMS = ("SRS", "RT")
PRIMARY_TUMORS = (
    "HCC",
    "lung",
    "breast",
    "RCC",
    "prostate",
    "colorectal",
    "stomach",
    "thyroid",
    "myeloma",
    "other",
)
CHILD_PUGH = ("A", "B", "C")
PRIOR_TREATMENTS = ("none", "surgery", "rt", "srs", "other")
MODALITIES = ("SRS", "RT")
INTENTS = ("primary", "retreatment")
ANALGESICS = ("none", "otc", "steroid", "narcotic")
IMAGING_MODALITIES = ("MRI", "CT")
FINDINGS = (
    "no_progression",
    "local_progression",
    "other_level_progression",
    "compression_fracture",
)
TOXICITY_TYPES = (
    "nausea",
    "sore_throat",
    "esophagitis",
    "dry_mouth",
    "dysphagia",
    "diarrhea",
    "skin",
    "fatigue",
    "myelopathy",
    "other",
)
FURTHER_TREATMENT_TYPES = ("surgery", "vertebroplasty_kyphoplasty", "srs", "rt")
FURTHER_TREATMENT_REASONS = ("tumor_progression", "compression_fracture")
REGIONS = {"C": "cervical", "T": "thoracic", "L": "lumbar", "S": "sacral"}
SPINE_LEVELS = (
    tuple(f"C{i}" for i in range(1, 8))
    + tuple(f"T{i}" for i in range(1, 13))
    + tuple(f"L{i}" for i in range(1, 6))
    + tuple(f"S{i}" for i in range(1, 6))
)


@dataclass(frozen=True)
class Column:
    """One column of a common-data-model table.

    kind is one of: key, str, cat, date, int, float. ``values`` lists the allowed
    values of a ``cat`` column; ``nullable`` says whether it may be missing.
    """

    name: str
    kind: str
    nullable: bool = False
    values: tuple[str, ...] = ()
    lo: float | None = None
    hi: float | None = None


def _cat(name: str, values: tuple[str, ...], nullable: bool = False) -> Column:
    return Column(name, "cat", nullable, values)


TABLES: dict[str, tuple[Column, ...]] = {
    "patients": (
        Column("patient_key", "key"),
        Column("site", "str"),
        _cat("arm", ARMS),
        _cat("sex", SEXES),
        Column("birth_date", "date"),
        _cat("primary_tumor", PRIMARY_TUMORS),
        Column("primary_diagnosis_date", "date"),
        Column("spine_met_diagnosis_date", "date"),
        _cat("child_pugh", CHILD_PUGH, nullable=True),
        Column("n_spine_mets", "int", lo=1, hi=30),
        Column("ecog", "int", lo=0, hi=4),
        Column("ambulation", "int", lo=1, hi=5),
        _cat("index_level", SPINE_LEVELS),
        Column("tumor_volume_cc", "float", lo=0, hi=2000),
        _cat("prior_index_treatment", PRIOR_TREATMENTS),
        Column("death_date", "date", nullable=True),
        Column("last_followup_date", "date"),
    ),
    "treatments": (
        Column("patient_key", "key"),
        Column("course", "int", lo=1, hi=20),
        _cat("modality", MODALITIES),
        Column("machine", "str"),
        Column("start_date", "date"),
        Column("end_date", "date"),
        Column("total_dose_gy", "float", lo=0, hi=100),
        Column("fractions", "int", lo=1, hi=40),
        Column("isodose_pct", "float", nullable=True, lo=0, hi=100),
        Column("coverage_pct", "float", nullable=True, lo=0, hi=100),
        Column("levels", "str"),
        _cat("intent", INTENTS),
    ),
    "assessments": (
        Column("patient_key", "key"),
        Column("date", "date"),
        Column("vas", "int", lo=0, hi=10),
        _cat("analgesic", ANALGESICS),
        Column("ome_mg", "float", nullable=True, lo=0, hi=10000),
    ),
    "imaging": (
        Column("patient_key", "key"),
        Column("date", "date"),
        _cat("modality", IMAGING_MODALITIES),
        _cat("finding", FINDINGS),
        _cat("level", SPINE_LEVELS),
    ),
    "toxicities": (
        Column("patient_key", "key"),
        Column("date", "date"),
        _cat("type", TOXICITY_TYPES),
        Column("rtog_grade", "int", lo=1, hi=5),
    ),
    "further_treatments": (
        Column("patient_key", "key"),
        Column("date", "date"),
        _cat("type", FURTHER_TREATMENT_TYPES),
        _cat("level", SPINE_LEVELS),
        _cat("reason", FURTHER_TREATMENT_REASONS),
    ),
}

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
CHILD_TABLES: tuple[str, ...] = tuple(t for t in TABLES if t != "patients")

# Direct identifiers carried by raw exports (patients table only); never past ingest.
IDENTIFIER_FIELDS = ("name", "rrn", "phone")
# The raw export's own patient id; replaced by patient_key at ingest.
RAW_ID_FIELD = "patient_id"


def columns(table: str) -> list[str]:
    """Column names of a common-data-model table, in canonical order."""
    return [c.name for c in TABLES[table]]
