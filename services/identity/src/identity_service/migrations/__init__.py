"""Alembic migrations of the identity service."""
