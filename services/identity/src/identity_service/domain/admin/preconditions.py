"""Optimistic concurrency (RFC 9110 §13.1.1): a change applies only to the version the
client last saw. The edge turns `If-Match` into an IfMatch; the use case checks it
against the row it is about to change, inside the same transaction."""

from __future__ import annotations

from dataclasses import dataclass

from authgate_common.core.errors import OAuthError

from ..users import User


class PreconditionFailed(OAuthError):
    error, status_code, grpc_code = "precondition_failed", 412, "FAILED_PRECONDITION"
    default_description = "The user changed since you read it: read it again, then retry."


class PreconditionRequired(OAuthError):
    error, status_code, grpc_code = "precondition_required", 428, "FAILED_PRECONDITION"
    default_description = "Send If-Match with the ETag of the user you read."


@dataclass(frozen=True)
class IfMatch:
    """`*` (any current version) or the versions a client names; None: no condition."""

    any: bool = False
    versions: frozenset[int] = frozenset()

    def check(self, user: User) -> None:
        if not (self.any or user.version in self.versions):
            raise PreconditionFailed()


def check(condition: IfMatch | None, user: User) -> None:
    if condition is not None:
        condition.check(user)
