"""Client authentication at the token endpoint (RFC 6749 §2.3.1, §3.2.1; OIDC Core §9).

Methods: client_secret_basic (the id and secret are form-urlencoded before going into
Basic), client_secret_post, private_key_jwt (`client_assertion_type` and
`client_assertion`, RFC 7523 §2.2, verified by the authorization service, which holds the
client's keys) and none (client_id alone, public clients only). A client must use
exactly one method: mixing them is `invalid_request`.
"""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from authgate_common.errors import InvalidClient, InvalidRequest

from .form import parse_form
from .ports import AuthorizationPort, Client


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str
    method: str  # client_secret_basic | client_secret_post | private_key_jwt | none
    assertion_type: str = ""
    assertion: str = ""


def parse_basic(authorization: str) -> tuple[str, str]:
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        raise InvalidClient("Unsupported client authentication scheme.")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClient("Malformed Basic credentials.") from exc
    if ":" not in decoded:
        raise InvalidClient("Malformed Basic credentials.")
    raw_id, _, raw_secret = decoded.partition(":")
    return urllib.parse.unquote_plus(raw_id), urllib.parse.unquote_plus(raw_secret)


def read_credentials(params: Mapping[str, str], authorization: str | None) -> Credentials:
    form_id, form_secret = params.get("client_id"), params.get("client_secret")
    assertion_type, assertion = params.get("client_assertion_type"), params.get("client_assertion")
    if assertion_type is not None or assertion is not None:
        if authorization or form_secret is not None:
            raise InvalidRequest("Use one client authentication method, not several.")
        if not assertion_type or not assertion:
            raise InvalidRequest("client_assertion and client_assertion_type go together.")
        return Credentials(form_id or "", "", "private_key_jwt", assertion_type, assertion)
    if authorization:
        if form_secret is not None:
            raise InvalidRequest("Use one client authentication method, not several.")
        client_id, secret = parse_basic(authorization)
        if form_id is not None and form_id != client_id:
            raise InvalidRequest("client_id does not match the authenticated client.")
        return Credentials(client_id, secret, "client_secret_basic")
    if not form_id:
        raise InvalidClient("Client authentication is required.")
    if form_secret is not None:
        return Credentials(form_id, form_secret, "client_secret_post")
    return Credentials(form_id, "", "none")


def authenticate(authorization_service: AuthorizationPort, creds: Credentials) -> Client:
    if creds.method == "private_key_jwt":
        return authorization_service.authenticate_client(
            creds.client_id, "", client_assertion_type=creds.assertion_type,
            client_assertion=creds.assertion)
    if not creds.client_id or (creds.method != "none" and not creds.client_secret):
        raise InvalidClient()
    client = authorization_service.authenticate_client(creds.client_id, creds.client_secret)
    if creds.method == "none" and not client.is_public:
        # A confidential client must prove itself; never let it fall back to no secret.
        raise InvalidClient()
    return client


def authenticate_request(authorization_service: AuthorizationPort, content_type: str | None,
                         body: bytes, authorization: str | None) -> tuple[dict[str, str], Client]:
    """The form of a client-authenticated endpoint (RFC 7009 §2.1, RFC 7662 §2.1) and its client."""
    params = parse_form(content_type, body)
    return params, authenticate(authorization_service, read_credentials(params, authorization))
