"""Queries on tenants."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ragloom.storage.metadata.tables import Tenant


class TenantRepository:
    """Tenants, in one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, tenant: Tenant) -> Tenant:
        self._session.add(tenant)
        self._session.flush()
        return tenant

    def get(self, tenant_id: str) -> Tenant | None:
        return self._session.get(Tenant, tenant_id)

    def lock(self, tenant_id: str) -> Tenant | None:
        """Read the tenant and hold its row lock until the transaction ends.

        Serialises work that must see every concurrent change of the tenant's names
        (``SELECT … FOR UPDATE``; SQLite's write transactions are serial already).
        """
        return self._session.scalar(select(Tenant).where(Tenant.id == tenant_id).with_for_update())

    def all(self) -> list[Tenant]:
        return list(self._session.scalars(select(Tenant).order_by(Tenant.create_time)))
