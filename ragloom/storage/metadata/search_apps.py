"""Queries on search apps."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import JSON, ColumnElement, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ragloom.errors import ConflictError
from ragloom.storage.metadata.tables import SearchApp

SORTABLE_SEARCH_APP_COLUMNS = frozenset(
    column.key
    for column in SearchApp.__table__.columns
    if not isinstance(column.type, JSON) and column.key not in {"name_key", "avatar"}
)
"""Columns a search-app listing may be ordered by."""
DUPLICATE_NAME = "Duplicated search name."


@dataclass(frozen=True)
class SearchAppQuery:
    """Filters, order and page of a search-app listing (always within the given owners).

    ``orderby`` is one of :data:`SORTABLE_SEARCH_APP_COLUMNS`; ``name_contains`` matches the
    name case-insensitively.
    """

    tenant_ids: Collection[str]
    name_contains: str | None = None
    orderby: str = "create_time"
    desc: bool = True
    offset: int = 0
    limit: int | None = None


class SearchAppRepository:
    """Search apps, in one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, app: SearchApp) -> SearchApp:
        """Insert ``app``; :class:`ConflictError` when the tenant has one of that name already
        (the unique index decides, so two concurrent creates cannot both win); the transaction
        cannot be used after that."""
        try:
            self._session.add(app)
            self._session.flush()
        except IntegrityError:
            raise ConflictError(DUPLICATE_NAME) from None
        return app

    def save(self, app: SearchApp) -> SearchApp:
        """Write the changes made to ``app``; :class:`ConflictError` on a name another app took."""
        try:
            self._session.flush()
        except IntegrityError:
            raise ConflictError(DUPLICATE_NAME) from None
        return app

    def owned(self, tenant_id: str, app_id: str) -> SearchApp | None:
        """The search app if it exists and belongs to ``tenant_id``."""
        app = self._session.get(SearchApp, app_id)
        return app if app is not None and app.tenant_id == tenant_id else None

    def name_key_taken(self, tenant_id: str, name_key: str, *, except_id: str | None = None) -> bool:
        """Whether another search app of the tenant has this lower-cased name."""
        query = select(SearchApp.id).where(SearchApp.tenant_id == tenant_id, SearchApp.name_key == name_key)
        if except_id is not None:
            query = query.where(SearchApp.id != except_id)
        return self._session.scalar(query.limit(1)) is not None

    def find(self, query: SearchAppQuery) -> tuple[list[SearchApp], int]:
        """One page of matching search apps and how many match in all."""
        conditions: list[ColumnElement[bool]] = [SearchApp.tenant_id.in_(list(query.tenant_ids))]
        if query.name_contains:
            conditions.append(SearchApp.name_key.contains(query.name_contains.lower(), autoescape=True))
        total = self._session.scalar(select(func.count()).select_from(SearchApp).where(*conditions)) or 0
        column = getattr(SearchApp, query.orderby if query.orderby in SORTABLE_SEARCH_APP_COLUMNS else "create_time")
        order = (column.desc(), SearchApp.id.desc()) if query.desc else (column.asc(), SearchApp.id.asc())
        statement = select(SearchApp).where(*conditions).order_by(*order).offset(query.offset)
        if query.limit is not None:
            statement = statement.limit(query.limit)
        return list(self._session.scalars(statement)), total

    def remove(self, app_id: str) -> None:
        self._session.execute(delete(SearchApp).where(SearchApp.id == app_id))
