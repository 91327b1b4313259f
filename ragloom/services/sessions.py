"""Sessions of a chat: create, list, read, rename, delete, and message-level edits (contract §9.1–§9.6).

A session stores its messages as RAGFlow does (``{"role", "content", "id"?, "created_at"?}``)
and one reference entry (``{"chunks", "doc_aggs"}``) per assistant reply. Leading assistant
messages (the prologue) are not replies and have no entry, so the n-th reply after the first
user message pairs with ``reference[n]``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ragloom.clock import now_ms
from ragloom.errors import DataError
from ragloom.ids import new_id
from ragloom.services.chat_access import chat_session, owned_chat
from ragloom.services.chats import Deletion, finish_deletion, split_duplicates
from ragloom.services.ordering import check_orderby
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore, Transaction
from ragloom.storage.metadata.chats import SORTABLE_SESSION_COLUMNS, SessionQuery
from ragloom.storage.metadata.tables import Chat, ChatSession

DEFAULT_SESSION_NAME = "New session"
NAME_LIMIT = 255
EMPTY_NAME = "`name` can not be empty."
SESSION_NOT_FOUND = "Session not found!"


@dataclass(frozen=True)
class SessionListing:
    """A list request; ``page_size`` 0 lists nothing."""

    session_id: str | None = None
    name: str | None = None
    user_id: str | None = None
    page: int = 1
    page_size: int = 30
    orderby: str = "create_time"
    desc: bool = True


@dataclass(frozen=True)
class SessionDetail:
    """A session and the icon of its chat (shown as the session's ``avatar``)."""

    record: ChatSession
    avatar: str


def session_name(value: Any) -> str:
    """A session name trimmed and cut to 255 characters; blank or not a string is refused."""
    if not isinstance(value, str) or not value.strip():
        raise DataError(EMPTY_NAME)
    return value.strip()[:NAME_LIMIT]


def reply_index(messages: list[Any], position: int) -> int | None:
    """Which reference entry the assistant reply at ``position`` owns, or ``None`` for a
    message that is not a reply (a prologue before the first user message, or not an
    assistant message)."""
    if not _is_role(messages[position], "assistant"):
        return None
    first_user = next((index for index, message in enumerate(messages) if _is_role(message, "user")), None)
    if first_user is None or position < first_user:
        return None
    return sum(1 for message in messages[first_user:position] if _is_role(message, "assistant"))


def _is_role(message: Any, role: str) -> bool:
    return isinstance(message, dict) and message.get("role") == role


def _has_id(message: Any, message_id: str) -> bool:
    return isinstance(message, dict) and message.get("id", "") == message_id


def without_turn(messages: list[Any], reference: list[Any], message_id: str) -> tuple[list[Any], list[Any]]:
    """The history without the question ``message_id`` and the reply sharing its id, and the
    references without that reply's entry. An unknown id changes nothing."""
    start = next((index for index, message in enumerate(messages) if _has_id(message, message_id)), None)
    if start is None:
        return messages, reference
    end = start + 1
    while end < len(messages) and _has_id(messages[end], message_id) and end - start < 2:
        end += 1
    replies = [
        index for index in (reply_index(messages, position) for position in range(start, end)) if index is not None
    ]
    kept_references = [entry for index, entry in enumerate(reference) if index not in replies]
    return messages[:start] + messages[end:], kept_references


def with_feedback(messages: list[Any], message_id: str, thumbup: bool, feedback: Any) -> list[Any]:
    """The history with ``thumbup`` set on the assistant reply ``message_id``: a thumbs-up
    clears earlier feedback, a thumbs-down keeps the text given with it."""
    changed = copy.deepcopy(messages)
    for message in changed:
        if _has_id(message, message_id) and _is_role(message, "assistant"):
            message["thumbup"] = thumbup
            if thumbup:
                message.pop("feedback", None)
            elif feedback:
                message["feedback"] = feedback
            break
    return changed


class SessionService:
    """The rules of chat sessions; every method first checks the chat is the caller's."""

    def __init__(self, store: MetadataStore) -> None:
        self._store = store

    @staticmethod
    def _in_chat(tx: Transaction, chat: Chat, session_id: str) -> ChatSession:
        """A session of ``chat``, locked for a read-modify-write; any other id is ``Session not found!``."""
        session = tx.chats.lock_session(session_id)
        if session is None or session.chat_id != chat.id:
            raise DataError(SESSION_NOT_FOUND)
        return session

    def create(self, caller: Caller, chat_id: str, body: Mapping[str, Any]) -> ChatSession:
        """A new session whose first message is the chat's prologue; its user is the caller."""
        with self._store.writing() as tx:
            chat = owned_chat(tx, caller, chat_id)
            name = session_name(body.get("name", DEFAULT_SESSION_NAME))
            prompt_config = chat.prompt_config if isinstance(chat.prompt_config, dict) else {}
            now = now_ms()
            return tx.chats.add_session(
                ChatSession(
                    id=new_id(),
                    chat_id=chat.id,
                    tenant_id=chat.tenant_id,
                    user_id=caller.tenant_id,
                    name=name,
                    messages=[{"role": "assistant", "content": prompt_config.get("prologue", "")}],
                    reference=[],
                    create_time=now,
                    update_time=now,
                )
            )

    def list_page(self, caller: Caller, chat_id: str, listing: SessionListing) -> list[ChatSession]:
        """One page of the chat's sessions matching ``listing``."""
        with self._store.reading() as tx:
            owned_chat(tx, caller, chat_id)
            check_orderby(listing.orderby, SORTABLE_SESSION_COLUMNS)
            if listing.page_size <= 0:
                return []
            query = SessionQuery(
                chat_id=chat_id,
                session_id=listing.session_id or None,
                name=listing.name or None,
                user_id=listing.user_id or None,
                orderby=listing.orderby,
                desc=listing.desc,
                offset=max(listing.page - 1, 0) * listing.page_size,
                limit=listing.page_size,
            )
            return tx.chats.find_sessions(query)

    def get(self, caller: Caller, chat_id: str, session_id: str) -> SessionDetail:
        """One session of one of the caller's chats, with the chat's icon."""
        with self._store.reading() as tx:
            chat = owned_chat(tx, caller, chat_id)
            return SessionDetail(chat_session(tx, chat, session_id), chat.icon or "")

    def rename(self, caller: Caller, chat_id: str, session_id: str, body: Mapping[str, Any]) -> ChatSession:
        """Rename a session; its messages and references cannot be changed this way."""
        with self._store.writing() as tx:
            chat = owned_chat(tx, caller, chat_id)
            session = self._in_chat(tx, chat, session_id)
            if "message" in body or "messages" in body:
                raise DataError("`messages` cannot be changed.")
            if "reference" in body:
                raise DataError("`reference` cannot be changed.")
            if body.get("name") is not None:
                session.name = session_name(body["name"])
            session.update_time = now_ms()
            return session

    def delete_many(
        self, caller: Caller, chat_id: str, session_ids: list[Any] | None, delete_all: bool
    ) -> Deletion | None:
        """Delete the listed sessions of the chat (or all, with ``delete_all`` and no ids);
        ``None`` when the request names nothing to delete (contract §9.5)."""
        with self._store.writing() as tx:
            owned_chat(tx, caller, chat_id)
            if session_ids is None:
                if not delete_all:
                    return None
                session_ids = list(tx.chats.session_ids_of(chat_id))
                if not session_ids:
                    return None
            distinct, duplicates = split_duplicates(session_ids, "session")
            found = tx.chats.session_ids_in(chat_id, distinct)
            errors = [f"The chat doesn't own the session {item}" for item in distinct if item not in found]
            targets = [item for item in distinct if item in found]
            if targets:
                tx.chats.remove_sessions(targets)
            deletion = Deletion(len(targets), errors + duplicates)
        return finish_deletion(deletion)

    def delete_message(self, caller: Caller, chat_id: str, session_id: str, message_id: str) -> ChatSession:
        """Remove a question, the reply sharing its id and the reply's reference entry."""
        with self._store.writing() as tx:
            chat = owned_chat(tx, caller, chat_id)
            session = self._in_chat(tx, chat, session_id)
            messages, reference = without_turn(list(session.messages or []), list(session.reference or []), message_id)
            session.messages, session.reference = messages, reference
            session.update_time = now_ms()
            return session

    def set_feedback(
        self, caller: Caller, chat_id: str, session_id: str, message_id: str, body: Mapping[str, Any]
    ) -> ChatSession:
        """Record a thumbs-up or thumbs-down (with optional text) on an assistant reply."""
        with self._store.writing() as tx:
            chat = owned_chat(tx, caller, chat_id)
            session = self._in_chat(tx, chat, session_id)
            thumbup = body.get("thumbup")
            if not isinstance(thumbup, bool):
                raise DataError("thumbup must be a boolean")
            session.messages = with_feedback(
                list(session.messages or []), message_id, thumbup, body.get("feedback", "")
            )
            session.update_time = now_ms()
            return session
