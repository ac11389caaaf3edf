"""Code fingerprints, so that editing a library module reruns exactly the jobs using it.

Snakemake reruns a ``script:`` job when the script changes, not when a module the script
imports changes. Each rule therefore passes ``script_fingerprint(script)`` as a param: a hash
of the script's import closure over ``spinepair`` modules (found by reading the source with
:mod:`ast`, nothing is imported, so a dry run stays fast) and of the schema files those
modules name. No hand-kept module lists.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
SCHEMA_DIR = PACKAGE_DIR / "schemas"


def module_file(name: str) -> Path | None:
    """The source file of ``spinepair.a.b`` (module or package), or None if there is none."""
    parts = name.split(".")
    if parts[0] != "spinepair":
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imported(tree: ast.AST, here: str, is_package: bool) -> set[str]:
    """Absolute names of the modules an AST imports, at any depth (functions included)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = here.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _schema_names(tree: ast.AST) -> set[str]:
    """Schema files a module names in a string constant (``"cdm.yaml"``, ``"schemas/x.yaml"``)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            name = Path(node.value).name
            if name.endswith(".yaml") and (SCHEMA_DIR / name).is_file():
                found.add(name)
    return found


@cache
def _parsed(path: Path) -> ast.AST:
    return ast.parse(path.read_bytes(), filename=str(path))


def import_closure(script: str | Path) -> tuple[list[Path], list[Path]]:
    """(spinepair source files, schema files) a script depends on, directly or not."""
    script = Path(script)
    todo = [(script, "__main__", False)]
    modules: set[Path] = set()
    schemas: set[str] = set()
    while todo:
        path, name, is_package = todo.pop()
        tree = _parsed(path)
        schemas |= _schema_names(tree)
        for imported in _imported(tree, name, is_package):
            for candidate in _with_parents(imported):
                found = module_file(candidate)
                if found is not None and found not in modules:
                    modules.add(found)
                    todo.append((found, _module_name(found), found.name == "__init__.py"))
    return sorted(modules), sorted(SCHEMA_DIR / s for s in schemas)


def script_fingerprint(script: str | Path) -> str:
    """SHA-256 (first 16 hex digits) over the bytes of a script's import closure and schemas."""
    modules, schemas = import_closure(script)
    h = hashlib.sha256()
    for f in modules + schemas:
        h.update(f.relative_to(PACKAGE_DIR.parent).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]
