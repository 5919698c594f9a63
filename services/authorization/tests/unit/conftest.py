"""Unit tests of the authorization core run on in-memory fakes (authorization_fakes.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from authorization_service.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))  # for authorization_fakes (tests have no package)
from authorization_fakes import Core, make_core, make_settings, pkce_pair  # noqa: E402


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def core(settings: Settings) -> Core:
    return make_core(settings)


@pytest.fixture
def pkce() -> tuple[str, str]:
    return pkce_pair()
