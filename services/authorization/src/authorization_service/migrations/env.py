"""Alembic environment of the authorization service (run via `python -m authorization_service migrate`)."""

from authgate_common.alembic_env import run

from authorization_service.adapters.tables import metadata

run(metadata)
