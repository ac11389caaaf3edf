"""Site adapter specs (``config/sites/<site>.yaml``): loading and every check of a spec.

A spec is data, never code. :func:`validate_site_spec` runs, in order: the JSON schema
(``schemas/site.schema.yaml``); what the schema cannot see (unknown codecs, bad regexes,
date-format lists under which one value reads two ways); and whether the sources map
onto the common data model (no unknown CDM column, every needed column mapped). Any
problem is a :class:`~spinepair.errors.ConfigError` listing every violation by path
(and YAML line, when loaded from a file).
"""

from __future__ import annotations

import codecs
import functools
import re
from pathlib import Path

import jsonschema
import yaml

from spinepair.contracts.cdm import (
    ADAPTER_FIELDS,
    IDENTIFIER_FIELDS,
    RAW_ID_FIELD,
    SCHEMA_DIR,
    TABLES,
)
from spinepair.errors import ConfigError
from spinepair.ingest.dates import format_problem
from spinepair.ingest.sources import pattern_problem
from spinepair.ingest.spec_features import feature_errors
from spinepair.ingest.specyaml import load_yaml

SITE_SCHEMA = SCHEMA_DIR / "site.schema.yaml"


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = yaml.safe_load(SITE_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _semantic_errors(spec: dict) -> list[tuple[tuple, str]]:
    """Problems the JSON schema cannot see: a source path that is absolute or leaves the
    raw folder (``..``), unknown codecs, bad regexes, ambiguous dates."""
    out = []
    for i, src in enumerate(spec["sources"]):
        problem = pattern_problem(src["path"])
        if problem:
            out.append((("sources", i, "path"), problem))
    for path, enc in [(("encoding",), spec.get("encoding"))] + [
        (("sources", i, "encoding"), s.get("encoding")) for i, s in enumerate(spec["sources"])
    ]:
        try:
            if enc is not None:
                codecs.lookup(enc)
        except LookupError:
            out.append((path, f"unknown text encoding {enc!r}"))
    for i, src in enumerate(spec["sources"]):
        if "melt" not in src:
            continue
        try:
            groups = set(re.compile(src["melt"]["pattern"]).groupindex)
        except re.error as exc:
            out.append((("sources", i, "melt", "pattern"), f"not a valid regex: {exc}"))
            continue
        if not {"instance", "field"} <= groups:
            msg = "the regex needs named groups (?P<instance>...) and (?P<field>...)"
            out.append((("sources", i, "melt", "pattern"), msg))
    clash = format_problem(spec.get("date_formats", []))
    if clash:
        out.append((("date_formats",), clash))
    return out


def _source_groups(src: dict) -> list[tuple[str, set[str], tuple]]:
    """(table, CDM columns it maps, where in the source) of each table a source feeds."""
    if src["format"] == "long":
        return [
            (
                e["table"],
                {*e["columns"].values(), RAW_ID_FIELD, e.get("instance_column")} - {None},
                ("entities", name),
            )
            for name, e in src["entities"].items()
        ]
    melt = src.get("melt", {})
    names = {*src["columns"].values(), *melt.get("fields", {}).values()}
    names |= {melt["instance_column"]} if melt.get("instance_column") else set()
    for pattern in src.get("extract", {}).values():
        names |= set(re.compile(pattern).groupindex)
    return [(src["table"], names, ("columns",))]


def _mapping_errors(spec: dict) -> list[tuple[tuple, str]]:
    """Sources mapping onto unknown CDM columns; a source or a table lacking a column."""
    out, mapped, joined = [], {}, {}
    arm_column = spec.get("arm") == {"from": "column"}
    for i, src in enumerate(spec["sources"]):
        for table, names, where in _source_groups(src):
            allowed = {c.name for c in TABLES[table]} | {RAW_ID_FIELD}
            if table == "patients":
                allowed |= set(IDENTIFIER_FIELDS)
            adapter = set(ADAPTER_FIELDS) - (
                {"arm"} if arm_column and table == "patients" else set()
            )
            bad = sorted(names - (allowed - adapter - {"patient_key"}))
            if bad:
                sheet = f" (sheet {src['sheet']!r})" if "sheet" in src else ""
                msg = f"source {src['path']!r}{sheet} maps onto {bad} that {table} cannot take"
                out.append((("sources", i, *where), msg + " from an export"))
            mapped.setdefault(table, set()).update(names)
            if "join" in src:
                joined.setdefault(table, set()).update(names)
    for i, src in enumerate(spec["sources"]):
        for table, names, where in _source_groups(src):
            need = {c.name for c in TABLES[table] if not c.nullable} - set(ADAPTER_FIELDS)
            lack = sorted(
                (need | {RAW_ID_FIELD}) - {"patient_key"} - names - joined.get(table, set())
            )
            if "join" not in src and lack and mapped[table] >= set(lack):
                sheet = f" (sheet {src['sheet']!r})" if "sheet" in src else ""
                cols = ", ".join(f"{table}.{m}" for m in lack)
                msg = f"source {src['path']!r}{sheet} maps no raw column to {cols}"
                out.append((("sources", i, *where), msg + ": each of its rows would lack them"))
    for table, names in mapped.items():
        need = {c.name for c in TABLES[table]} - {"patient_key", *ADAPTER_FIELDS}
        missing = sorted((need | {RAW_ID_FIELD}) - names)
        if missing:
            cols = ", ".join(f"{table}.{m}" for m in missing)
            out.append((("sources",), f"site {spec['site']}: no raw column is mapped to {cols}"))
    return out


def _message(error: jsonschema.ValidationError) -> str:
    """The message of a schema error; of the closest alternative for a oneOf."""
    alternatives = [c for c in error.context or () if c.validator != "type"]
    if error.validator == "oneOf" and alternatives:
        return " or ".join(dict.fromkeys(c.message for c in alternatives))
    return error.message


def declared_arms(spec: dict) -> list[tuple[tuple, str]]:
    """The arm names a spec declares, with their paths: the site's arm, the arms of its
    modality map, the targets of its arm code map."""
    arm = spec["arm"]
    if isinstance(arm, str):
        return [(("arm",), arm)]
    named = arm.get("map", {}) if arm["from"] == "primary_course" else {}
    codes = spec.get("codes", {}).get("patients.arm", {}) if arm["from"] == "column" else {}
    return [(("arm", "map", k), v) for k, v in named.items()] + [
        (("codes", "patients.arm", k), str(v)) for k, v in codes.items()
    ]


def _arm_errors(spec: dict, arms) -> list[tuple[tuple, str]]:
    allowed = ", ".join(arms)
    return [
        (path, f"{name!r} is not an arm of the study (its arms: {allowed})")
        for path, name in declared_arms(spec)
        if name not in arms
    ]


def validate_site_spec(
    spec: dict, origin: str = "site spec", lines: dict | None = None, arms=None
) -> dict:
    """Check a site spec (see module docstring); ConfigError lists every violation by path.

    ``lines`` (YAML path -> line number) adds the line of each problem to the message;
    ``arms`` (the study's arm names), when given, must hold every arm the spec declares.
    """
    errors = []  # (path, message, path of the line to show)
    for e in _validator().iter_errors(spec):
        path = where = tuple(e.absolute_path)
        if e.validator == "additionalProperties" and isinstance(e.instance, dict):
            extra = sorted(set(e.instance) - set(e.schema.get("properties", {})))
            where = path + (extra[0],) if extra else path
        errors.append((path, _message(e), where))
    if not errors:
        errors = [(p, m, p) for p, m in _semantic_errors(spec) + feature_errors(spec)]
    if not errors:
        errors = [(p, m, p) for p, m in _mapping_errors(spec)]
    if not errors and arms is not None:
        errors = [(p, m, p) for p, m in _arm_errors(spec, list(arms))]
    if errors:
        site = spec.get("site") if isinstance(spec.get("site"), str) else None
        head = f"invalid {origin}" + (f" (site {site})" if site else "") + ":"
        lines = lines or {}
        out = [
            f"  {'line ' + str(lines[w]) + ', ' if w in lines else ''}"
            f"at {'/'.join(str(x) for x in p) or '(top level)'}: {msg}"
            for p, msg, w in sorted(errors, key=lambda e: [str(x) for x in e[0]])
        ]
        raise ConfigError(head + "\n" + "\n".join(out))
    return spec


def load_site_spec(path: str | Path, arms=None) -> dict:
    """Read (duplicate keys refused) and validate a site spec YAML file (``arms``: see
    :func:`validate_site_spec`)."""
    spec, lines = load_yaml(path)
    if spec is not None and not isinstance(spec, dict):
        raise ConfigError(f"invalid site spec {path}: line 1: a mapping of keys is expected")
    return validate_site_spec(spec or {}, origin=f"site spec {path}", lines=lines, arms=arms)
