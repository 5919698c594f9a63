"""Finding the access token in a request (RFC 6750 §2.1, §2.2; RFC 9449 §7.1).

Exactly one method may carry it: the Authorization header, or (POST only) the
form-encoded `access_token` parameter. No token at all gets the bare challenge of
RFC 6750 §3.1, without an error code.
"""

from __future__ import annotations

from authgate_common.core.errors import InvalidRequest, InvalidToken

NO_TOKEN = {"no_token": "1"}


def bearer_from_header(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    value = value.strip()
    if not value:
        raise InvalidToken("The access token is missing.")
    return value


def presented_token(authorization: str | None, form_token: str | None = None) -> tuple[str, str]:
    """(scheme, token): "Bearer" (the header or the form parameter) or "DPoP" (RFC 9449 §7.1:
    `Authorization: DPoP <token>`, header only); `extract_bearer`'s refusals otherwise."""
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() == "dpop":
            if form_token is not None:
                raise InvalidRequest("Send the access token in one place only.")
            if not value.strip():
                raise InvalidToken("The access token is missing.")
            return "DPoP", value.strip()
    return "Bearer", extract_bearer(authorization, form_token)


def extract_bearer(authorization: str | None, form_token: str | None = None) -> str:
    header_token = bearer_from_header(authorization)
    if header_token and form_token is not None:
        raise InvalidRequest("Send the access token in one place only.")
    token = header_token or form_token
    if not token:
        raise InvalidToken("No access token was sent.", metadata=NO_TOKEN)
    return token
