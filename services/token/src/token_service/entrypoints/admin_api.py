"""The parts of the admin REST API the token service serves (issue 17), wired from the
core: signing keys (admin_keys.py) and the audit trail (admin_audit.py). Their bearer
tokens are validated here, by the validator ValidateToken uses."""

from __future__ import annotations

from collections.abc import Mapping

from authgate_common.core.audit import AuditQuery, AuditRecord
from authgate_common.core.errors import TemporarilyUnavailable
from fastapi import APIRouter

from ..domain.admin.audit import SERVICES, AuditSource, AuditTrailReader
from ..domain.admin.caller import LocalTokens
from ..domain.admin.keys import KeyAdmin
from ..domain.keys.signing_keys import SigningKeys
from ..domain.tokens.validation import TokenValidator
from .admin_audit import admin_audit_router
from .admin_keys import admin_keys_router


class _Unwired:
    """Stands in for a trail nobody wired (tests of other parts): the audit API fails closed."""

    def query(self, query: AuditQuery) -> list[AuditRecord]:
        raise TemporarilyUnavailable(detail="audit trail not wired")


def admin_routers(signing_keys: SigningKeys, validator: TokenValidator, issuer: str,
                  audit_sources: Mapping[str, AuditSource] | None = None) -> list[APIRouter]:
    tokens = LocalTokens(validator)
    sources = audit_sources or {name: _Unwired() for name in SERVICES}
    return [admin_keys_router(KeyAdmin(signing_keys), tokens, issuer),
            admin_audit_router(AuditTrailReader(sources), tokens, issuer)]
