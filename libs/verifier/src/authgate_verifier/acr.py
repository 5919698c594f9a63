"""Authentication context classes (OIDC Core §2 `acr`), weakest first, and how a resource
server asks for one (RFC 9470 step-up).

The same values as the services' authgate_common.core.acr, which this library does not
depend on (see pyproject.toml); tests/test_step_up.py keeps the two equal.
"""

from __future__ import annotations

ACR_PASSWORD = "urn:authgate:acr:pwd"  # one factor
ACR_MFA = "urn:authgate:acr:mfa"  # two factors (`amr` holds "mfa")
ACR_VALUES: tuple[str, ...] = (ACR_PASSWORD, ACR_MFA)


def reaches(acr: str, required: str) -> bool:
    """Whether a token of class `acr` meets `required` (an unknown `acr` meets nothing)."""
    if required not in ACR_VALUES:
        raise ValueError(f"unknown acr {required!r}; known: {', '.join(ACR_VALUES)}")
    return acr in ACR_VALUES and ACR_VALUES.index(acr) >= ACR_VALUES.index(required)
