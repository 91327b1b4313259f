"""Alembic environment: runs on the connection :meth:`MetadataStore.migrate` passes in."""

from alembic import context

from ragloom.storage.metadata.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("ragloom migrations run through MetadataStore.migrate()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
