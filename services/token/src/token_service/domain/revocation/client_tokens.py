"""Ending what one client holds: for one user, or for everyone.

For one user (`user_id` given): every live refresh-token family of that pair, and with
each the access tokens it issued (deny-listed by the grant ledger). The authorization
service asks for it when the user withdraws the client's consent (OIDC Core §3.1.2.4).

For everyone (`user_id` empty): the client was deleted. Every live refresh-token family of
the client is revoked, and so is every access token it was issued until now, of every
grant, client_credentials included: one client revocation (grant_ledger.py) recorded in
the same transaction and then pushed to the deny-list every validation reads, so each
replica refuses them at the next request. A client registered again later under the same
client_id gets tokens issued after that second, which validate.

The authorization service's outbox retries, so either may be asked twice: asking again
revokes nothing more (a client revocation asked again moves its point in time forward,
which refuses no token the first did not, since the client issued none in between).
"""

from __future__ import annotations

import logging

from authgate_common.core.errors import InvalidRequest

from ..refresh.refresh_store import refresh_event
from ..refresh.refresh_tokens import RefreshTokens
from .grant_ledger import GrantLedger

log = logging.getLogger(__name__)


class ClientTokenRevocation:
    def __init__(self, refresh: RefreshTokens, ledger: GrantLedger) -> None:
        self._refresh = refresh
        self._ledger = ledger

    def revoke(self, user_id: str, client_id: str) -> int:
        """Revoke the live families (and, for every user, the client's access tokens);
        returns how many families this call revoked."""
        if not client_id:
            raise InvalidRequest("client_id is required.")
        reason = "consent_withdrawn" if user_id else "client_deleted"
        with self._refresh.transaction() as repo:
            families = repo.families_of_client_user(client_id, user_id)
            for family_id in families:
                self._refresh.revoke_family(repo, family_id, reason, refresh_event(
                    reason + "_family_revoked", client_id=client_id, user_id=user_id,
                    family_id=family_id))
            revocation = None if user_id else self._ledger.revoke_client(repo.jtis, client_id)
            if revocation is not None:
                repo.audit(refresh_event("client_tokens_revoked", client_id=client_id, detail={
                    "revoked_before": revocation.revoked_before,
                    "families_revoked": len(families)}), self._refresh.now())
        if revocation is not None:
            self._ledger.deny_client(revocation)
        if families or revocation is not None:
            log.info("%s: %d refresh family(ies) of client %s revoked%s", reason.replace("_", " "),
                     len(families), client_id, "" if user_id else ", and its access tokens")
        return len(families)
