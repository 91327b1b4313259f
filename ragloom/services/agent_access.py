"""Finding a caller's agent or agent session, with the errors RAGFlow gives (AGENTS.md §1.1)."""

from __future__ import annotations

from ragloom.errors import DataError, RagloomError, RetCode
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import Transaction
from ragloom.storage.metadata.tables import Agent, AgentSession


class AgentPermissionError(RagloomError):
    """The agent exists but is not the caller's (RAGFlow's code 103)."""

    code = RetCode.OPERATING_ERROR


def readable_agent(tx: Transaction, caller: Caller, agent_id: str, *, missing: str) -> Agent:
    """The caller's agent; ``missing`` (code 102) when there is none with this id for the caller."""
    agent = tx.agents.get(agent_id)
    if agent is None or agent.tenant_id != caller.tenant_id:
        raise DataError(missing)
    return agent


def owned_agent(tx: Transaction, caller: Caller, agent_id: str, *, refusal: str) -> Agent:
    """The caller's agent, locked for a change; ``refusal`` (code 103) for anyone else's or none."""
    agent = tx.agents.lock(agent_id)
    if agent is None or agent.tenant_id != caller.tenant_id:
        raise AgentPermissionError(refusal)
    return agent


def agent_session(tx: Transaction, agent: Agent, session_id: str) -> AgentSession:
    """A session of ``agent``: 102 ``Session not found!``, 103 when it is another agent's."""
    session = tx.agents.get_session(session_id)
    if session is None or session.tenant_id != agent.tenant_id:
        raise DataError("Session not found!")
    if session.agent_id != agent.id:
        raise AgentPermissionError("Session does not belong to the requested agent.")
    return session
