"""Who an access token is for: its `aud` (RFC 9068 §2.2, RFC 7519 §4.1.3), and which
granted scopes a client may hold at all.

Until a client can name the resource it wants (RFC 8707), the audience follows from what
was granted: the client's registered audiences (else the client itself), plus the API each
granted scope opens — the audience of its API in the scope catalogue (`read`, `write` and
`admin` that of the API `default`, `urn:authgate:api` unless the operator changed it),
`account` the account API (`<issuer>/api/v1/account`). `aud` is always an array. A resource
server that checks its audience then refuses a token meant for another one.
`account` runs the user's whole account, so only a first-party client ever holds it, here
at the last step of every grant whatever the code or refresh family carried. An admin
scope (`admin:users`, …) opens the admin API (`<issuer>/api/v1/admin`); only an admin
client holds one, and only without a user behind the grant (client_credentials): the
code and refresh grants never carry one on, whatever reached them.

A client that names resources (RFC 8707 §2, resources.py) gets a token for exactly those:
`aud` is the resources, and the scopes of any other API are left out (§2.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from authgate_common.core.account_scope import ACCOUNT_SCOPE, account_audience
from authgate_common.core.admin_scope import admin_audience, is_admin_scope
from authgate_common.core.resource_indicators import narrow_scopes

from .ports import Client
from .scopes import CatalogSource


def grantable(client: Client, scopes: Sequence[str], *, for_user: bool) -> list[str]:
    """The scopes this client may hold: `account` only for a first-party client; an admin
    scope only for an admin client and never when a user stands behind the grant."""
    return [s for s in scopes
            if (s != ACCOUNT_SCOPE or client.first_party)
            and (not is_admin_scope(s) or (client.admin and not for_user))]


@dataclass(frozen=True)
class AudienceRule:
    issuer: str
    catalog: CatalogSource
    resource_indicators: bool = True  # RESOURCE_INDICATORS_ENABLED

    def audiences(self, client: Client, scopes: Sequence[str], resources: Sequence[str] = ()) -> list[str]:
        if resources:
            return list(resources)
        auds = list(client.audiences) or [client.client_id]
        if ACCOUNT_SCOPE in scopes:
            auds.append(account_audience(self.issuer))
        auds.extend(self.catalog.covering(scopes).audiences(scopes))
        if any(is_admin_scope(s) for s in scopes):
            auds.append(admin_audience(self.issuer))
        return list(dict.fromkeys(auds))

    def narrow(self, scopes: Sequence[str], resources: Sequence[str]) -> list[str]:
        """The scopes of a token for `resources`: their APIs' and those of no API."""
        if not resources:
            return list(scopes)
        return narrow_scopes(self.catalog.covering(scopes), resources, scopes, self.issuer)
