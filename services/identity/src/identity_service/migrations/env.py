"""Alembic environment of the identity service (run through `python -m identity_service migrate`)."""

from authgate_common.alembic_env import run

from identity_service.adapters.tables import metadata

run(metadata)
