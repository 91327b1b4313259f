"""Finding a caller's chat or session, with the errors RAGFlow gives (contract §8–§9).

Every ``/chats/{chat_id}…`` route first checks the chat is the caller's; a chat that is
someone else's, or does not exist, is answered alike (J 109 ``No authorization.``,
``data: false``) so chat ids reveal nothing across tenants.
"""

from __future__ import annotations

from ragloom.errors import AuthorizationError, DataError
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import Transaction
from ragloom.storage.metadata.tables import Chat, ChatSession

NO_AUTHORIZATION = "No authorization."


def owned_chat(tx: Transaction, caller: Caller, chat_id: str) -> Chat:
    """The caller's chat, else J 109 ``No authorization.``."""
    chat = tx.chats.owned(caller.tenant_id, chat_id)
    if chat is None:
        raise AuthorizationError(NO_AUTHORIZATION, data=False)
    return chat


def chat_session(tx: Transaction, chat: Chat, session_id: str) -> ChatSession:
    """A session of ``chat``: 102 ``Session not found!`` if there is none with this id,
    ``Session does not belong to this chat!`` if it is another chat's."""
    session = tx.chats.get_session(session_id)
    if session is None or session.tenant_id != chat.tenant_id:
        raise DataError("Session not found!")
    if session.chat_id != chat.id:
        raise DataError("Session does not belong to this chat!")
    return session
