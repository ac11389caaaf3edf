"""Code fingerprints, so that editing a library module reruns exactly the jobs using it.

Snakemake reruns a ``script:`` job when the script changes, not when a module the script
imports changes. Each rule therefore passes ``code_fingerprint([...modules])`` as a
param: a hash of the source files of the listed ``spinepair`` modules (packages include
all their files) and of the schema files they read.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from spinepair.model import SCHEMA_DIR

PACKAGE_DIR = Path(__file__).resolve().parent


def _files(name: str) -> list[Path]:
    if name.startswith("schemas/"):
        return [SCHEMA_DIR / name.removeprefix("schemas/")]
    path = PACKAGE_DIR.joinpath(*name.split("."))
    if path.is_dir():
        return sorted(path.rglob("*.py"))
    return [path.with_suffix(".py")]


def code_fingerprint(modules: list[str]) -> str:
    """SHA-256 (first 16 hex digits) over the listed modules' and schemas' bytes."""
    h = hashlib.sha256()
    for name in sorted(set(modules)):
        for f in _files(name):
            h.update(f.relative_to(PACKAGE_DIR.parents[1]).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]
