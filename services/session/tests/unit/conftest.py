"""Unit tests of the session core run on in-memory fakes (session_fakes.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for session_fakes (tests have no package)
from session_fakes import World, make_world  # noqa: E402


@pytest.fixture
def world() -> World:
    return make_world()
