"""The authorization service's audit trail: append-only `audit_events`
(authgate_common.audit_schema), an UPDATE-refusing trigger, retention by AUDIT_RETENTION_DAYS.

Created 2026-11-01.
"""

from __future__ import annotations

from alembic import op
from authgate_common.audit_schema import create_table_v1, drop_table_v1

revision = "0004_audit_events"
down_revision = "0003"


def upgrade() -> None:
    create_table_v1(op)


def downgrade() -> None:
    drop_table_v1(op)
