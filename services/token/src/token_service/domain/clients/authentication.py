"""Client authentication at the token endpoint (RFC 6749 §2.3.1, §3.2.1; OIDC Core §9).

Methods: client_secret_basic (the id and secret are form-urlencoded before going into
Basic), client_secret_post, private_key_jwt (`client_assertion_type` and
`client_assertion`, RFC 7523 §2.2, verified by the authorization service, which holds the
client's keys) and none (client_id alone, public clients only). A client must use
exactly one method: mixing them is `invalid_request`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from authgate_common.core.errors import InvalidClient, InvalidRequest

from ..ports import Client, ClientAuthenticator


@dataclass(frozen=True)
class BasicCredentials:
    """The Authorization header of a client-authenticated request, read at the edge
    (entrypoints/form_request.py): the Basic id and secret, already form-decoded, or why
    the header does not carry usable Basic credentials (refused: then `invalid_client`,
    raised here at the point the rules below reach the header)."""

    client_id: str = ""
    client_secret: str = ""
    refused: str = ""


@dataclass(frozen=True)
class ClientRequest:
    """A form POST of a client-authenticated endpoint, parsed once at the edge: its
    parameters, its Authorization header (None when it sent none) and its DPoP header
    (RFC 9449 §4.1; None when it sent none; a repeated header arrives as one value that
    fails the proof checks, §4.3 (1))."""

    params: Mapping[str, str]
    basic: BasicCredentials | None = None
    dpop: str | None = None


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str
    method: str  # client_secret_basic | client_secret_post | private_key_jwt | none
    assertion_type: str = ""
    assertion: str = ""


def read_credentials(params: Mapping[str, str], basic: BasicCredentials | None) -> Credentials:
    form_id, form_secret = params.get("client_id"), params.get("client_secret")
    assertion_type, assertion = params.get("client_assertion_type"), params.get("client_assertion")
    if assertion_type is not None or assertion is not None:
        if basic is not None or form_secret is not None:
            raise InvalidRequest("Use one client authentication method, not several.")
        if not assertion_type or not assertion:
            raise InvalidRequest("client_assertion and client_assertion_type go together.")
        return Credentials(form_id or "", "", "private_key_jwt", assertion_type, assertion)
    if basic is not None:
        if form_secret is not None:
            raise InvalidRequest("Use one client authentication method, not several.")
        if basic.refused:
            raise InvalidClient(basic.refused)
        client_id, secret = basic.client_id, basic.client_secret
        if form_id is not None and form_id != client_id:
            raise InvalidRequest("client_id does not match the authenticated client.")
        return Credentials(client_id, secret, "client_secret_basic")
    if not form_id:
        raise InvalidClient("Client authentication is required.")
    if form_secret is not None:
        return Credentials(form_id, form_secret, "client_secret_post")
    return Credentials(form_id, "", "none")


def authenticate(clients: ClientAuthenticator, creds: Credentials) -> Client:
    if creds.method == "private_key_jwt":
        return clients.authenticate_client(
            creds.client_id, "", client_assertion_type=creds.assertion_type,
            client_assertion=creds.assertion)
    if not creds.client_id or (creds.method != "none" and not creds.client_secret):
        raise InvalidClient()
    client = clients.authenticate_client(creds.client_id, creds.client_secret)
    if creds.method == "none" and not client.is_public:
        # A confidential client must prove itself; never let it fall back to no secret.
        raise InvalidClient()
    return client


def authenticate_request(clients: ClientAuthenticator, request: ClientRequest) -> Client:
    """The client of a client-authenticated request (RFC 6749 §3.2.1, RFC 7009 §2.1, RFC 7662 §2.1)."""
    return authenticate(clients, read_credentials(request.params, request.basic))
