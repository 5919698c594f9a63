"""What every part of the admin REST API (/api/v1/admin/..., issue 17) shares, whichever
service serves it: who calls (an admin client's bearer token), who the audit trail names,
optimistic concurrency (ETag / If-Match) and paging by opaque cursor.

The caller. The token service validates the token (signature, expiry, revocation); here it
must carry the scope of the part called (`admin:users`, `admin:clients`, …) and name the
admin API in its `aud` (RFC 9068 §4; core.admin_scope). No token gets the bare challenge
(RFC 6750 §3.1), a bad one `invalid_token` (401), one without the scope or meant for
another audience `insufficient_scope` (403). The client it was issued to is the actor of
every change it makes.

Who acts. The operator (the CLI over the operator gRPC plane) records `<noun>.<action>` as
`operator`; an admin client records `admin.<noun>.<action>` as `client:<client_id>`. The
use cases are the same: only the record differs.

Optimistic concurrency (RFC 9110 §13.1.1): a change applies only to the version the client
last saw. The edge turns `If-Match` into an IfMatch; the use case checks it against the
row it is about to change, inside the same transaction. A resource's strong ETag is its
integer `version`.

Paging: listed oldest first by (created_at, id); a page ends at a position and the next
starts strictly after it, so rows created or deleted meanwhile neither shift nor repeat
the others. The cursor is that position, base64url-encoded; a client should not build one.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from .access_tokens import TokenValidator
from .audit import OPERATOR, AuditEvent, client_actor
from .errors import InsufficientScope, InvalidRequest, InvalidToken, OAuthError

NO_TOKEN = {"no_token": "1"}


@dataclass(frozen=True)
class Acting:
    actor: str = OPERATOR
    client_id: str = ""
    prefix: str = ""

    def event(self, name: str, subject: str, **details: Any) -> AuditEvent:
        """`name` is `<noun>.<action>` (`user.disabled`); the admin API prefixes `admin.`."""
        return AuditEvent(f"{self.prefix}{name}", subject, self.actor,
                          client_id=self.client_id, details=details)


BY_OPERATOR = Acting()


def by_admin_client(client_id: str) -> Acting:
    return Acting(actor=client_actor(client_id), client_id=client_id, prefix="admin.")


@dataclass(frozen=True)
class AdminCaller:
    client_id: str

    @property
    def acting(self) -> Acting:
        return by_admin_client(self.client_id)


def admin_caller(tokens: TokenValidator, token: str | None, *, audience: str, scope: str) -> AdminCaller:
    if token is None:
        raise InvalidToken("Send an access token for the admin API.", metadata=NO_TOKEN)
    info = tokens.validate(token)
    if not info.client_id:
        raise InvalidToken("The access token names no client.")
    if scope not in info.scopes or audience not in info.audiences:
        raise InsufficientScope(f"This needs an access token for the admin API with the {scope} scope.",
                                metadata={"scope": scope})
    return AdminCaller(info.client_id)


class PreconditionFailed(OAuthError):
    error, status_code, grpc_code = "precondition_failed", 412, "FAILED_PRECONDITION"
    default_description = "It changed since you read it: read it again, then retry."


class PreconditionRequired(OAuthError):
    error, status_code, grpc_code = "precondition_required", 428, "FAILED_PRECONDITION"
    default_description = "Send If-Match with the ETag you read."


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


@dataclass(frozen=True)
class IfMatch:
    """`*` (any current version) or the versions a client names; None: no condition."""

    any: bool = False
    versions: frozenset[int] = frozenset()

    def check(self, resource: Versioned) -> None:
        if not (self.any or resource.version in self.versions):
            raise PreconditionFailed()


def check(condition: IfMatch | None, resource: Versioned) -> None:
    if condition is not None:
        condition.check(resource)


DEFAULT_PAGE, MAX_PAGE = 50, 200
MAX_CURSOR = 256
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_POSITION = re.compile(r"(\d{1,19})\.(.{1,160})")
# What a listed id may look like: a UUID, or a client_id or key id (printable, unreserved).
UUID_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TOKEN_ID = re.compile(r"[A-Za-z0-9._~:-]{1,160}")
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Position:
    created_at: datetime
    id: str


def encode_cursor(position: Position) -> str:
    micros = (position.created_at - EPOCH) // _MICROSECOND
    return base64.urlsafe_b64encode(f"{micros}.{position.id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, ids: re.Pattern[str] = TOKEN_ID) -> Position:
    """The position a cursor names; 400 for anything this API did not return, including a
    position whose id is not of the listed kind (`ids`)."""
    bad = InvalidRequest("cursor is not one this API returned")
    if len(cursor) > MAX_CURSOR:
        raise bad
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        match = _POSITION.fullmatch(text)
        if match is None or not ids.fullmatch(match.group(2)):
            raise bad
        return Position(EPOCH + int(match.group(1)) * _MICROSECOND, match.group(2))
    except (binascii.Error, ValueError, OverflowError) as exc:
        raise bad from exc


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidRequest(f"limit must be between 1 and {MAX_PAGE}")
