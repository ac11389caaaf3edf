"""From a labelled raw frame to CDM-named frames: renames, wide-to-long, long-to-wide.

Every raw value is accounted for: a mapped column that is missing, a column matching a
reshape pattern whose field is not mapped, an EAV line without entity or attribute and an
unknown EAV entity or attribute (unless the spec lists it as ignored) are failures; an
unmapped column outside any pattern is ignored with a warning naming it.

Provenance columns: ``_file``, ``_row`` (the line or sheet row), ``_rec`` (the raw row a
record is accounted under), ``_col.<c>`` (raw column name of CDM column ``c``) and, for
long exports, ``_row.<c>`` (the line holding that value).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from spinepair.contracts.cdm import RAW_ID_FIELD
from spinepair.ingest.failure import WARNING, Failure
from spinepair.ingest.layout import extract
from spinepair.ingest.redact import describe, masked_text

if TYPE_CHECKING:
    from spinepair.ingest.extract import Extract


def targets(source: dict, header: list[str]) -> dict[str, str]:
    """Raw column -> what the source reads it as (``unmapped`` when nothing)."""
    table = source.get("table")
    out = {raw: f"{table}.{cdm}" for raw, cdm in source.get("columns", {}).items()}
    keys = (RAW_ID_FIELD, source["join"]["date"]) if "join" in source else ()
    out |= {
        raw: f"{out[raw]} (join key)"
        for raw, cdm in source.get("columns", {}).items()
        if cdm in keys
    }
    for raw, pattern in source.get("extract", {}).items():
        out[raw] = ", ".join(f"{table}.{g}" for g in re.compile(pattern).groupindex) + " (extract)"
    for cond in source.get("keep_rows", []):
        out.setdefault(cond["column"], "(row filter)")
    if "melt" in source:
        for raw in header:
            m = re.fullmatch(source["melt"]["pattern"], raw)
            if m and m["field"] in source["melt"]["fields"]:
                out.setdefault(raw, f"{table}.{source['melt']['fields'][m['field']]} (reshape)")
    for part, raw in source.get("long", {}).items():
        out[raw] = f"(EAV {part})"
    return {raw: out.get(raw, "unmapped") for raw in header}


def required_names(source: dict) -> set[str]:
    """The raw column names a source must find in its header."""
    names = set(source.get("columns", {})) | set(source.get("extract", {}))
    names |= {c["column"] for c in source.get("keep_rows", [])}
    return names | set(source.get("long", {}).values())


def header_names(source: dict, header: list[str]) -> list[str]:
    """The header as failures, reports and ``check-site`` may show it.

    A header holding every column the source declares is a header: its cells are shown
    (identifier-shaped text masked, long names cut). Otherwise it may be a row of data (a
    file without its header row): only the cells that are column names the spec declares
    are shown, each other one by its position and shape (``<8 characters: digits>
    (column 1)``), never its text.
    """
    if required_names(source) <= set(header):
        return [masked_text(h) if h else h for h in header]
    known = {raw for raw, target in targets(source, header).items() if target != "unmapped"}
    known |= required_names(source)
    return [
        h if h in known or not h else f"{describe(h)} (column {i + 1})"
        for i, h in enumerate(header)
    ]


def _finish(frame: pd.DataFrame, rel: str, colnames: dict[str, str]) -> pd.DataFrame:
    frame = frame.copy()
    frame["_file"] = rel
    for cdm, raw in colnames.items():
        frame[f"_col.{cdm}"] = raw
    return frame


def _unknown_column(ex: Extract, site, rel, raw, table) -> None:
    """``raw``: the column as it may be shown (:func:`header_names`)."""
    detail = f"unknown column {raw!r} ignored"
    ex.add(Failure(site, rel, 1, raw, None, table, "extra_column", detail, severity=WARNING))


def map_columns(df: pd.DataFrame, source: dict, rel: str, ex: Extract, site: str):
    """Rename raw columns (optionally melting wide visit/type columns to long rows)."""
    columns: dict[str, str] = source.get("columns", {})
    melt = source.get("melt")
    pattern = re.compile(melt["pattern"]) if melt else None
    table = source["table"]
    extracts = source.get("extract", {})
    used = set(extracts) | {c["column"] for c in source.get("keep_rows", [])}
    view = dict(zip(df.columns, header_names(source, list(df.columns)), strict=True))
    for raw in sorted((set(columns) | set(extracts)) - set(df.columns)):
        shown = [view[c] for c in df.columns if c]
        found = ", ".join(shown)
        detail = f"required column {raw!r} is missing (the header has: {found})"
        if not set(shown) & required_names(source):
            detail += "; no cell of it is a column the spec names: is the header row missing?"
        cdm = columns.get(raw, ", ".join(re.compile(extracts.get(raw, "")).groupindex))
        ex.add(Failure(site, rel, 1, raw, cdm, table, "required_column", detail))
    grouped = {} if pattern is None else {c: pattern.fullmatch(c) for c in df.columns}
    for raw in df.columns:
        if raw in columns or raw in used:
            continue
        m = grouped.get(raw)
        if m is None:
            _unknown_column(ex, site, rel, view[raw], table)
        elif m["field"] not in melt["fields"]:
            shown = view[raw]
            field_shown = m["field"] if shown == raw else describe(m["field"])
            detail = (
                f"column {shown!r} matches the reshape pattern but its field {field_shown!r} "
                f"is not mapped (mapped fields: {', '.join(melt['fields'])})"
            )
            ex.add(Failure(site, rel, 1, shown, None, table, "reshape_column", detail))
    if (set(columns) | set(extracts)) - set(df.columns):
        return None
    base = df[list(columns)].rename(columns=columns)
    names = {v: k for k, v in columns.items()}
    for raw, regex in extracts.items():
        groups, failed = extract(df, raw, regex)
        for row, value in df.loc[failed, raw].items():
            detail = f"the value does not match the extract pattern {regex!r}"
            cdm = ", ".join(groups.columns)
            ex.add(Failure(site, rel, int(row), raw, cdm, table, "extract", detail, value=value))
        for g in groups.columns:
            base[g] = groups[g]
        names |= {g: raw for g in groups.columns}
    base["_row"] = df.index.to_numpy()
    base["_rec"] = base["_row"]
    if not pattern:
        return _finish(base, rel, names)
    by_instance: dict[str, dict[str, str]] = {}
    for raw, m in grouped.items():
        if m and raw not in columns and m["field"] in melt["fields"]:
            by_instance.setdefault(m["instance"], {})[melt["fields"][m["field"]]] = raw
    order = sorted(by_instance, key=lambda s: (not s.isdigit(), int(s) if s.isdigit() else 0, s))
    parts = []
    for inst in order:
        raws = by_instance[inst]
        missing = sorted(set(melt["fields"].values()) - set(raws))
        for cdm in missing:
            detail = f"wide column for {cdm!r} of group {inst!r} is missing"
            ex.add(Failure(site, rel, 1, f"{inst} {cdm}", cdm, table, "required_column", detail))
        if missing:
            return None
        vals = df[list(raws.values())].set_axis(list(raws), axis=1)
        keep = vals.notna().any(axis=1).to_numpy()
        part = pd.concat([base[keep], vals[keep]], axis=1)
        if melt.get("instance_column"):
            part[melt["instance_column"]] = inst
        part = _finish(part, rel, {v: k for k, v in columns.items()} | raws)
        if melt.get("instance_column"):
            part[f"_col.{melt['instance_column']}"] = f"{inst} (column group)"
        parts.append(part)
    if not parts:
        return _finish(base.iloc[:0], rel, {v: k for k, v in columns.items()})
    return pd.concat(parts, ignore_index=True)


def _table(source: dict, entity) -> str | None:
    espec = source["entities"].get(entity) if isinstance(entity, str) else None
    return espec["table"] if espec else None


def _eav_lines(long: pd.DataFrame, source: dict, rel: str, ex: Extract, site: str):
    """Failures for lines without entity or attribute, unknown entities and attributes."""
    names, entities = source["long"], source["entities"]
    ignored = set(source.get("ignore_entities", []))
    for line, rec, entity in long.loc[
        long["entity"].isna() | long["attribute"].isna(), ["_line", "_rec", "entity"]
    ].to_numpy():
        part = "entity" if pd.isna(entity) else "attribute"
        detail = f"the line has no {part} ({names[part]} is empty): its value has no meaning"
        ex.add(
            Failure(
                site,
                rel,
                int(line),
                names[part],
                None,
                _table(source, entity),
                f"{part}_present",
                detail,
                rec=int(rec),
            )
        )
    unknown = long.loc[long["entity"].notna() & ~long["entity"].isin([*entities, *ignored])]
    tallies = [
        unknown.groupby("entity", sort=True)["_line"]
        .agg(["size", "min"])
        .reset_index()
        .assign(attribute=None, table=None)
    ]
    for entity, espec in entities.items():
        sub = long[(long["entity"] == entity) & long["attribute"].notna()]
        known = [*espec["columns"], *espec.get("ignore_attributes", [])]
        extra = sub.loc[~sub["attribute"].isin(known)]
        tallies.append(
            extra.groupby("attribute", sort=True)["_line"]
            .agg(["size", "min"])
            .reset_index()
            .assign(entity=entity, table=espec["table"])
        )
    found = pd.concat([t for t in tallies if len(t)] or tallies[:1], ignore_index=True)
    ex.eav_unknown.append(
        found.assign(file=rel, entity_column=names["entity"], attribute_column=names["attribute"])
    )


def unknown_failures(tallies: list[pd.DataFrame], site: str) -> list[Failure]:
    """One failure per unknown EAV entity, and per unknown attribute of a known entity, of
    each file: lines counted over all the tallies (of one file read whole or in parts)."""
    tallies = [t for t in tallies if len(t)]
    if not tallies:
        return []
    found = pd.concat(tallies, ignore_index=True)
    keys = ["file", "entity", "attribute", "table", "entity_column", "attribute_column"]
    found = found.groupby(keys, sort=False, dropna=False).agg(
        size=("size", "sum"), first=("min", "min")
    )
    out = []
    for (rel, entity, attr, table, ecol, acol), (n, first) in found.iterrows():
        if pd.isna(attr):
            detail = f"unknown entity {entity!r} on {int(n)} lines (map it, or list it under ignore_entities)"
            check, column, value, table = "known_entity", ecol, entity, None
        else:
            detail = (
                f"unknown attribute {attr!r} of entity {entity!r} on {int(n)} lines (map "
                "it, or list it under ignore_attributes)"
            )
            check, column, value = "known_attribute", acol, attr
        out.append(
            Failure(site, rel, int(first), column, None, table, check, detail, value=str(value))
        )
    return out


def pivot_long(df: pd.DataFrame, source: dict, rel: str, ex: Extract, site: str, collapse: bool):
    """Reshape an entity-attribute-value frame into wide frames per table; line -> _rec.

    An attribute given twice for one record fails the record; with ``collapse``, a line
    repeating an earlier line exactly is dropped with a warning instead.
    """
    names = source["long"]
    missing = [c for c in names.values() if c not in df.columns]
    for raw in missing:
        detail = f"required column {raw!r} is missing"
        ex.add(Failure(site, rel, 1, raw, None, None, "required_column", detail))
    if missing:
        return {}, pd.Series(dtype=np.int64)
    for raw in [c for c in df.columns if c not in names.values()]:
        _unknown_column(ex, site, rel, masked_text(raw), None)
    long = df[list(names.values())].set_axis(list(names), axis=1)
    long["_line"] = df.index.to_numpy()
    long["instance"] = long["instance"].fillna("")
    rec = long.groupby(["id", "entity", "instance"], sort=False, dropna=False)["_line"]
    long["_rec"] = rec.transform("min")
    _eav_lines(long, source, rel, ex, site)
    out = {}
    for entity, espec in source["entities"].items():
        sub = long[long["entity"] == entity]
        attrs = espec["columns"]
        sub = sub[sub["attribute"].isin(list(attrs))]
        dup = sub.duplicated(["id", "instance", "attribute"], keep="first")
        copy = sub.duplicated(["id", "instance", "attribute", "value"], keep="first") & collapse
        for line, attr, r, same in (
            sub.loc[dup, ["_line", "attribute", "_rec"]]
            .assign(same=copy[dup])
            .itertuples(index=False)
        ):
            check, detail = "unique_attribute", "attribute given twice for one record"
            if same:
                check, detail = "exact_duplicate", "an exact copy of an earlier line: one kept"
            ex.add(
                Failure(
                    site,
                    rel,
                    int(line),
                    attr,
                    attrs[attr],
                    espec["table"],
                    check,
                    detail,
                    severity=WARNING if same else "error",
                    rec=int(r),
                )
            )
        sub = sub[~dup]
        recs = sub[["_rec", "id", "instance"]].drop_duplicates("_rec").set_index("_rec")
        wide = sub.pivot(index="_rec", columns="attribute", values="value")
        lines = sub.pivot(index="_rec", columns="attribute", values="_line")
        frame = pd.DataFrame(index=recs.index)
        frame["patient_id"] = recs["id"]
        if espec.get("instance_column"):
            frame[espec["instance_column"]] = recs["instance"]
            frame[f"_row.{espec['instance_column']}"] = recs.index
        for attr, cdm in attrs.items():
            frame[cdm] = wide.get(attr)
            if attr in lines:
                frame[f"_row.{cdm}"] = lines[attr].fillna(pd.Series(recs.index, index=recs.index))
            else:
                frame[f"_row.{cdm}"] = recs.index
        frame["_row"] = recs.index
        frame["_rec"] = recs.index
        colnames = {cdm: attr for attr, cdm in attrs.items()} | {"patient_id": names["id"]}
        if espec.get("instance_column"):
            colnames[espec["instance_column"]] = names["instance"]
        out.setdefault(espec["table"], []).append(
            _finish(frame.reset_index(drop=True), rel, colnames)
        )
    return out, long.set_index("_line")["_rec"]
