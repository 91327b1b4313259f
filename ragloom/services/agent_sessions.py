"""Agent sessions: a conversation pinned to the DSL its agent had when it began (AGENTS.md §1.3).

A session opens with the Begin component's prologue as the assistant's first message and keeps
its own copy of the DSL, so editing the agent never changes a conversation under way; with
``release`` it takes the newest published version instead of the draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ragloom.agents import Canvas, ComponentRegistry, RunState
from ragloom.clock import now_ms
from ragloom.errors import DataError
from ragloom.ids import new_id
from ragloom.services.agent_access import AgentPermissionError, agent_session
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore, Transaction
from ragloom.storage.metadata.agents import AgentSessionQuery
from ragloom.storage.metadata.tables import Agent, AgentSession

AGENT_NOT_FOUND = "Agent not found."
DEFAULT_SESSION_NAME = "New session"


@dataclass(frozen=True)
class SessionListing:
    session_id: str | None = None
    user_id: str | None = None
    keywords: str | None = None
    created_from: int | None = None
    created_to: int | None = None
    orderby: str = "update_time"
    desc: bool = True
    page: int = 1
    page_size: int = 30


class AgentSessionService:
    """Opens, lists, reads and deletes agent sessions."""

    def __init__(self, store: MetadataStore, components: ComponentRegistry) -> None:
        self._store = store
        self._components = components

    def create(
        self, caller: Caller, agent_id: str, *, name: str = "", user_id: str = "", release: bool = False
    ) -> AgentSession:
        with self._store.writing() as tx:
            agent = _own(tx, caller, agent_id)
            return open_session(
                tx, agent, self._components, name=name, user_id=user_id, release=release, source="agent"
            )

    def page(self, caller: Caller, agent_id: str, listing: SessionListing) -> tuple[list[AgentSession], int]:
        query = AgentSessionQuery(
            agent_id=agent_id,
            session_id=listing.session_id,
            user_id=listing.user_id,
            name_contains=listing.keywords,
            created_from=listing.created_from,
            created_to=listing.created_to,
            orderby=listing.orderby,
            desc=listing.desc,
            offset=(max(listing.page, 1) - 1) * listing.page_size,
            limit=listing.page_size,
        )
        with self._store.reading() as tx:
            _own(tx, caller, agent_id)
            return tx.agents.find_sessions(query)

    def get(self, caller: Caller, agent_id: str, session_id: str) -> AgentSession:
        with self._store.reading() as tx:
            agent = _own(tx, caller, agent_id)
            return agent_session(tx, agent, session_id)

    def delete(self, caller: Caller, agent_id: str, ids: list[str] | None, delete_all: bool) -> tuple[int, list[str]]:
        """Delete the named sessions (or all); returns how many went and an error per id that did not."""
        with self._store.writing() as tx:
            _own(tx, caller, agent_id, refusal=f"You don't own the agent {agent_id}")
            wanted = tx.agents.session_ids_of(agent_id) if delete_all and not ids else list(ids or [])
            mine = tx.agents.session_ids_in(agent_id, wanted)
            errors, seen = [], set()
            for session_id in wanted:
                if session_id in seen:
                    errors.append(f"Duplicate session ids: {session_id}")
                elif session_id not in mine:
                    errors.append(f"The agent doesn't own the session {session_id}")
                seen.add(session_id)
            deleted = tx.agents.remove_sessions(mine) if mine else 0
        if errors and not deleted:
            raise DataError("; ".join(errors))
        return deleted, errors

    def delete_one(self, caller: Caller, agent_id: str, session_id: str) -> int:
        with self._store.writing() as tx:
            agent = _own(tx, caller, agent_id)
            agent_session(tx, agent, session_id)
            return tx.agents.remove_sessions([session_id])


def open_session(
    tx: Transaction,
    agent: Agent,
    components: ComponentRegistry,
    *,
    name: str,
    user_id: str,
    release: bool,
    source: str,
) -> AgentSession:
    """A new session of ``agent`` on its draft (or, with ``release``, its newest published) DSL."""
    dsl, version_title = agent.dsl, ""
    if release:
        version = tx.agents.latest_release(agent.id)
        if version is None:
            raise DataError("No available published version")
        dsl, version_title = version.dsl, version.title
    canvas = Canvas.build(dsl, components)
    now = now_ms()
    messages = [{"role": "assistant", "content": canvas.prologue}] if source == "agent" else []
    return tx.agents.add_session(
        AgentSession(
            id=new_id(),
            agent_id=agent.id,
            tenant_id=agent.tenant_id,
            user_id=user_id,
            exp_user_id="",
            name=name or DEFAULT_SESSION_NAME,
            source=source,
            version_title=version_title,
            dsl=dsl,
            state=RunState.fresh(dsl).to_json(),
            messages=messages,
            reference=[],
            errors="",
            create_time=now,
            update_time=now,
        )
    )


def session_public(session: AgentSession, *, with_dsl: bool = True) -> dict[str, Any]:
    """A session as RAGFlow returns it: ``agent_id``, no prompts, references on assistant messages."""
    messages: list[dict[str, Any]] = []
    answers = 0
    for message in session.messages:
        shown = {key: value for key, value in message.items() if key != "prompt"}
        if shown.get("role") == "assistant" and messages:
            entry = session.reference[answers] if answers < len(session.reference) else {}
            shown["reference"] = reference_list(entry)
            answers += 1
        messages.append(shown)
    public: dict[str, Any] = {
        "id": session.id,
        "name": session.name,
        "agent_id": session.agent_id,
        "user_id": session.user_id,
        "exp_user_id": session.exp_user_id,
        "message": messages,
        "source": session.source,
        "version_title": session.version_title,
    }
    if with_dsl:
        public["dsl"] = session.dsl
    return public


def reference_list(entry: Any) -> list[dict[str, Any]]:
    """One turn's reference chunks in the short form session listings use."""
    chunks = entry.get("chunks", {}) if isinstance(entry, dict) else {}
    items = chunks.values() if isinstance(chunks, dict) else chunks
    keys = ("id", "content", "document_id", "document_name", "dataset_id", "image_id", "positions")
    return [{key: chunk.get(key) for key in keys} for chunk in items if isinstance(chunk, dict)]


def _own(tx: Transaction, caller: Caller, agent_id: str, *, refusal: str | None = None) -> Agent:
    agent = tx.agents.get(agent_id)
    if agent is None:
        raise DataError(AGENT_NOT_FOUND)
    if agent.tenant_id != caller.tenant_id:
        raise AgentPermissionError(refusal or "Only authorized users can access this agent session.")
    return agent
