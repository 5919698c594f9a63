"""Tables of the second factors (migration 0005_mfa), beside the users they belong to."""

from __future__ import annotations

from authgate_common.columns import timestamp
from sqlalchemy import BigInteger, Column, ForeignKey, Index, LargeBinary, PrimaryKeyConstraint, String, Table

from .tables import metadata

mfa_factors = Table(
    "mfa_factors", metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False, default="totp"),
    Column("label", String(64), nullable=False, default=""),
    Column("secret", LargeBinary, nullable=False),  # nonce ‖ AES-GCM ciphertext ‖ tag
    Column("last_step", BigInteger, nullable=True),
    timestamp("created_at"),
    timestamp("last_used_at", nullable=True),
    Index("ix_mfa_factors_user", "user_id"),
)
recovery_codes = Table(
    "recovery_codes", metadata,
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("code_hash", String(64), nullable=False),  # keyed hash (domain/mfa/recovery_codes.py)
    timestamp("created_at"),
    timestamp("used_at", nullable=True),
    PrimaryKeyConstraint("user_id", "code_hash"),
)
