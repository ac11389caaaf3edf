"""Reading a spec's YAML strictly: duplicate keys refused, every key's line kept.

PyYAML keeps the last of two equal keys silently; a spec edited by hand often has one
(a code map copied and half-changed). :func:`load_yaml` refuses it, naming both lines.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from spinepair.errors import ConfigError


def _duplicate(node: yaml.MappingNode) -> tuple[str, int, int] | None:
    seen: dict = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        first = seen.setdefault(key.value, key.start_mark.line + 1)
        if first != key.start_mark.line + 1:
            return key.value, first, key.start_mark.line + 1
    return None


def _check_keys(node, path: tuple = ()) -> None:
    """Raise on the first mapping (depth first) that repeats a key."""
    if isinstance(node, yaml.MappingNode):
        dup = _duplicate(node)
        if dup:
            key, first, again = dup
            where = "/".join(map(str, path)) or "(top level)"
            raise ValueError(
                f"line {again}, at {where}: key {key!r} is given twice (first on line "
                f"{first}); YAML would silently keep the last one"
            )
        for k, v in node.value:
            _check_keys(v, (*path, k.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _check_keys(v, (*path, i))


def yaml_lines(node, path: tuple = ()) -> dict[tuple, int]:
    """YAML path (keys and list indices) -> 1-based line where that value's key starts."""
    out = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            out.update(yaml_lines(v, (*path, k.value)))
            out[(*path, k.value)] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out.update(yaml_lines(v, (*path, i)))
    return out


def load_yaml(path: str | Path, what: str = "site spec") -> tuple[object, dict[tuple, int]]:
    """The document of a YAML file and its key lines; ConfigError naming file and line."""
    path = Path(path)
    try:
        loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()  # one parse: the node has the line numbers
            if node is not None:
                _check_keys(node)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc}") from None
    return data, (yaml_lines(node) if node is not None else {})
