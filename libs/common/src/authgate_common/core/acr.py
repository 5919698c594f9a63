"""Authentication context classes (OIDC Core §2 `acr`, §3.1.2.1 `acr_values`) and the
methods behind them (RFC 8176 `amr`).

authgate offers two classes, ordered by strength:

- `urn:authgate:acr:pwd` — one factor (a password, or a passkey used without user
  verification);
- `urn:authgate:acr:mfa` — two factors (`amr` holds "mfa": a password with a TOTP code or
  a passkey, or a passkey with user verification alone).

The class of a sign-in is derived from its `amr`, so the two can never disagree. A request's
`acr_values` lists classes in order of preference: authgate treats the first class it knows
as the one the request needs (unknown values are ignored, OIDC Core §3.1.2.1: voluntary).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

ACR_PASSWORD = "urn:authgate:acr:pwd"
ACR_MFA = "urn:authgate:acr:mfa"
ACR_VALUES_SUPPORTED: tuple[str, ...] = (ACR_PASSWORD, ACR_MFA)
_LEVEL = {ACR_PASSWORD: 1, ACR_MFA: 2}

# RFC 8176 §2 values authgate writes.
AMR_PASSWORD = "pwd"
AMR_OTP = "otp"  # a TOTP code or a recovery code
AMR_HARDWARE_KEY = "hwk"  # a passkey bound to one device
AMR_SOFTWARE_KEY = "swk"  # a synced passkey (backup eligible)
AMR_USER_VERIFIED = "user"  # the authenticator verified the user (PIN, biometrics)
AMR_MFA = "mfa"


def acr_for(amr: Iterable[str]) -> str:
    """The class a sign-in with these methods reached."""
    return ACR_MFA if AMR_MFA in set(amr) else ACR_PASSWORD


def requested_acr(acr_values: Sequence[str] | str | None) -> str | None:
    """The class a request needs: the first value of `acr_values` authgate knows, or None."""
    values = acr_values.split() if isinstance(acr_values, str) else list(acr_values or ())
    return next((v for v in values if v in _LEVEL), None)


def satisfies(amr: Iterable[str], required: str | None) -> bool:
    """Whether a sign-in with these methods meets the class `required` (None: any)."""
    return required is None or _LEVEL[acr_for(amr)] >= _LEVEL.get(required, 0)
