"""API keys: issued once, stored hashed, checked in constant time, revocable."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ragloom.errors import AuthenticationError, DataError, NotFoundError
from ragloom.services.container import Services
from ragloom.storage.metadata.tables import ApiKey


def test_first_start_creates_one_tenant_and_key_once(services: Services) -> None:
    issued = services.tenants.ensure_first_key()
    assert issued is not None
    assert re.fullmatch(r"ragflow-[A-Za-z0-9_-]{43}", issued.secret)
    assert services.tenants.ensure_first_key() is None
    assert len(services.tenants.list_tenants()) == 1


def test_secrets_are_stored_only_as_hashes(services: Services) -> None:
    issued = services.tenants.issue_key(new_tenant=True)
    with services.store.reading() as tx:
        rows = list(tx.session.scalars(select(ApiKey)))
    assert len(rows) == 1
    stored = " ".join(str(value) for value in vars(rows[0]).values())
    assert issued.secret not in stored
    assert issued.secret[8:20] not in rows[0].secret_hash


def test_authenticate(services: Services) -> None:
    issued = services.tenants.issue_key(new_tenant=True)
    assert services.tenants.authenticate(issued.secret).tenant_id == issued.tenant_id
    for wrong in (None, "", "None", issued.secret + "x", issued.secret[:-1]):
        with pytest.raises(AuthenticationError):
            services.tenants.authenticate(wrong)


def test_issue_key_targets(services: Services) -> None:
    first = services.tenants.issue_key()
    again = services.tenants.issue_key()
    assert again.tenant_id == first.tenant_id
    other = services.tenants.issue_key(new_tenant=True, tenant_name="bob")
    assert other.tenant_id != first.tenant_id
    with pytest.raises(DataError, match="Several tenants exist"):
        services.tenants.issue_key()
    assert services.tenants.issue_key(tenant_id=other.tenant_id).tenant_id == other.tenant_id
    with pytest.raises(NotFoundError):
        services.tenants.issue_key(tenant_id="0" * 32)


def test_revoke_by_id_hint_or_secret(services: Services) -> None:
    keys = [services.tenants.issue_key(new_tenant=True) for _ in range(3)]
    services.tenants.revoke(keys[0].id)
    services.tenants.revoke(keys[1].hint)
    services.tenants.revoke(keys[2].secret)
    for key in keys:
        with pytest.raises(AuthenticationError):
            services.tenants.authenticate(key.secret)
    with pytest.raises(NotFoundError):
        services.tenants.revoke(keys[0].id)


def test_acting_tenant_is_the_named_or_only_one(services: Services) -> None:
    first = services.tenants.acting_tenant()
    assert first.name == "admin"
    assert services.tenants.acting_tenant().id == first.id
    assert services.tenants.acting_tenant(first.id).id == first.id
    with pytest.raises(NotFoundError):
        services.tenants.acting_tenant("nope")
    services.tenants.issue_key(new_tenant=True, tenant_name="bob")
    with pytest.raises(DataError, match="--tenant"):
        services.tenants.acting_tenant()
