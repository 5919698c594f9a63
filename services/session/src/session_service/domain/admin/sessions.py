"""The admin API's sessions: a user's live sessions, one session, and ending them.

Reading goes through the same lookups as the user's own device list (lookup.py), ending
through the same revocation as the operator's RevokeSession / RevokeUserSessions and the
user's own sign-out (revoke.py): the record first, then the revocation feed, so every
token replica refuses the session's access tokens at once. Each session ended is audited
as `admin.session.revoked` with the acting client, in the transaction that ends it.
"""

from __future__ import annotations

import uuid

from authgate_common.core.admin_api import Acting
from authgate_common.core.errors import InvalidRequest

from ..context import Deps
from ..lookup import get_session, list_sessions
from ..model import Session
from ..revoke import revoke_session, revoke_user_sessions

REASON = "revoked_by_admin"


def user_id_of(value: str | None) -> str:
    """The user id a query names, canonical (lower-case UUID); 400 for anything else."""
    if not value:
        raise InvalidRequest("user_id is required")
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise InvalidRequest("user_id must be a user id (a UUID)") from None


class SessionAdmin:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def of_user(self, user_id: str | None) -> list[Session]:
        """The user's live sessions, newest first."""
        return list_sessions(self._deps, user_id_of(user_id))

    def get(self, sid: str) -> Session:
        """A live session; an ended, expired or unknown one is 404."""
        return get_session(self._deps, sid)

    def revoke(self, sid: str, by: Acting) -> None:
        """Ends the session; one already ended stays ended (idempotent), an unknown one is 404."""
        revoke_session(self._deps, sid, reason=REASON, actor=by.actor, by=by)

    def revoke_all(self, user_id: str | None, by: Acting) -> list[str]:
        """Ends every live session of the user; the sids ended (none: nothing was live)."""
        return revoke_user_sessions(self._deps, user_id_of(user_id), reason=REASON, actor=by.actor, by=by)
