"""Queries on agents, their versions, sessions and run logs."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from ragloom.storage.metadata.tables import Agent, AgentLog, AgentSession, AgentVersion

SORTABLE_AGENT_COLUMNS = frozenset({"create_time", "update_time", "title"})
SORTABLE_AGENT_SESSION_COLUMNS = frozenset({"create_time", "update_time", "name"})


@dataclass(frozen=True)
class AgentQuery:
    """Filters, order and page of an agent listing (always within one tenant).

    ``title_contains`` matches case-insensitively; ``limit`` ``None`` lists every match.
    """

    tenant_id: str
    agent_id: str | None = None
    title_contains: str | None = None
    canvas_category: str | None = None
    orderby: str = "create_time"
    desc: bool = True
    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class AgentSessionQuery:
    """Filters, order and page of an agent's sessions."""

    agent_id: str
    session_id: str | None = None
    user_id: str | None = None
    name_contains: str | None = None
    created_from: int | None = None
    created_to: int | None = None
    orderby: str = "update_time"
    desc: bool = True
    offset: int = 0
    limit: int | None = None


class AgentRepository:
    """Agents and what hangs off them, in one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # ---- agents -------------------------------------------------------------------------------

    def add(self, agent: Agent) -> Agent:
        self._session.add(agent)
        self._session.flush()
        return agent

    def get(self, agent_id: str) -> Agent | None:
        """The agent with this id, whoever owns it (callers check ownership)."""
        return self._session.get(Agent, agent_id)

    def lock(self, agent_id: str) -> Agent | None:
        """Read the agent and hold its row lock until the transaction ends."""
        statement = select(Agent).where(Agent.id == agent_id).with_for_update()
        return self._session.scalar(statement.execution_options(populate_existing=True))

    def title_taken(self, tenant_id: str, category: str, title_key: str, *, except_id: str | None = None) -> bool:
        query = select(Agent.id).where(
            Agent.tenant_id == tenant_id, Agent.canvas_category == category, Agent.title_key == title_key
        )
        if except_id is not None:
            query = query.where(Agent.id != except_id)
        return self._session.scalar(query.limit(1)) is not None

    def find(self, query: AgentQuery) -> tuple[list[Agent], int]:
        """One page of matching agents and how many match in all."""
        conditions: list[ColumnElement[bool]] = [Agent.tenant_id == query.tenant_id]
        if query.agent_id is not None:
            conditions.append(Agent.id == query.agent_id)
        if query.title_contains:
            conditions.append(Agent.title_key.contains(query.title_contains.lower(), autoescape=True))
        if query.canvas_category is not None:
            conditions.append(Agent.canvas_category == query.canvas_category)
        total = self._session.scalar(select(func.count()).select_from(Agent).where(*conditions)) or 0
        column = getattr(Agent, query.orderby if query.orderby in SORTABLE_AGENT_COLUMNS else "create_time")
        order = (column.desc(), Agent.id.desc()) if query.desc else (column.asc(), Agent.id.asc())
        statement = select(Agent).where(*conditions).order_by(*order).offset(query.offset)
        if query.limit is not None:
            statement = statement.limit(query.limit)
        return list(self._session.scalars(statement)), total

    def remove(self, agent_id: str) -> None:
        """Delete an agent with its versions, sessions and logs."""
        for table in (AgentLog, AgentSession, AgentVersion):
            self._session.execute(delete(table).where(table.agent_id == agent_id))
        self._session.execute(delete(Agent).where(Agent.id == agent_id))

    # ---- versions -----------------------------------------------------------------------------

    def add_version(self, version: AgentVersion) -> AgentVersion:
        self._session.add(version)
        self._session.flush()
        return version

    def versions(self, agent_id: str) -> list[AgentVersion]:
        """Every saved version, newest first."""
        statement = (
            select(AgentVersion)
            .where(AgentVersion.agent_id == agent_id)
            .order_by(AgentVersion.create_time.desc(), AgentVersion.id.desc())
        )
        return list(self._session.scalars(statement))

    def version(self, agent_id: str, version_id: str) -> AgentVersion | None:
        version = self._session.get(AgentVersion, version_id)
        return version if version is not None and version.agent_id == agent_id else None

    def latest_release(self, agent_id: str) -> AgentVersion | None:
        """The newest published version, if any."""
        statement = (
            select(AgentVersion)
            .where(AgentVersion.agent_id == agent_id, AgentVersion.release.is_(True))
            .order_by(AgentVersion.create_time.desc(), AgentVersion.id.desc())
            .limit(1)
        )
        return self._session.scalar(statement)

    # ---- sessions -----------------------------------------------------------------------------

    def add_session(self, session: AgentSession) -> AgentSession:
        self._session.add(session)
        self._session.flush()
        return session

    def get_session(self, session_id: str) -> AgentSession | None:
        return self._session.get(AgentSession, session_id)

    def lock_session(self, session_id: str) -> AgentSession | None:
        """Read the session and hold its row lock until the transaction ends (saving a turn)."""
        statement = select(AgentSession).where(AgentSession.id == session_id).with_for_update()
        return self._session.scalar(statement.execution_options(populate_existing=True))

    def find_sessions(self, query: AgentSessionQuery) -> tuple[list[AgentSession], int]:
        conditions: list[ColumnElement[bool]] = [AgentSession.agent_id == query.agent_id]
        if query.session_id is not None:
            conditions.append(AgentSession.id == query.session_id)
        if query.user_id is not None:
            conditions.append(AgentSession.user_id == query.user_id)
        if query.name_contains:
            conditions.append(func.lower(AgentSession.name).contains(query.name_contains.lower(), autoescape=True))
        if query.created_from is not None:
            conditions.append(AgentSession.create_time >= query.created_from)
        if query.created_to is not None:
            conditions.append(AgentSession.create_time <= query.created_to)
        total = self._session.scalar(select(func.count()).select_from(AgentSession).where(*conditions)) or 0
        name = query.orderby if query.orderby in SORTABLE_AGENT_SESSION_COLUMNS else "update_time"
        column = getattr(AgentSession, name)
        order = (column.desc(), AgentSession.id.desc()) if query.desc else (column.asc(), AgentSession.id.asc())
        statement = select(AgentSession).where(*conditions).order_by(*order).offset(query.offset)
        if query.limit is not None:
            statement = statement.limit(query.limit)
        return list(self._session.scalars(statement)), total

    def session_ids_in(self, agent_id: str, session_ids: Collection[str]) -> set[str]:
        """Those of ``session_ids`` that are sessions of the agent."""
        if not session_ids:
            return set()
        statement = select(AgentSession.id).where(
            AgentSession.agent_id == agent_id, AgentSession.id.in_(list(session_ids))
        )
        return set(self._session.scalars(statement))

    def session_ids_of(self, agent_id: str) -> list[str]:
        statement = select(AgentSession.id).where(AgentSession.agent_id == agent_id).order_by(AgentSession.create_time)
        return list(self._session.scalars(statement))

    def remove_sessions(self, session_ids: Collection[str]) -> int:
        result = self._session.execute(delete(AgentSession).where(AgentSession.id.in_(list(session_ids))))
        return int(getattr(result, "rowcount", 0) or 0)

    # ---- run logs -----------------------------------------------------------------------------

    def add_log(self, log: AgentLog, *, keep_since: int) -> None:
        """Record a run's trace; logs older than ``keep_since`` (epoch ms) are dropped."""
        self._session.execute(delete(AgentLog).where(AgentLog.create_time < keep_since))
        self._session.add(log)

    def log(self, agent_id: str, message_id: str) -> AgentLog | None:
        statement = select(AgentLog).where(AgentLog.agent_id == agent_id, AgentLog.message_id == message_id)
        return self._session.scalar(statement.limit(1))

    def titles(self, tenant_id: str, agent_ids: Collection[str]) -> dict[str, str]:
        """The titles of those of the agents that are the tenant's, by id."""
        ids = list(dict.fromkeys(agent_ids))
        if not ids:
            return {}
        rows = self._session.execute(
            select(Agent.id, Agent.title).where(Agent.id.in_(ids), Agent.tenant_id == tenant_id)
        )
        return {str(agent_id): str(title) for agent_id, title in rows.tuples()}
