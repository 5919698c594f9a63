"""The admin API's bearer tokens, validated here: the token service owns validation, so it
calls the same validator as ValidateToken (signature, expiry, deny-list, session) instead
of asking itself over gRPC. Adapts it to the port the admin API's caller check reads
(core.access_tokens.TokenValidator)."""

from __future__ import annotations

from collections.abc import Sequence

from authgate_common.core.access_tokens import TokenInfo

from ..tokens.validation import TokenValidator


def token_info(claims: dict[str, object]) -> TokenInfo:
    aud = claims.get("aud", [])
    audiences = [aud] if isinstance(aud, str) else [str(a) for a in aud] if isinstance(aud, list) else []
    return TokenInfo(sub=str(claims.get("sub", "")), sid=str(claims.get("sid", "") or ""),
                     scopes=tuple(str(claims.get("scope", "")).split()), audiences=tuple(audiences),
                     client_id=str(claims.get("client_id", "")))


class LocalTokens:
    def __init__(self, validator: TokenValidator) -> None:
        self._validator = validator

    def validate(self, token: str, required_scopes: Sequence[str] = ()) -> TokenInfo:
        return token_info(self._validator.validate(token, required_scopes))
