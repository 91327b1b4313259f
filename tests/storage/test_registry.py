"""Backends are chosen by name from one registry per storage role; built-ins register like plug-ins,
and a name no registry has stops the server at start with the valid names."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from ragloom.errors import ConfigError
from ragloom.services.container import Services
from ragloom.settings import (
    DatabaseSettings,
    IndexSettings,
    PostgresDatabaseSettings,
    PostgresIndexSettings,
    Settings,
)
from ragloom.storage.backends import StorageBackends
from ragloom.storage.blobs import BlobStore, LocalBlobStore
from ragloom.storage.index import SqliteChunkIndex
from ragloom.storage.index.backends import postgres_index_url
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.registry import Registry, UnknownBackendError


def test_the_builtin_backends_of_each_role() -> None:
    backends = StorageBackends.builtin()
    assert backends.metadata.names() == ["postgresql", "sqlite"]
    assert backends.blobs.names() == ["local", "s3"]
    assert backends.index.names() == ["postgresql", "sqlite"]


def test_an_unknown_name_is_refused_listing_the_valid_ones(settings: Settings) -> None:
    registry: Registry[BlobStore] = StorageBackends.builtin().blobs
    with pytest.raises(UnknownBackendError, match=r"^Unknown blobs.backend 'minio'; the backends are: local, s3$"):
        registry.create("minio", settings)
    assert issubclass(UnknownBackendError, ConfigError)


def test_a_name_is_registered_once(settings: Settings) -> None:
    registry: Registry[BlobStore] = Registry("blobs.backend")
    registry.register("local", lambda chosen: LocalBlobStore(chosen.data_dir / "a"))
    with pytest.raises(ValueError, match="registered already"):
        registry.register("local", lambda chosen: LocalBlobStore(chosen.data_dir / "b"))
    with pytest.raises(ValueError, match="invalid backend name"):
        registry.register(" spaced", lambda chosen: LocalBlobStore(chosen.data_dir / "c"))


@pytest.mark.parametrize(
    ("section", "setting", "valid"),
    [
        ("database", "database.backend", "postgresql, sqlite"),
        ("blobs", "blobs.backend", "local, s3"),
        ("index", "index.backend", "postgresql, sqlite"),
    ],
)
def test_services_refuse_an_unknown_backend_before_opening_anything(
    settings: Settings, section: str, setting: str, valid: str
) -> None:
    chosen = settings.model_copy(update={section: getattr(settings, section).model_copy(update={"backend": "nope"})})
    with pytest.raises(UnknownBackendError, match=rf"Unknown {setting} 'nope'; the backends are: {valid}"):
        Services.build(chosen)
    assert not chosen.data_dir.exists()


def test_a_plugin_backend_is_chosen_by_settings_like_a_builtin(settings: Settings) -> None:
    opened: list[Path] = []

    def recording_blob_store(chosen: Settings) -> BlobStore:
        opened.append(chosen.data_dir / "plugin-blobs")
        return LocalBlobStore(opened[-1])

    backends = StorageBackends.builtin()
    backends.blobs.register("recording", recording_blob_store)
    chosen = settings.model_copy(update={"blobs": settings.blobs.model_copy(update={"backend": "recording"})})
    services = Services.build(chosen, backends=backends)
    try:
        assert isinstance(services.blobs, LocalBlobStore)
        assert services.blobs.root == opened[0] == settings.data_dir / "plugin-blobs"
        assert isinstance(services.store, MetadataStore)
        assert isinstance(services.index, SqliteChunkIndex)
    finally:
        services.close()


def test_each_backend_reads_its_own_section(settings: Settings, tmp_path: Path) -> None:
    chosen = Settings.model_validate(
        {
            **settings.model_dump(),
            "database": {"sqlite": {"path": tmp_path / "meta.db"}},
            "blobs": {"local": {"path": tmp_path / "files"}},
            "index": {"sqlite": {"path": tmp_path / "chunks.sqlite"}},
        }
    )
    services = Services.build(chosen)
    try:
        assert services.store.url == f"sqlite:///{tmp_path / 'meta.db'}"
        assert isinstance(services.blobs, LocalBlobStore)
        assert services.blobs.root == tmp_path / "files"
        assert (tmp_path / "chunks.sqlite").is_file()
    finally:
        services.close()


def test_s3_without_a_bucket_and_postgresql_without_a_url_are_refused(settings: Settings) -> None:
    blobs = settings.model_copy(update={"blobs": settings.blobs.model_copy(update={"backend": "s3"})})
    with pytest.raises(ConfigError, match="blobs.backend is 's3' but blobs.s3.bucket is not set"):
        Services.build(blobs)
    database = settings.model_copy(update={"database": settings.database.model_copy(update={"backend": "postgresql"})})
    with pytest.raises(ConfigError, match="database.backend is 'postgresql' but database.postgresql.url is not set"):
        Services.build(database)


def test_s3_without_its_client_library_says_what_to_install(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # what an installation without the `s3` extra has
    monkeypatch.delitem(sys.modules, "ragloom.storage.blobs.s3", raising=False)
    chosen = settings.model_copy(update={"blobs": settings.blobs.model_copy(update={"backend": "s3"})})
    with pytest.raises(ConfigError, match=r"its client library is missing \(boto3\): pip install 'ragloom\[s3\]'"):
        Services.build(chosen)


def test_the_postgresql_index_needs_a_url_and_defaults_to_the_metadata_database(settings: Settings) -> None:
    index = settings.model_copy(update={"index": settings.index.model_copy(update={"backend": "postgresql"})})
    with pytest.raises(ConfigError, match="index.backend is 'postgresql' but index.postgresql.url is not set"):
        Services.build(index)
    shared = index.model_copy(
        update={
            "database": DatabaseSettings(
                backend="postgresql",
                postgresql=PostgresDatabaseSettings(url=SecretStr("postgresql+psycopg://ragloom@db/meta")),
            )
        }
    )
    assert postgres_index_url(shared) == "postgresql+psycopg://ragloom@db/meta"
    own = shared.model_copy(
        update={
            "index": IndexSettings(
                backend="postgresql", postgresql=PostgresIndexSettings(url=SecretStr("postgresql://x@h/i"))
            )
        }
    )
    assert postgres_index_url(own) == "postgresql://x@h/i"


def test_the_postgresql_index_without_its_client_library_says_what_to_install(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # what an installation without the `postgresql` extra has
    for module in [name for name in sys.modules if name.startswith("ragloom.storage.index.postgresql")]:
        monkeypatch.delitem(sys.modules, module)
    section = IndexSettings(backend="postgresql", postgresql=PostgresIndexSettings(url=SecretStr("postgresql://h/i")))
    with pytest.raises(
        ConfigError, match=r"client library is missing \(psycopg\): pip install 'ragloom\[postgresql\]'"
    ):
        Services.build(settings.model_copy(update={"index": section}))
