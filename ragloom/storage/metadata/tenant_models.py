"""Queries on the models tenants configured for themselves."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ragloom.storage.metadata.tables import TenantModel


class TenantModelRepository:
    """Tenant-configured models, in one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def of_tenant(self, tenant_id: str) -> list[TenantModel]:
        statement = select(TenantModel).where(TenantModel.tenant_id == tenant_id).order_by(TenantModel.create_time)
        return list(self._session.scalars(statement))

    def find(self, tenant_id: str, model_key: str, kind: str) -> TenantModel | None:
        return self._session.scalar(
            select(TenantModel).where(
                TenantModel.tenant_id == tenant_id, TenantModel.model_key == model_key, TenantModel.kind == kind
            )
        )

    def get(self, tenant_id: str, model_id: str) -> TenantModel | None:
        """The tenant's entry with this row id (``None`` for another tenant's)."""
        row = self._session.get(TenantModel, model_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    def add(self, row: TenantModel) -> TenantModel:
        self._session.add(row)
        self._session.flush()
        return row

    def delete(self, row: TenantModel) -> None:
        self._session.delete(row)
        self._session.flush()
