"""Alembic environment of the token service (run through `python -m token_service migrate`)."""

from authgate_common.alembic_env import run

from token_service.adapters.tables import metadata

run(metadata)
