"""Category levels and their display labels, from the contracts alone.

The levels of a derived column are those its stage contract (``schemas/derived.yaml``) admits,
itself taking the vocabularies of ``schemas/cdm.yaml``; display labels come from the ``labels``
mapping of ``schemas/cdm.yaml``, keyed by vocabulary or by derived column.
"""

from __future__ import annotations

import functools

from spinepair.contracts.cdm import SCHEMA_DIR, VOCABULARIES, read_yaml


@functools.cache
def _derived_columns() -> dict:
    spec = read_yaml(SCHEMA_DIR / "derived.yaml")
    return spec["columns"]


@functools.cache
def _labels() -> dict[str, dict[str, str]]:
    spec = read_yaml(SCHEMA_DIR / "cdm.yaml")
    return {
        name: {str(k): str(v) for k, v in mapping.items()}
        for name, mapping in (spec.get("labels") or {}).items()
    }


def vocabulary_of(column: str) -> str:
    """The vocabulary name of a derived column (its ``vocab``), else the column name."""
    return str(_derived_columns().get(column, {}).get("vocab", column))


def levels(name: str) -> tuple[str, ...]:
    """The values of a vocabulary, or of a derived column (``()`` when it has none)."""
    if name in VOCABULARIES:
        return VOCABULARIES[name]
    spec = _derived_columns().get(name, {})
    if "vocab" in spec:
        return VOCABULARIES[spec["vocab"]]
    return tuple(str(v) for v in spec.get("values", ()))


def label(name: str, value) -> str:
    """Display label of ``value`` of a vocabulary or derived column; the value itself if none."""
    labels = _labels()
    for key in (name, vocabulary_of(name)):
        if str(value) in labels.get(key, {}):
            return labels[key][str(value)]
    return str(value)
