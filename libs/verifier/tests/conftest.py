"""The verifier's unit tests run on fakes (verifier_fakes.py): no network, injected clocks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for verifier_fakes (tests have no package)
from authgate_verifier import JwksCache, RevocationState, Verifier  # noqa: E402
from verifier_fakes import AUDIENCE, ISSUER, Clock, Issuer  # noqa: E402


@pytest.fixture
def issuer() -> Issuer:
    issuer = Issuer()
    issuer.new_key("k1")
    return issuer


@pytest.fixture
def wall() -> Clock:
    return Clock()


@pytest.fixture
def mono() -> Clock:
    return Clock(100.0)


@pytest.fixture
def state(wall: Clock, mono: Clock) -> RevocationState:
    state = RevocationState(max_silence=5.0, clock=wall, monotonic=mono)
    state.apply(snapshot_complete=True)
    return state


@pytest.fixture
def verifier(issuer: Issuer, wall: Clock, mono: Clock, state: RevocationState) -> Verifier:
    jwks = JwksCache(ISSUER, fetch=issuer.fetch, monotonic=mono)
    return Verifier(ISSUER, AUDIENCE, jwks, state, clock=wall, cache_size=4)
