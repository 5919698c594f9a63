"""Ending what one client holds for one user: every live refresh-token family of that
pair, and with each the access tokens it issued (deny-listed by the grant ledger). The
authorization service asks for it when the user withdraws the client's consent (OIDC Core
§3.1.2.4); it may ask again (its outbox retries), so asking twice changes nothing more.
"""

from __future__ import annotations

import logging

from authgate_common.core.errors import InvalidRequest

from ..refresh.refresh_store import refresh_event
from ..refresh.refresh_tokens import RefreshTokens

log = logging.getLogger(__name__)


class ClientTokenRevocation:
    def __init__(self, refresh: RefreshTokens) -> None:
        self._refresh = refresh

    def revoke(self, user_id: str, client_id: str) -> int:
        """Revoke the pair's live families; returns how many this call revoked."""
        if not user_id or not client_id:
            raise InvalidRequest("user_id and client_id are required.")
        with self._refresh.transaction() as repo:
            families = repo.families_of_client_user(client_id, user_id)
            for family_id in families:
                self._refresh.revoke_family(repo, family_id, "consent_withdrawn", refresh_event(
                    "consent_withdrawn_family_revoked", client_id=client_id, user_id=user_id,
                    family_id=family_id))
        if families:
            log.info("consent withdrawn: %d refresh family(ies) of client %s revoked",
                     len(families), client_id)
        return len(families)
