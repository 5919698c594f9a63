"""Stateless server nonces (RFC 9449 §8): good in their window and the next, only ours."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from authgate_dpop import NonceIssuer

SECRET = b"s" * 32
WINDOW = 120.0


@dataclass
class Clock:
    now: float = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def issuer(clock: Clock) -> NonceIssuer:
    return NonceIssuer(SECRET, WINDOW, clock=clock)


def test_a_nonce_is_good_now_and_in_the_next_window(issuer: NonceIssuer, clock: Clock) -> None:
    nonce = issuer.current()
    assert issuer.is_valid(nonce)
    clock.now += WINDOW
    assert issuer.is_valid(nonce) and issuer.current() != nonce


def test_a_nonce_is_stale_after_two_windows(issuer: NonceIssuer, clock: Clock) -> None:
    nonce = issuer.current()
    clock.now += 2 * WINDOW
    assert not issuer.is_valid(nonce)


def test_a_nonce_from_the_future_is_refused(issuer: NonceIssuer, clock: Clock) -> None:
    clock.now += WINDOW
    later = issuer.current()
    clock.now -= WINDOW
    assert not issuer.is_valid(later)


def test_every_replica_issues_and_accepts_the_same_nonce(issuer: NonceIssuer, clock: Clock) -> None:
    replica = NonceIssuer(SECRET, WINDOW, clock=clock)
    assert replica.current() == issuer.current() and replica.is_valid(issuer.current())


def test_a_forged_mac_is_refused(issuer: NonceIssuer) -> None:
    window, _, mac = issuer.current().partition(".")
    flipped = ("0" if mac[0] != "0" else "1") + mac[1:]
    assert not issuer.is_valid(f"{window}.{flipped}")
    assert not issuer.is_valid(f"{window}.")
    assert not issuer.is_valid(window)


def test_a_nonce_of_another_secret_is_refused(issuer: NonceIssuer, clock: Clock) -> None:
    other = NonceIssuer(b"o" * 32, WINDOW, clock=clock)
    assert not issuer.is_valid(other.current())


@pytest.mark.parametrize("nonce", [None, "", "x", "-1.abc", "²." + "a" * 32, "1" * 65, " 1.a", "1e3.a"])
def test_malformed_nonces_are_refused_not_raised(issuer: NonceIssuer, nonce: str | None) -> None:
    assert issuer.is_valid(nonce) is False


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        NonceIssuer(b"short")
