"""Time-based one-time passwords (RFC 6238 TOTP over RFC 4226 HOTP): 6 digits, 30-second
steps, HMAC-SHA1 — what every authenticator app speaks (RFC 6238 §4, §5.2).

A code is accepted in the current step or one step either side (RFC 6238 §5.2: "at most
one time step" of network delay and clock drift) and only once: the factor remembers
the last step it accepted, and that step or any earlier one is refused (RFC 6238 §5.2,
"the verifier MUST NOT accept the second attempt of the same OTP").
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime

import pyotp

STEP_SECONDS = 30
DIGITS = 6
WINDOW_STEPS = 1
ISSUER_MAX = 64
_CODE = re.compile(r"^[0-9]{6}$")


def new_secret() -> str:
    """160 random bits as base32 (RFC 4226 §4 R6: the shared secret should be 160 bits)."""
    return pyotp.random_base32(32)


def normalize_code(code: str) -> str | None:
    """The six digits typed, spaces and dashes ignored; None when it is not a TOTP code."""
    digits = re.sub(r"[\s-]", "", code or "")
    return digits if _CODE.match(digits) else None


def step_at(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step within the window whose code this is, or None."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = step_at(now)
    found = None
    for step in range(current - WINDOW_STEPS, current + WINDOW_STEPS + 1):
        # Every candidate is compared (no early exit), each in constant time.
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            found = step
    return found


def accepted_step(secret: str, code: str, last_step: int | None, now: datetime) -> int | None:
    """The step to remember when `code` is accepted now; None when wrong or replayed."""
    digits = normalize_code(code)
    if digits is None:
        return None
    step = matching_step(secret, digits, now)
    if step is None or (last_step is not None and step <= last_step):
        return None
    return step


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI authenticator apps read from the QR code (Key Uri Format)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer[:ISSUER_MAX])


def grouped(secret: str) -> str:
    """The key for typing by hand, in groups of four."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
