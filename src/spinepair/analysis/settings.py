"""The study config settings the ARD depends on, as the analyse and sensitivity jobs get them
(rendering-only keys left out, so changing those reruns the renderers only), and the config of a
sensitivity variant. Plain Python only: the workflow imports it while it parses.
"""

from __future__ import annotations

import copy

from spinepair.analysis import endpoint_definitions

TABLE_RENDERING_ONLY = ("title", "footnotes", "ungraded_note")
# keys the ARD does not depend on: rendering options, and the diagnostics job's own settings
ANALYSIS_KEYS_NOT_IN_ARD = ("mask_below", "figures", "diagnostics", "adjust", "power")


def arms_of(study: dict) -> tuple[str, str]:
    """(index arm, comparator arm) named by the study config's ``study`` section."""
    return str(study["index_arm"]), str(study["comparator_arm"])


def row_key(spec: dict) -> str:
    """The key of a declared row in its table and in the ARD (``key``, else its variable)."""
    if "key" in spec:
        return str(spec["key"])
    if spec["kind"] == "within_arm":
        return f"{spec['before']}_vs_{spec['variable']}"
    return str(spec["variable"])


def table_settings(config: dict) -> dict:
    """The table declarations without titles and footnotes."""
    return {
        name: {k: v for k, v in decl.items() if k not in TABLE_RENDERING_ONLY}
        for name, decl in config["tables"].items()
    }


def analysis_settings(config: dict) -> dict:
    """The analysis section without the rendering-only keys and with the endpoint declarations
    without their titles; a new analysis setting thus reaches every ARD job."""
    settings = {k: v for k, v in config["analysis"].items() if k not in ANALYSIS_KEYS_NOT_IN_ARD}
    return {**settings, "endpoints": endpoint_definitions.settings(config["analysis"]["endpoints"])}


def deep_merge(base: dict, overrides: dict) -> dict:
    """A copy of ``base`` with ``overrides`` merged in (JSON merge patch, RFC 7396): mappings
    key by key (recursively), ``None`` removes the key, anything else (lists, scalars) replaces
    the value whole."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def variant_config(config: dict, name: str) -> dict:
    """The study config with the overrides of ``sensitivity.variants.<name>`` merged in."""
    return deep_merge(config, config["sensitivity"]["variants"][name]["overrides"])


def balance_settings(config: dict) -> dict:
    """What the match stage's balance (:mod:`spinepair.matching.study`) needs of the study
    config: the balance covariates' declaring sections (tables, figure labels), the SMD
    denominator and the verdict thresholds (``analysis.diagnostics`` smd_warn/smd_fail, else
    ``matching.smd_threshold`` as the warning level)."""
    diag = config["analysis"].get("diagnostics") or {}
    warn = diag.get("smd_warn", config["matching"].get("smd_threshold", 0.1))
    tables = {n: {"smd": d.get("smd", False), "rows": d.get("rows", [])}
              for n, d in config["tables"].items()}  # fmt: skip
    return {
        "tables": tables,
        "labels": (config["analysis"].get("figures") or {}).get("labels") or {},
        "denominator": config["matching"].get("smd_denominator", "treated"),
        "thresholds": [warn, diag.get("smd_fail")],
    }


def variant_settings(config: dict, name: str) -> dict:
    """What the sensitivity job reads of variant ``name``: the sections of its config the study
    run depends on (as the primary jobs get them) and whether its endpoints differ from the
    primary ones (``rederive``: derive again from the ingested tables)."""
    merged = variant_config(config, name)
    return {
        "endpoints": merged["endpoints"],
        "eligibility": merged["eligibility"],
        "matching": merged["matching"],
        "tables": table_settings(merged),
        "analysis": analysis_settings(merged),
        "balance": balance_settings(merged),
        "rederive": merged["endpoints"] != config["endpoints"],
    }
