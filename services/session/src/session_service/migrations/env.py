"""Alembic environment of the session service (run through `python -m session_service migrate`)."""

from authgate_common.alembic_env import run

from session_service.adapters.tables import metadata

run(metadata)
