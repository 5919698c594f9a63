"""Who changes a user, and how the audit trail names the change.

The operator (the CLI over the operator gRPC plane) records `user.<action>` as
`operator`; an admin client through the admin REST API records `admin.user.<action>`
as `client:<client_id>`. The use cases are the same: only the record differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authgate_common.core.audit import OPERATOR, AuditEvent, client_actor


@dataclass(frozen=True)
class Acting:
    actor: str = OPERATOR
    client_id: str = ""
    prefix: str = ""

    def event(self, action: str, subject: str, **details: Any) -> AuditEvent:
        return AuditEvent(f"{self.prefix}user.{action}", subject, self.actor,
                          client_id=self.client_id, details=details)


BY_OPERATOR = Acting()


def by_admin_client(client_id: str) -> Acting:
    return Acting(actor=client_actor(client_id), client_id=client_id, prefix="admin.")
