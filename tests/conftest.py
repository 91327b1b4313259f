"""Shared fixtures: settings in a temporary directory, services, the app and a client.

``client`` drives the real application in-process (no network); ``caller``/``headers``
are a tenant and its API key, ``other_headers`` a second tenant's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ragloom.api.app import create_app
from ragloom.services.container import Services
from ragloom.services.tenants import Caller, IssuedKey
from ragloom.settings import Settings, load_settings


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
