"""The `webauthn` library's verification, with every way a browser's JSON can be wrong
mapped to one refusal (bad input is a 4xx, never a crash), and the JSON shapes the
browser reads (§5.4 PublicKeyCredentialCreationOptionsJSON, §5.5 …RequestOptionsJSON)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from webauthn import options_to_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorTransport,
    PublicKeyCredentialCreationOptions,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialRequestOptions,
)

from .errors import PasskeyRefused
from .model import Passkey

T = TypeVar("T")
_TRANSPORTS = {t.value: t for t in AuthenticatorTransport}
_MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError, IndexError, AttributeError)


def checked(verify: Callable[[], T], subject: str = "") -> T:
    try:
        return verify()
    except _MALFORMED as exc:
        raise PasskeyRefused(detail=f"{type(exc).__name__}: {exc}", subject=subject) from exc


def descriptors(passkeys: Sequence[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(
        id=p.credential_id, transports=[_TRANSPORTS[t] for t in p.transports if t in _TRANSPORTS] or None)
        for p in passkeys]


def known_transports(credential: Any) -> tuple[str, ...]:
    """The transports a registration reported (§5.2.1 getTransports()), known values only."""
    try:
        values = credential["response"].get("transports") or []
    except (KeyError, TypeError, AttributeError):
        return ()
    return tuple(sorted({v for v in values if isinstance(v, str) and v in _TRANSPORTS}))


def as_json(options: PublicKeyCredentialCreationOptions | PublicKeyCredentialRequestOptions,
            ) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result
