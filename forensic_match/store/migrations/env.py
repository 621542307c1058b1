"""Alembic environment of the case store: run by :func:`forensic_match.store.upgrade_store`,
which hands over an open connection (``config.attributes["connection"]``)."""

from __future__ import annotations

from alembic import context

from forensic_match.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
