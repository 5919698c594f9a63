"""Index sessions by (revoked_at, sid): the revocation feed's snapshot reads pages in that order.

Created 2026-11-27.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003_audit_events"


def upgrade() -> None:
    op.create_index("ix_sessions_revoked_at_sid", "sessions", ["revoked_at", "sid"])
    op.drop_index("ix_sessions_revoked_at", table_name="sessions")


def downgrade() -> None:
    op.create_index("ix_sessions_revoked_at", "sessions", ["revoked_at"])
    op.drop_index("ix_sessions_revoked_at_sid", table_name="sessions")
