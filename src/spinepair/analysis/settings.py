"""The study config settings the ARD depends on, as the analyse and sensitivity jobs get them
(rendering-only keys left out, so changing those reruns the renderers only)."""

from __future__ import annotations

TABLE_RENDERING_ONLY = ("title", "footnotes", "ungraded_note")
# keys the ARD does not depend on: rendering options, and the diagnostics job's own settings
ANALYSIS_KEYS_NOT_IN_ARD = ("mask_below", "figures", "diagnostics", "adjust", "power")


def table_settings(config: dict) -> dict:
    """The table declarations without titles and footnotes."""
    return {
        name: {k: v for k, v in decl.items() if k not in TABLE_RENDERING_ONLY}
        for name, decl in config["tables"].items()
    }


def analysis_settings(config: dict) -> dict:
    """The analysis section without the rendering-only keys and with the endpoint keys only
    (their titles left out); a new analysis setting thus reaches every ARD job."""
    settings = {k: v for k, v in config["analysis"].items() if k not in ANALYSIS_KEYS_NOT_IN_ARD}
    return {**settings, "endpoints": list(config["analysis"]["endpoints"])}
