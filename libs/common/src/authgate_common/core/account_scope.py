"""The account API's scope and audience, shared by the services that grant and check them.

`GET/DELETE /api/v1/sessions` and `POST /api/v1/logout` act on the user's whole account
(every device, every session), so a bearer token reaches them only with the `account`
scope, which only first-party clients are ever granted, and with the account API in its
`aud` (RFC 9068 §4: a resource server refuses tokens not meant for it).
"""

from __future__ import annotations

ACCOUNT_SCOPE = "account"


def account_audience(issuer: str) -> str:
    """The account API's audience: `<issuer>/api/v1/account`."""
    return f"{issuer.rstrip('/')}/api/v1/account"
