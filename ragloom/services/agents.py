"""Agents: create, list, read, update and delete canvases, and keep their versions.

Every save of a DSL is checked the way a run will load it (a DSL that cannot run is refused
with code 101 naming the component and parameter) and writes a version row; ``release`` marks
it published, which is what sessions created with ``release=true`` run. Titles are unique per
tenant and category, compared case-insensitively (RAGFlow v0.27). Unlike RAGFlow v0.26, an
update that does not name ``canvas_type`` or ``release`` leaves them as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ragloom.agents import Canvas, ComponentRegistry
from ragloom.agents.dsl import parse_dsl_text
from ragloom.clock import now_ms
from ragloom.errors import ArgumentError, ConflictError, DataError
from ragloom.ids import new_id
from ragloom.services.agent_access import owned_agent, readable_agent
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore, Transaction
from ragloom.storage.metadata.agents import AgentQuery
from ragloom.storage.metadata.tables import Agent, AgentVersion

CATEGORIES = ("agent_canvas", "dataflow_canvas")
MAX_TITLE = 255
UPDATE_REFUSED = "Make sure you have permission to access the agent."
DELETE_REFUSED = "Only the owner of the agent is authorized for this operation."
NOT_FOUND = "canvas not found."


@dataclass(frozen=True)
class AgentView:
    """An agent with its owner's display name (RAGFlow's ``nickname``)."""

    record: Agent
    nickname: str


@dataclass(frozen=True)
class AgentFields:
    """An agent's fields as a request sent them — checked here, in RAGFlow's order (some after
    the stored agent is found) — and ``sent``, the keys the request named (an update changes
    only those)."""

    title: Any = None
    dsl: Any = None
    description: Any = None
    avatar: Any = None
    permission: Any = None
    canvas_type: Any = None
    canvas_category: Any = None
    release: Any = None
    sent: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AgentListing:
    keywords: str | None = None
    canvas_category: str | None = None
    orderby: str = "create_time"
    desc: bool = True
    page: int = 0
    page_size: int = 0


class AgentService:
    """Agent definitions of one server; see the module docstring."""

    def __init__(self, store: MetadataStore, components: ComponentRegistry) -> None:
        self._store = store
        self._components = components

    def check_dsl(self, value: Any) -> dict[str, Any]:
        """The DSL as an object, refused (101) unless a run could load it."""
        document = parse_dsl_text(value)
        Canvas.build(document, self._components)
        return document

    def create(self, caller: Caller, fields: AgentFields) -> AgentView:
        if not fields.dsl:
            raise ArgumentError("No DSL data in request.")
        title = _title(fields.title)
        if not title:
            raise ArgumentError("No title in request.")
        document = self.check_dsl(fields.dsl)
        category = _category(fields.canvas_category)
        release = bool(fields.release)
        now = now_ms()
        with self._store.writing() as tx:
            if tx.agents.title_taken(caller.tenant_id, category, title.lower()):
                raise ConflictError(f"{title} already exists.")
            agent = tx.agents.add(
                Agent(
                    id=new_id(),
                    tenant_id=caller.tenant_id,
                    title=title,
                    title_key=title.lower(),
                    description=_text(fields.description),
                    avatar=_text(fields.avatar),
                    permission=_permission(fields.permission),
                    canvas_type=_text(fields.canvas_type),
                    canvas_category=category,
                    tags="",
                    dsl=document,
                    release=release,
                    last_publish_time=now if release else None,
                    create_time=now,
                    update_time=now,
                )
            )
            self._save_version(tx, agent, now)
            return AgentView(agent, self._nickname(tx, caller))

    def page(self, caller: Caller, listing: AgentListing) -> tuple[list[AgentView], int]:
        """A page of the caller's agents (every one when ``page`` or ``page_size`` is 0)."""
        paged = listing.page > 0 and listing.page_size > 0
        query = AgentQuery(
            tenant_id=caller.tenant_id,
            title_contains=listing.keywords or None,
            canvas_category=listing.canvas_category,
            orderby=listing.orderby,
            desc=listing.desc,
            offset=(listing.page - 1) * listing.page_size if paged else 0,
            limit=listing.page_size if paged else None,
        )
        with self._store.reading() as tx:
            agents, total = tx.agents.find(query)
            nickname = self._nickname(tx, caller)
        return [AgentView(agent, nickname) for agent in agents], total

    def get(self, caller: Caller, agent_id: str) -> AgentView:
        with self._store.reading() as tx:
            return AgentView(readable_agent(tx, caller, agent_id, missing=NOT_FOUND), self._nickname(tx, caller))

    def update(self, caller: Caller, agent_id: str, fields: AgentFields) -> AgentView:
        """Change the fields ``fields`` names (``dsl``: when not ``None``)."""
        document = self.check_dsl(fields.dsl) if fields.dsl is not None else None
        now = now_ms()
        with self._store.writing() as tx:
            agent = owned_agent(tx, caller, agent_id, refusal=UPDATE_REFUSED)
            if "title" in fields.sent:
                title = _title(fields.title)
                if not title:
                    raise ArgumentError("No title in request.")
                if tx.agents.title_taken(caller.tenant_id, agent.canvas_category, title.lower(), except_id=agent.id):
                    raise ConflictError(f"{title} already exists.")
                agent.title, agent.title_key = title, title.lower()
            for key in ("description", "avatar", "canvas_type"):
                if key in fields.sent:
                    setattr(agent, key, _text(getattr(fields, key)))
            if "permission" in fields.sent:
                agent.permission = _permission(fields.permission)
            if document is not None:
                agent.dsl = document
            if "release" in fields.sent:
                agent.release = bool(fields.release)
                if agent.release:
                    agent.last_publish_time = now
            agent.update_time = now
            if document is not None or (agent.release and "release" in fields.sent):
                self._save_version(tx, agent, now)
            return AgentView(agent, self._nickname(tx, caller))

    def delete(self, caller: Caller, agent_id: str) -> None:
        with self._store.writing() as tx:
            owned_agent(tx, caller, agent_id, refusal=DELETE_REFUSED)
            tx.agents.remove(agent_id)

    def versions(self, caller: Caller, agent_id: str) -> list[AgentVersion]:
        with self._store.reading() as tx:
            readable_agent(tx, caller, agent_id, missing=NOT_FOUND)
            return tx.agents.versions(agent_id)

    def version(self, caller: Caller, agent_id: str, version_id: str) -> AgentVersion:
        with self._store.reading() as tx:
            readable_agent(tx, caller, agent_id, missing=NOT_FOUND)
            version = tx.agents.version(agent_id, version_id)
        if version is None:
            raise DataError("Version not found.")
        return version

    @staticmethod
    def _save_version(tx: Transaction, agent: Agent, now: int) -> None:
        stamp = f"{agent.title}_{now}"
        tx.agents.add_version(
            AgentVersion(
                id=new_id(), agent_id=agent.id, title=stamp, dsl=agent.dsl, release=agent.release, create_time=now
            )
        )

    @staticmethod
    def _nickname(tx: Transaction, caller: Caller) -> str:
        tenant = tx.tenants.get(caller.tenant_id)
        return str(tenant.name) if tenant is not None else ""


def _title(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ArgumentError("`title` must be a string.")
    title = value.strip()
    if len(title) > MAX_TITLE:
        raise ArgumentError(f"`title` is longer than {MAX_TITLE} characters.")
    return title


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ArgumentError("Agent descriptions, avatars and types must be strings.")
    return value


def _permission(value: Any) -> str:
    if value is None:
        return "me"
    if value not in ("me", "team"):
        raise ArgumentError("`permission` must be 'me' or 'team'.")
    return str(value)


def _category(value: Any) -> str:
    if value is None or value == "":
        return "agent_canvas"
    if value not in CATEGORIES:
        raise ArgumentError(f"`canvas_category` must be one of {', '.join(CATEGORIES)}.")
    return str(value)
