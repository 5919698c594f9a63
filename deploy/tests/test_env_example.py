"""`.env.example` documents every setting: each field of every Settings class (the services',
their common base, the example API's and the CLI's) appears there as `NAME=` or `#NAME=`."""

from __future__ import annotations

import importlib
import pathlib
import re

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SETTINGS = [
    ("authgate_common.settings", "BaseServiceSettings"),
    *((f"{service}_service.settings", "Settings")
      for service in ("identity", "session", "authorization", "token")),
    ("example_api.settings", "Settings"),
    ("authgate_cli.settings", "CliSettings"),
]


def _documented() -> set[str]:
    text = (REPO / ".env.example").read_text()
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


@pytest.mark.parametrize(("module", "name"), SETTINGS, ids=[m for m, _ in SETTINGS])
def test_every_setting_is_in_env_example(module: str, name: str) -> None:
    fields = getattr(importlib.import_module(module), name).model_fields
    missing = sorted(set(fields) - _documented())
    assert not missing, f"{module}.{name}: add to .env.example (with a comment): {missing}"
