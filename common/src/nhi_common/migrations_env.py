"""The body of every service's alembic env.py: run online against the connection handed over by db.migrate."""

from __future__ import annotations

from alembic import context


def run(target_metadata=None) -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("migrations run through nhi_common.db.migrate(engine, ...), which supplies the connection")
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
