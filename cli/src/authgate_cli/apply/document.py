"""Reading a configuration file: YAML, checked against the committed JSON Schema
(config_schema.json, Draft 2020-12) before anything is sent to a service.

Every error names where it is, as `clients[2].redirect_uris[0]`, so the operator finds it
without counting lines; all of them are reported at once.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from authgate_common.core.errors import InvalidRequest
from jsonschema import Draft202012Validator

from .kinds import BY_SECTION, SECTIONS, Item

API_VERSION = "authgate.io/v1"
KIND = "Configuration"
MAX_ERRORS = 20


def schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("config_schema.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def where(path: Iterable[Any]) -> str:
    """`clients[2].redirect_uris[0]` from the schema error's path."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


@dataclass(frozen=True)
class Configuration:
    # Only the sections the file has: a section left out is not managed.
    sections: dict[str, list[Item]]

    def has(self, section: str) -> bool:
        return section in self.sections


def parse(data: Any, source: str = "the file") -> Configuration:
    """The checked configuration, or InvalidRequest naming every problem and its path."""
    validator = Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [f"{where(e.absolute_path)}: {e.message}" for e in errors]
    if not problems:
        problems = _duplicates(data)
    if problems:
        shown = problems[:MAX_ERRORS]
        more = f" (and {len(problems) - MAX_ERRORS} more)" if len(problems) > MAX_ERRORS else ""
        raise InvalidRequest(f"{source} is not a valid configuration: " + "; ".join(shown) + more)
    return Configuration({s: list(data[s]) for s in SECTIONS if s in data})


def _duplicates(data: dict[str, Any]) -> list[str]:
    problems = []
    for section in SECTIONS:
        key = BY_SECTION[section].key
        seen: dict[str, int] = {}
        for index, item in enumerate(data.get(section, [])):
            if item[key] in seen:
                first = f"{section}[{seen[item[key]]}]"
                problems.append(f"{section}[{index}].{key}: {item[key]!r} is already {first}")
            seen.setdefault(item[key], index)
    return problems


def load(path: str) -> Configuration:
    """The file at `path` (`-` for stdin), parsed and checked."""
    try:
        text = _read(path)
        data = yaml.safe_load(text)
    except OSError as exc:
        raise InvalidRequest(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    except UnicodeDecodeError as exc:
        raise InvalidRequest(f"{path} is not UTF-8 text.") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InvalidRequest(f"{path} is not valid YAML{at}: {getattr(exc, 'problem', exc)}.") from exc
    return parse(data, path)


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    return Path(path).read_text(encoding="utf-8")


def dump(sections: dict[str, list[Item]]) -> str:
    """A configuration document (YAML) of these sections, in dependency order."""
    document: dict[str, Any] = {"apiVersion": API_VERSION, "kind": KIND}
    document.update({s: sections[s] for s in SECTIONS if s in sections})
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False)
