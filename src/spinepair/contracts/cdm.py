"""The common data model: the six tables every site export is mapped onto.

The contract lives in ``schemas/cdm.yaml`` (one place for every schema); this module
exposes it as Python values. All dates are ``datetime64[ns]`` (day precision), doses in
Gy, ``patient_key`` is a keyed pseudonym (see :mod:`spinepair.ingest.pseudonym`).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import yaml

# The contracts ship inside the package (``spinepair/schemas``); the checkout's top-level
# ``schemas/`` is a link to the same folder.
SCHEMA_DIR = Path(str(files("spinepair") / "schemas"))
# libyaml's loader when PyYAML was built with it: the same values, ten times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path):
    """The values of a YAML file (safe loading)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)


@dataclass(frozen=True)
class Column:
    """One column of a table contract.

    kind is one of: key, str, cat, date, int, float, bool. ``values`` lists the allowed
    values of a ``cat`` column; ``lo``/``hi`` are inclusive bounds of numeric columns.
    """

    name: str
    kind: str
    nullable: bool = False
    values: tuple[str, ...] = ()
    lo: float | None = None
    hi: float | None = None


def parse_columns(columns: dict, vocabularies: dict | None = None) -> tuple[Column, ...]:
    """Turn the ``columns`` mapping of a schema YAML into :class:`Column` objects."""
    vocabularies = vocabularies or {}
    out = []
    for name, spec in columns.items():
        values = spec.get("values") or vocabularies.get(spec.get("vocab"), ())
        out.append(
            Column(
                name=name,
                kind=spec["kind"],
                nullable=bool(spec.get("nullable", False)),
                values=tuple(str(v) for v in values),
                lo=spec.get("min"),
                hi=spec.get("max"),
            )
        )
    return tuple(out)


_CDM = read_yaml(SCHEMA_DIR / "cdm.yaml")
VOCABULARIES: dict[str, tuple[str, ...]] = {
    k: tuple(str(v) for v in vs) for k, vs in _CDM["vocabularies"].items()
}
TABLES: dict[str, tuple[Column, ...]] = {
    name: parse_columns(t["columns"], VOCABULARIES) for name, t in _CDM["tables"].items()
}
UNIQUE: dict[str, tuple[str, ...]] = {
    name: tuple(t.get("unique", ())) for name, t in _CDM["tables"].items()
}

SEXES = VOCABULARIES["sex"]
PRIMARY_TUMORS = VOCABULARIES["primary_tumor"]
CHILD_PUGH = VOCABULARIES["child_pugh"]
PRIOR_TREATMENTS = VOCABULARIES["prior_treatment"]
MODALITIES = VOCABULARIES["modality"]
INTENTS = VOCABULARIES["intent"]
ANALGESICS = VOCABULARIES["analgesic"]
IMAGING_MODALITIES = VOCABULARIES["imaging_modality"]
FINDINGS = VOCABULARIES["finding"]
TOXICITY_TYPES = VOCABULARIES["toxicity_type"]
FURTHER_TREATMENT_TYPES = VOCABULARIES["further_treatment_type"]
FURTHER_TREATMENT_REASONS = VOCABULARIES["further_treatment_reason"]
SPINE_LEVELS = VOCABULARIES["spine_level"]
REGIONS = {"C": "cervical", "T": "thoracic", "L": "lumbar", "S": "sacral"}

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
CHILD_TABLES: tuple[str, ...] = tuple(t for t in TABLES if t != "patients")

# Direct identifiers carried by raw exports (patients table only); never past ingest.
IDENTIFIER_FIELDS = ("name", "rrn", "phone")
# The raw export's own patient id; replaced by patient_key at ingest.
RAW_ID_FIELD = "patient_id"
# Columns ingest adds itself (from the site adapter, or the person pseudonym it computes from
# the registration number) rather than reading them from the export.
ADAPTER_FIELDS = ("person_key", "site", "arm")


def columns(table: str) -> list[str]:
    """Column names of a common-data-model table, in canonical order."""
    return [c.name for c in TABLES[table]]
