"""Queries on the MCP servers tenants registered."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ragloom.errors import ConflictError
from ragloom.storage.metadata.tables import McpServer

DUPLICATE_NAME = "Duplicated MCP server name."
ORDERABLE = ("create_time", "update_time", "name")


class McpServerRepository:
    """A tenant's MCP servers, in one transaction. Another tenant's server is never returned."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def page(self, tenant_id: str, *, ids: list[str], keywords: str, orderby: str, desc: bool) -> list[McpServer]:
        """The tenant's servers (only ``ids`` when given), names containing ``keywords`` (any case)."""
        column = getattr(McpServer, orderby if orderby in ORDERABLE else "create_time")
        statement = select(McpServer).where(McpServer.tenant_id == tenant_id)
        if ids:
            statement = statement.where(McpServer.id.in_(ids))
        if keywords:
            statement = statement.where(func.lower(McpServer.name).contains(keywords.lower(), autoescape=True))
        statement = statement.order_by(column.desc() if desc else column.asc(), McpServer.id)
        return list(self._session.scalars(statement))

    def get(self, tenant_id: str, server_id: str) -> McpServer | None:
        row = self._session.get(McpServer, server_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    def named(self, tenant_id: str, name: str) -> McpServer | None:
        return self._session.scalar(select(McpServer).where(McpServer.tenant_id == tenant_id, McpServer.name == name))

    def save(self, row: McpServer) -> McpServer:
        """Insert or update ``row``; a name the tenant already uses is a :class:`ConflictError`."""
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError:  # the transaction is rolled back as the error leaves it
            raise ConflictError(DUPLICATE_NAME) from None
        return row

    def delete(self, row: McpServer) -> None:
        self._session.delete(row)
        self._session.flush()
