"""Unit tests of the identity core run on in-memory fakes (identity_fakes.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for identity_fakes (tests have no package)
from identity_fakes import Core, make_core  # noqa: E402


@pytest.fixture
def core() -> Core:
    return make_core()
