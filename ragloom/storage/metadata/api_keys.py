"""Queries on API keys (only their hashes are stored)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import and_, delete, false, func, select, update
from sqlalchemy.orm import Session

from ragloom.storage.metadata.tables import ApiKey, Dataset


class ApiKeyRepository:
    """API keys, in one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, key: ApiKey) -> ApiKey:
        self._session.add(key)
        self._session.flush()
        return key

    def by_hash(self, secret_hash: str) -> ApiKey | None:
        return self._session.scalar(select(ApiKey).where(ApiKey.secret_hash == secret_hash))

    def by_hash_with_datasets(
        self, secret_hash: str, dataset_ids: Collection[str]
    ) -> tuple[ApiKey | None, dict[str, Dataset]]:
        """The key with that hash and, of ``dataset_ids``, the datasets its tenant owns, in one
        statement (the key outer-joined to its tenant's datasets): what a request that names
        datasets needs before anything else, read at once."""
        wanted = list(dict.fromkeys(dataset_ids))
        owned = and_(Dataset.tenant_id == ApiKey.tenant_id, Dataset.id.in_(wanted)) if wanted else false()
        rows = self._session.execute(
            select(ApiKey, Dataset).outerjoin(Dataset, owned).where(ApiKey.secret_hash == secret_hash)
        ).all()
        if not rows:
            return None, {}
        return rows[0][0], {dataset.id: dataset for _, dataset in rows if dataset is not None}

    def of_tenant(self, tenant_id: str | None = None) -> list[ApiKey]:
        query = select(ApiKey).order_by(ApiKey.create_time)
        if tenant_id is not None:
            query = query.where(ApiKey.tenant_id == tenant_id)
        return list(self._session.scalars(query))

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(ApiKey)) or 0

    def delete(self, key_id: str) -> bool:
        result = self._session.execute(delete(ApiKey).where(ApiKey.id == key_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def touch(self, key_id: str, when_ms: int) -> None:
        self._session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_time=when_ms))
