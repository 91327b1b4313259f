"""Queries on chats and their sessions."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import JSON, ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from ragloom.storage.metadata.tables import Chat, ChatSession, Dataset

_INTERNAL_COLUMNS = frozenset({"name_key"})
SORTABLE_CHAT_COLUMNS = frozenset(
    column.key
    for column in Chat.__table__.columns
    if not isinstance(column.type, JSON) and column.key not in _INTERNAL_COLUMNS
)
"""Columns a chat listing may be ordered by (JSON columns have no useful order)."""
SORTABLE_SESSION_COLUMNS = frozenset(
    column.key for column in ChatSession.__table__.columns if not isinstance(column.type, JSON)
)
"""Columns a session listing may be ordered by."""


@dataclass(frozen=True)
class ChatQuery:
    """Filters, order and page of a chat listing (always within the given owners).

    ``orderby`` is one of :data:`SORTABLE_CHAT_COLUMNS`; ``name_key`` matches the
    lower-cased name exactly, ``name_contains`` case-insensitively.
    """

    tenant_ids: Collection[str]
    chat_id: str | None = None
    name_key: str | None = None
    name_contains: str | None = None
    orderby: str = "create_time"
    desc: bool = True
    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class SessionQuery:
    """Filters, order and page of a session listing (always within one chat).

    ``orderby`` is one of :data:`SORTABLE_SESSION_COLUMNS`; ``name`` matches exactly.
    """

    chat_id: str
    session_id: str | None = None
    name: str | None = None
    user_id: str | None = None
    orderby: str = "create_time"
    desc: bool = True
    offset: int = 0
    limit: int | None = None


class ChatRepository:
    """Chats and sessions, in one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # ---- chats --------------------------------------------------------------------------------

    def add(self, chat: Chat) -> Chat:
        self._session.add(chat)
        self._session.flush()
        return chat

    def get(self, chat_id: str) -> Chat | None:
        """The chat with this id, whoever owns it (callers check ownership)."""
        return self._session.get(Chat, chat_id)

    def owned(self, tenant_id: str, chat_id: str) -> Chat | None:
        """The chat if it exists and belongs to ``tenant_id``."""
        chat = self._session.get(Chat, chat_id)
        return chat if chat is not None and chat.tenant_id == tenant_id else None

    def lock(self, chat_id: str) -> Chat | None:
        """Read the chat and hold its row lock until the transaction ends (read-modify-write updates)."""
        statement = select(Chat).where(Chat.id == chat_id).with_for_update()
        return self._session.scalar(statement.execution_options(populate_existing=True))

    def named(self, tenant_id: str, name_key: str) -> Chat | None:
        return self._session.scalar(select(Chat).where(Chat.tenant_id == tenant_id, Chat.name_key == name_key))

    def find(self, query: ChatQuery) -> tuple[list[Chat], int]:
        """One page of matching chats and how many match in all."""
        conditions: list[ColumnElement[bool]] = [Chat.tenant_id.in_(list(query.tenant_ids))]
        if query.chat_id is not None:
            conditions.append(Chat.id == query.chat_id)
        if query.name_key is not None:
            conditions.append(Chat.name_key == query.name_key)
        if query.name_contains is not None:
            conditions.append(Chat.name_key.contains(query.name_contains.lower(), autoescape=True))
        total = self._session.scalar(select(func.count()).select_from(Chat).where(*conditions)) or 0
        column = getattr(Chat, query.orderby if query.orderby in SORTABLE_CHAT_COLUMNS else "create_time")
        order = (column.desc(), Chat.id.desc()) if query.desc else (column.asc(), Chat.id.asc())
        statement = select(Chat).where(*conditions).order_by(*order).offset(query.offset)
        if query.limit is not None:
            statement = statement.limit(query.limit)
        return list(self._session.scalars(statement)), total

    def name_key_taken(self, tenant_id: str, name_key: str, *, except_id: str | None = None) -> bool:
        """Whether another chat of the tenant has this lower-cased name."""
        query = select(Chat.id).where(Chat.tenant_id == tenant_id, Chat.name_key == name_key)
        if except_id is not None:
            query = query.where(Chat.id != except_id)
        return self._session.scalar(query.limit(1)) is not None

    def owned_ids(self, tenant_id: str, chat_ids: Collection[str]) -> set[str]:
        """Those of ``chat_ids`` that exist and belong to ``tenant_id``."""
        if not chat_ids:
            return set()
        query = select(Chat.id).where(Chat.tenant_id == tenant_id, Chat.id.in_(list(chat_ids)))
        return set(self._session.scalars(query))

    def all_ids(self, tenant_id: str) -> list[str]:
        """Every chat id of the tenant, oldest first."""
        query = select(Chat.id).where(Chat.tenant_id == tenant_id).order_by(Chat.create_time, Chat.id)
        return list(self._session.scalars(query))

    def dataset_names(self, dataset_ids: Collection[str]) -> dict[str, str]:
        """Names of those of ``dataset_ids`` that still exist, by id (a chat may outlive its datasets)."""
        ids = [dataset_id for dataset_id in dataset_ids if isinstance(dataset_id, str)]
        if not ids:
            return {}
        rows = self._session.execute(select(Dataset.id, Dataset.name).where(Dataset.id.in_(ids))).tuples()
        return dict(rows.all())

    def using_dataset(self, dataset_id: str) -> list[Chat]:
        """Chats that retrieve from this dataset (JSON lists are matched in Python: portable)."""
        candidates = self._session.scalars(select(Chat).where(Chat.dataset_ids.is_not(None)))
        return [chat for chat in candidates if dataset_id in (chat.dataset_ids or [])]

    def remove(self, chat_ids: Collection[str]) -> None:
        """Delete chats and their sessions."""
        ids = list(chat_ids)
        self._session.execute(delete(ChatSession).where(ChatSession.chat_id.in_(ids)))
        self._session.execute(delete(Chat).where(Chat.id.in_(ids)))

    # ---- sessions -----------------------------------------------------------------------------

    def add_session(self, session: ChatSession) -> ChatSession:
        self._session.add(session)
        self._session.flush()
        return session

    def get_session(self, session_id: str) -> ChatSession | None:
        return self._session.get(ChatSession, session_id)

    def lock_session(self, session_id: str) -> ChatSession | None:
        """Read the session and hold its row lock until the transaction ends (appending turns)."""
        return self._session.scalar(select(ChatSession).where(ChatSession.id == session_id).with_for_update())

    def find_sessions(self, query: SessionQuery) -> list[ChatSession]:
        conditions: list[ColumnElement[bool]] = [ChatSession.chat_id == query.chat_id]
        if query.session_id is not None:
            conditions.append(ChatSession.id == query.session_id)
        if query.name is not None:
            conditions.append(ChatSession.name == query.name)
        if query.user_id is not None:
            conditions.append(ChatSession.user_id == query.user_id)
        column = getattr(ChatSession, query.orderby if query.orderby in SORTABLE_SESSION_COLUMNS else "create_time")
        order = (column.desc(), ChatSession.id.desc()) if query.desc else (column.asc(), ChatSession.id.asc())
        statement = select(ChatSession).where(*conditions).order_by(*order).offset(query.offset)
        if query.limit is not None:
            statement = statement.limit(query.limit)
        return list(self._session.scalars(statement))

    def sessions_of(self, chat_id: str) -> list[ChatSession]:
        return list(self._session.scalars(select(ChatSession).where(ChatSession.chat_id == chat_id)))

    def session_ids_of(self, chat_id: str) -> list[str]:
        """Every session id of the chat, oldest first."""
        query = (
            select(ChatSession.id)
            .where(ChatSession.chat_id == chat_id)
            .order_by(ChatSession.create_time, ChatSession.id)
        )
        return list(self._session.scalars(query))

    def session_ids_in(self, chat_id: str, session_ids: Collection[str]) -> set[str]:
        """Those of ``session_ids`` that are sessions of the chat."""
        if not session_ids:
            return set()
        query = select(ChatSession.id).where(ChatSession.chat_id == chat_id, ChatSession.id.in_(list(session_ids)))
        return set(self._session.scalars(query))

    def remove_sessions(self, session_ids: Collection[str]) -> None:
        self._session.execute(delete(ChatSession).where(ChatSession.id.in_(list(session_ids))))
