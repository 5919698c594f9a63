"""What every service's composition root (`<svc>_service.bootstrap`) wires the same way.

`WiredService` is the part of each service object that `service_main` runs: the gRPC
registrar, the hook recording calls the allow-list refused, and the resources to close.
`audited_by` adds the service's audit trail (authgate_common.audit_service) to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import grpc

from .audit_service import AuditTrailService
from .grpc_access import DenialHook


@dataclass(kw_only=True)
class WiredService:
    register: Callable[[grpc.Server], None]
    # What `close` runs, in this order: the service's threads, channels, engine ….
    closers: list[Callable[[], None]] = field(default_factory=list)
    # Records a call the allow-list refused (the audit trail's `rpc.denied`).
    on_denied: DenialHook | None = None

    def close(self) -> None:
        for close in self.closers:
            close()

    def audited_by(self, audit: AuditTrailService) -> None:
        """Starts `audit` and serves it: its AuditService registered beside the service's
        own servicers, refused calls recorded, and stopped first on `close`."""
        audit.start()
        self.register = audit.with_register(self.register)
        self.on_denied = audit.denied
        self.closers.insert(0, audit.stop)
