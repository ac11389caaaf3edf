"""Code fingerprints, so that editing a library module reruns exactly the jobs using it.

Snakemake reruns a ``script:`` job when the script changes, not when a module the script
imports changes. Each rule therefore passes ``script_fingerprint(script)`` as a param: a hash
of the script's import closure over ``spinepair`` modules (found by reading the source with
:mod:`ast`, nothing is imported, so a dry run stays fast) and of the schema files those
modules name. No hand-kept module lists.

What counts as an import: every ``import``/``from ... import`` statement at any depth
(inside functions too), relative ones resolved, ``from package import submodule`` as the
submodule, and every parent package (its ``__init__`` runs first). A schema file counts when a
module names it in a path-like string constant (``"cdm.yaml"``, ``"schemas/cdm.yaml"``); a
schema chosen at run time (say from a variable holding ``f"{stage}.yaml"``) is not seen, so
loaders take their schema name from a constant at the call site.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]


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


def _import_names(node: ast.Import | ast.ImportFrom, here: str, is_package: bool) -> list[str]:
    """Absolute names of the modules one import statement may load."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        anchor = here.split(".")
        anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
        base = ".".join(anchor + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def _is_yaml_path(value: object) -> bool:
    """A string spelling a ``.yaml`` path (prose, with spaces, excluded)."""
    return isinstance(value, str) and value.endswith(".yaml") and not any(map(str.isspace, value))


@cache
def _dependencies(source: bytes, name: str, is_package: bool) -> tuple[frozenset[str], ...]:
    """(module names imported at any depth, yaml file names spelled) by one source, in one walk
    of its syntax tree; cached by content."""
    imported: set[str] = set()
    yaml_names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imported.update(_import_names(node, name, is_package))
        elif isinstance(node, ast.Constant) and _is_yaml_path(node.value):
            yaml_names.add(Path(node.value).name)
    return frozenset(imported), frozenset(yaml_names)


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def import_closure(script: str | Path) -> tuple[list[Path], list[Path]]:
    """(spinepair source files, schema files) a script depends on, directly or not."""
    todo = [(Path(script), "__main__", False)]
    modules: set[Path] = set()
    yaml_names: set[str] = set()
    while todo:
        path, name, is_package = todo.pop()
        imported, named = _dependencies(path.read_bytes(), name, is_package)
        yaml_names |= named
        for candidate in {parent for module in imported for parent in _with_parents(module)}:
            found = module_file(candidate)
            if found is not None and found not in modules:
                modules.add(found)
                todo.append((found, _module_name(found), found.name == "__init__.py"))
    schemas = {PACKAGE_DIR / "schemas" / name for name in yaml_names}
    return sorted(modules), sorted(p for p in schemas if p.is_file())


def script_fingerprint(script: str | Path) -> str:
    """SHA-256 (first 16 hex digits) over the bytes of a script's import closure and schemas."""
    modules, schemas = import_closure(script)
    h = hashlib.sha256()
    for f in modules + schemas:
        data = f.read_bytes()
        h.update(f"{f.relative_to(PACKAGE_DIR.parent).as_posix()}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()[:16]
