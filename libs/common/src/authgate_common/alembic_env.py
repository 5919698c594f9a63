"""Shared body of each service's alembic env.py: run on the connection we are handed."""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData


def run(metadata: MetaData) -> None:
    conn = context.config.attributes.get("connection")
    if conn is None:
        raise RuntimeError("run migrations through `python -m <service> migrate`")
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
