"""Step 1 of loading: scenario files → one merged mapping of plain data.

Reads the YAML (numbers in exponent notation included), records the line and column of every
field so that an issue can point at it, follows `extends` and merges the chain (`deep_merge`,
which an arm's `patch` uses too). It builds no scenario objects: that is step 2,
`simulator.language.loading.build_scenario`.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any, Mapping

import yaml

from simulator.language.errors import Issue, shown
from simulator.language.reader import Problems, Source, join


def read_scenario(path: str | os.PathLike, problems: Problems) -> dict[str, Any]:
    """The scenario file merged over its `extends` chain (the extending file wins)."""
    files: dict[str, str] = {}
    data = _read_chain(Path(path), str(path), problems, files, stack=())
    if data is None:
        return {}
    data["__files__"] = files
    return data


def _read_chain(path: Path, shown_name: str, problems: Problems, files: dict[str, str],
                stack: tuple[Path, ...]) -> dict[str, Any] | None:
    real = path.resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.issues.append(Issue(shown_name, "", "a scenario file", "no such file"))
        return None
    except (OSError, UnicodeDecodeError) as error:
        problems.issues.append(Issue(shown_name, "", "a readable UTF-8 text file", str(error)))
        return None
    files[shown_name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    data = _parse_yaml(text, shown_name, problems)
    if data is _NOT_YAML:
        return None
    if not isinstance(data, dict):
        found = "an empty file" if data is None else shown(data)
        problems.issues.append(Issue(shown_name, "", "a mapping of scenario fields", found))
        return None
    extends = data.pop("extends", None)
    if extends is None:
        return data
    # Problems with `extends` are reported where it is written: in this file, at its line.
    line, column = problems.sources[-1].positions.get("extends", (None, None))

    def extends_issue(expected: str, found: str) -> None:
        problems.issues.append(Issue(shown_name, "extends", expected, found, line, column))

    if not isinstance(extends, str) or not extends.strip():
        extends_issue("a path to another scenario file", shown(extends))
        return None
    base_path = path.parent / extends
    try:
        base_real = base_path.resolve()
    except (OSError, ValueError, RuntimeError):
        extends_issue("a path to another scenario file", shown(extends))
        return None
    if base_real in (*stack, real):
        chain = " -> ".join(str(p.name) for p in (*stack, real, base_real))
        extends_issue("no cycle of extends", chain)
        return None
    if not base_path.is_file():
        extends_issue("an existing scenario file, relative to this file's folder",
                      f"{shown(extends)}: no such file")
        return None
    base_name = os.path.normpath(os.path.join(os.path.dirname(shown_name), extends))
    base = _read_chain(base_path, base_name, problems, files, (*stack, real))
    if base is None:
        return None
    return deep_merge(base, data)


_NOT_YAML = object()  # what `_parse_yaml` returns for a syntax error (None is an empty file)


class _Loader(yaml.SafeLoader):
    """Safe YAML, except that `3e7` and `1e-3` are numbers (YAML 1.2) and not text (YAML 1.1)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"))


def _parse_yaml(text: str, file: str, problems: Problems) -> Any:
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except RecursionError:
        problems.issues.append(Issue(file, "", "valid YAML nested at most a few hundred levels deep",
                                     "deeper nesting"))
        return _NOT_YAML
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]  # one line
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        position = getattr(error, "position", None)  # a ReaderError (a control character) has no mark
        if mark is None and isinstance(position, int):
            line, column = text.count("\n", 0, position) + 1, position - text.rfind("\n", 0, position)
        problems.issues.append(Issue(file, "", "valid YAML", reason, line, column))
        return _NOT_YAML
    source = Source(file, {})
    if node is not None:
        _collect_positions(node, "", source, problems)
    problems.sources.append(source)
    return data


def _collect_positions(node: yaml.Node, path: str, source: Source, problems: Problems) -> None:
    positions, file = source.positions, source.file
    if isinstance(node, yaml.MappingNode):
        source.mappings.add(path)
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = join(path, key)
            if key in seen:
                problems.issues.append(Issue(file, child, "each key once", "a duplicate key",
                                             key_node.start_mark.line + 1,
                                             key_node.start_mark.column + 1))
            seen.add(key)
            positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _collect_positions(value_node, child, source, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = join(path, index)
            positions[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _collect_positions(item, child, source, problems)


REPLACED_WHOLE = ("initial",)  # a distribution over states is given whole, never merged
ONE_KIND = ("time", "dist")  # {kind: args}: a different kind replaces, the same kind merges
EXCLUSIVE = (("value", "dist"),)  # a parameter fixed over a drawn one (or back) drops the other


def deep_merge(base: Any, over: Any, key: str | None = None) -> Any:
    """Mappings merge key by key (`over` wins); a list or a scalar is replaced whole.

    Three exceptions keep patches meaningful: an `initial` distribution is replaced whole (merging
    {none: 1} with {referred: 1} would sum to 2), a `time` or `dist` of another kind replaces the
    old one instead of sitting beside it, and a parameter's `value` replaces its `dist` (and the
    other way round), keeping its label and source.
    """
    if not (isinstance(base, dict) and isinstance(over, dict)) or key in REPLACED_WHOLE:
        return over
    if key in ONE_KIND and set(base) != set(over):
        return over
    merged = dict(base)
    for pair in EXCLUSIVE:
        for mine, other in (pair, pair[::-1]):
            if mine in over and other not in over:
                merged.pop(other, None)
    for name, value in over.items():
        merged[name] = deep_merge(base[name], value, name) if name in base else value
    return merged


def json_copy(data: Any) -> Any:
    """A deep copy of plain data (mappings, lists, scalars)."""
    if isinstance(data, Mapping):
        return {key: json_copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [json_copy(item) for item in data]
    return data
