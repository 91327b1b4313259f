"""The metadata store: migrations match the models, and writers queue instead of failing."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from ragloom.storage.metadata import MetadataStore
from ragloom.storage.metadata.tables import Base, Tenant


def test_migrations_produce_exactly_the_models_schema(tmp_path: Path) -> None:
    store = MetadataStore(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    store.close()
    assert differences == []


def test_migrate_twice_is_harmless_and_uses_wal(tmp_path: Path) -> None:
    store = MetadataStore(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    store.migrate()
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert set(inspect(connection).get_table_names()) >= {"tenant", "api_key", "dataset", "document"}
    store.close()


def test_concurrent_read_modify_write_transactions_all_commit(tmp_path: Path) -> None:
    """Each writer reads a counter and writes it back +1; none may fail or be lost."""
    store = MetadataStore(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    with store.writing() as tx:
        tx.tenants.add(Tenant(id="t", name="0", embedding_model="m@f", chat_model="", create_time=0, update_time=0))
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(10):
                with store.writing() as tx:
                    tenant = tx.tenants.get("t")
                    assert tenant is not None
                    tenant.name = str(int(tenant.name) + 1)
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.reading() as tx:
        tenant = tx.tenants.get("t")
    store.close()
    assert errors == []
    assert tenant is not None
    assert tenant.name == "80"


def test_a_failing_write_transaction_rolls_back(tmp_path: Path) -> None:
    store = MetadataStore(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    try:
        with store.writing() as tx:
            tx.tenants.add(Tenant(id="x", name="", embedding_model="m@f", chat_model="", create_time=0, update_time=0))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with store.reading() as tx:
        assert tx.tenants.get("x") is None
    store.close()


def test_schema_head_constant_matches_the_migration_scripts(tmp_path: Path) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from ragloom.storage.metadata.migrations import SCHEMA_HEAD
    from ragloom.storage.metadata.store import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [SCHEMA_HEAD]
    store = MetadataStore(f"sqlite:///{tmp_path / 'm.db'}")
    assert store.schema_version() is None
    store.migrate()
    assert store.schema_version() == SCHEMA_HEAD
    store.close()
