"""The study config's JSON schema, loaded once, for checks the workflow makes while it parses.

Snakemake's ``validate`` reads the schema file again on every call (about 0.4 s each with the
pure-Python YAML loader); the sensitivity variants are checked here against one cached copy
read with the C loader, so a dry run stays fast however many variants the study declares.
"""

from __future__ import annotations

from functools import cache

import jsonschema

from spinepair.contracts.cdm import SCHEMA_DIR, read_yaml
from spinepair.errors import ConfigError


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(read_yaml(SCHEMA_DIR / "config.schema.yaml"))


def check_study_config(config: dict, what: str) -> None:
    """ConfigError naming ``what`` and the key path of every schema violation, if any."""
    errors = sorted(_validator().iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [
            f"at {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors
        ]
        raise ConfigError(f"{what} is not a valid study config: " + "; ".join(lines))
