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

SITE_SCHEMA = SCHEMA_DIR / "site.schema.yaml"


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = yaml.safe_load(SITE_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _semantic_errors(spec: dict) -> list[tuple[tuple, str]]:
    """Problems the JSON schema cannot see: unknown codecs, bad regexes, ambiguous dates."""
    out = []
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


def _mapping_errors(spec: dict) -> str | None:
    """A source mapping onto unknown CDM columns, or a table lacking a column."""
    mapped: dict[str, set[str]] = {}
    for src in spec["sources"]:
        groups = (
            [(e["table"], e["columns"], e.get("instance_column")) for e in src["entities"].values()]
            if src["format"] == "long"
            else [
                (
                    src["table"],
                    src["columns"] | src.get("melt", {}).get("fields", {}),
                    src.get("melt", {}).get("instance_column"),
                )
            ]
        )
        for table, cols, inst in groups:
            names = set(cols.values()) | ({inst} if inst else set())
            if src["format"] == "long":
                names.add(RAW_ID_FIELD)
            allowed = {c.name for c in TABLES[table]} | {RAW_ID_FIELD}
            if table == "patients":
                allowed |= set(IDENTIFIER_FIELDS)
            unknown = sorted(names - allowed - set(ADAPTER_FIELDS))
            if unknown or names & set(ADAPTER_FIELDS) or "patient_key" in names:
                bad = unknown or sorted(names & {*ADAPTER_FIELDS, "patient_key"})
                return (
                    f"site {spec['site']}: source {src['path']!r} maps onto "
                    f"columns {bad} that {table} cannot take from an export"
                )
            mapped.setdefault(table, set()).update(names)
    for table, names in mapped.items():
        need = {c.name for c in TABLES[table]} - {"patient_key", *ADAPTER_FIELDS}
        missing = sorted((need | {RAW_ID_FIELD}) - names)
        if missing:
            cols = ", ".join(f"{table}.{m}" for m in missing)
            return f"site {spec['site']}: no raw column is mapped to {cols}"
    return None


def validate_site_spec(spec: dict, origin: str = "site spec", lines: dict | None = None) -> dict:
    """Check a site spec (see module docstring); ConfigError lists every violation by path.

    ``lines`` (YAML path -> line number) adds the line of each problem to the message.
    """
    errors = []  # (path, message, path of the line to show)
    for e in _validator().iter_errors(spec):
        path = where = tuple(e.absolute_path)
        if e.validator == "additionalProperties" and isinstance(e.instance, dict):
            extra = sorted(set(e.instance) - set(e.schema.get("properties", {})))
            where = path + (extra[0],) if extra else path
        errors.append((path, e.message, where))
    if not errors:
        errors = [(p, m, p) for p, m in _semantic_errors(spec)]
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
    problem = _mapping_errors(spec)
    if problem:
        raise ConfigError(problem)
    return spec


def _yaml_lines(node, path=()) -> dict[tuple, int]:
    """YAML path (keys and list indices) -> 1-based line where that value's key starts."""
    out = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            out.update(_yaml_lines(v, (*path, k.value)))
            out[(*path, k.value)] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out.update(_yaml_lines(v, (*path, i)))
    return out


def load_site_spec(path: str | Path) -> dict:
    """Read and validate a site spec YAML file."""
    path = Path(path)
    try:
        loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()  # one parse: the node has the line numbers
            spec = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read site spec {path}: {exc}") from None
    if spec is not None and not isinstance(spec, dict):
        raise ConfigError(f"invalid site spec {path}: line 1: a mapping of keys is expected")
    lines = _yaml_lines(node) if node is not None else {}
    return validate_site_spec(spec or {}, origin=f"site spec {path}", lines=lines)
