"""Chats (§2.5), chat sessions (§2.6) and reference chunks (§2.4) as the API shows them, and
the requests that make and change them.

Chat and session request bodies are loose (contract §8, §9), and RAGFlow checks them in turn
with the stored chat (its owner first, then the datasets named, the models, the name's
uniqueness): the models here declare what may be sent, and the rules live in
:mod:`ragloom.services.chats` and :mod:`ragloom.services.sessions`, in that order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from ragloom.api.params import MAX_PAGE_SIZE, page_and_size
from ragloom.api.schemas.chat_legacy import modern
from ragloom.api.schemas.loose import LooseModel, Sent, SortedPageQuery
from ragloom.clock import http_date
from ragloom.services.chats import ChatListing
from ragloom.storage.metadata.tables import Chat, ChatSession, Tenant


def _datasets(chat: Chat, dataset_names: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """The chat's datasets that still exist, and their names, in the chat's order."""
    ids = [dataset_id for dataset_id in chat.dataset_ids or [] if dataset_id in dataset_names]
    return ids, [dataset_names[dataset_id] for dataset_id in ids]


def chat_public(chat: Chat, dataset_names: Mapping[str, str]) -> dict[str, Any]:
    """A chat as create, get and update return it; ``dataset_names`` maps the ids of the
    datasets that still exist to their names (deleted ones are left out)."""
    dataset_ids, kb_names = _datasets(chat, dataset_names)
    return {
        "id": chat.id,
        "tenant_id": chat.tenant_id,
        "name": chat.name,
        "description": chat.description,
        "icon": chat.icon,
        "language": chat.language,
        "llm_id": chat.llm_id,
        "tenant_llm_id": None,
        "llm_setting": chat.llm_setting,
        "prompt_type": chat.prompt_type,
        "prompt_config": chat.prompt_config,
        "meta_data_filter": chat.meta_data_filter,
        "similarity_threshold": chat.similarity_threshold,
        "vector_similarity_weight": chat.vector_similarity_weight,
        "top_n": chat.top_n,
        "top_k": chat.top_k,
        "do_refer": chat.do_refer,
        "rerank_id": chat.rerank_id,
        "tenant_rerank_id": None,
        "dataset_ids": dataset_ids,
        "kb_names": kb_names,
        "status": chat.status,
        "create_time": chat.create_time,
        "create_date": http_date(chat.create_time),
        "update_time": chat.update_time,
        "update_date": http_date(chat.update_time),
    }


def chat_list_item(chat: Chat, dataset_names: Mapping[str, str], owner: Tenant | None) -> dict[str, Any]:
    """A chat as ``GET /chats`` lists it: narrower (no dates, no ``meta_data_filter``), plus
    its owner's ``nickname`` and ``tenant_avatar``."""
    dataset_ids, kb_names = _datasets(chat, dataset_names)
    return {
        "id": chat.id,
        "tenant_id": chat.tenant_id,
        "name": chat.name,
        "description": chat.description,
        "language": chat.language,
        "llm_id": chat.llm_id,
        "llm_setting": chat.llm_setting,
        "prompt_type": chat.prompt_type,
        "prompt_config": chat.prompt_config,
        "similarity_threshold": chat.similarity_threshold,
        "vector_similarity_weight": chat.vector_similarity_weight,
        "top_n": chat.top_n,
        "top_k": chat.top_k,
        "do_refer": chat.do_refer,
        "rerank_id": chat.rerank_id,
        "icon": chat.icon,
        "status": chat.status,
        "nickname": owner.name if owner is not None else "",
        "tenant_avatar": owner.avatar if owner is not None else None,
        "update_time": chat.update_time,
        "create_time": chat.create_time,
        "dataset_ids": dataset_ids,
        "kb_names": kb_names,
    }


def session_public(session: ChatSession) -> dict[str, Any]:
    """A session as stored: messages and references raw (create, list, rename, message routes)."""
    return {
        "id": session.id,
        "chat_id": session.chat_id,
        "name": session.name,
        "messages": session.messages or [],
        "reference": session.reference or [],
        "user_id": session.user_id,
        "create_time": session.create_time,
        "create_date": http_date(session.create_time),
        "update_time": session.update_time,
        "update_date": http_date(session.update_time),
    }


def session_detail(session: ChatSession, avatar: str) -> dict[str, Any]:
    """A session as ``GET …/sessions/{id}`` returns it: the chat's icon as ``avatar`` and
    each reference entry's chunks in the public shape (§2.4)."""
    return {
        **session_public(session),
        "reference": [reference_public(entry) for entry in session.reference or []],
        "avatar": avatar,
    }


def _either(chunk: Mapping[str, Any], first: str, second: str) -> Any:
    return chunk[first] if first in chunk else chunk.get(second)


def reference_chunk_public(chunk: Mapping[str, Any]) -> dict[str, Any]:
    """A reference chunk in the public shape (§2.4), from the public shape itself or from
    the index's internal field names (``doc_id``, ``docnm_kwd``, ``kb_id``, ...)."""
    return {
        "id": _either(chunk, "chunk_id", "id"),
        "content": _either(chunk, "content", "content_with_weight"),
        "document_id": _either(chunk, "doc_id", "document_id"),
        "document_name": _either(chunk, "docnm_kwd", "document_name"),
        "dataset_id": _either(chunk, "kb_id", "dataset_id"),
        "image_id": _either(chunk, "image_id", "img_id"),
        "positions": _either(chunk, "positions", "position_int"),
        "url": chunk.get("url"),
        "similarity": chunk.get("similarity"),
        "vector_similarity": chunk.get("vector_similarity"),
        "term_similarity": chunk.get("term_similarity"),
        "row_id": chunk.get("row_id"),
        "doc_type": _either(chunk, "doc_type_kwd", "doc_type"),
        "document_metadata": chunk.get("document_metadata"),
    }


def reference_public(entry: Any) -> Any:
    """One stored reference entry with its chunks in the public shape; anything that is not
    a ``{"chunks": [...], ...}`` object is returned as it is."""
    if not isinstance(entry, dict):
        return entry
    chunks = entry.get("chunks")
    if not isinstance(chunks, list):
        return {**entry, "chunks": []}
    return {**entry, "chunks": [reference_chunk_public(chunk) for chunk in chunks if isinstance(chunk, Mapping)]}


class PromptConfigFields(LooseModel):
    """A chat's ``prompt_config``: keys left out take their defaults on create."""

    system: Sent[str] = Field(None, description="The system prompt; `{knowledge}` is where retrieved chunks go.")
    prologue: Sent[str] = Field(None, description="The first message of every new session.")
    parameters: Sent[list[dict[str, Any]]] = Field(None, description="`{key, optional}` per prompt variable.")
    empty_response: Sent[str] = Field(None, description="The answer when nothing is retrieved.")
    quote: Sent[bool] = None
    tts: Sent[bool] = None
    refine_multiturn: Sent[bool] = None


class ChatRequest(LooseModel):
    """``POST /chats`` (``name`` required) and ``PATCH``/``PUT /chats/{id}``."""

    name: Sent[str] = Field(None, description="At most 255 bytes; unique per tenant (case-insensitive).")
    description: Sent[str] = None
    icon: Sent[str] = None
    dataset_ids: Sent[list[str]] = Field(None, description="Parsed datasets of the caller, one embedding model.")
    llm_id: Sent[str] = None
    llm_setting: Sent[dict[str, Any]] = Field(None, description="temperature, top_p, max_tokens, ...")
    prompt_type: Sent[str] = None
    prompt_config: Sent[PromptConfigFields] = None
    language: Sent[str] = None
    do_refer: Sent[str] = Field(None, description="'1' or '0'.")
    rerank_id: Sent[str] = None
    similarity_threshold: Sent[float] = None
    vector_similarity_weight: Sent[float] = None
    top_n: Sent[int] = None
    top_k: Sent[int] = None
    meta_data_filter: Sent[dict[str, Any]] = None
    llm: Sent[dict[str, Any]] = Field(
        None, description="The older shape: model_name, temperature, top_p, ... (mapped onto llm_id, llm_setting)."
    )
    prompt: Sent[dict[str, Any]] = Field(
        None,
        description="The older shape: prompt, opener, top_n, similarity_threshold, keywords_similarity_weight, ... "
        "(mapped onto prompt_config and the chat's settings).",
    )

    def changes(self) -> tuple[dict[str, Any], bool]:
        """The body in today's shape, and whether it used the older ``llm``/``prompt`` objects."""
        return modern(self.given())


class DeleteIdsRequest(LooseModel):
    """A bulk delete: the listed ids, or everything with ``delete_all`` and no ids."""

    ids: Sent[list[str]] = None
    delete_all: Sent[bool] = None

    def everything(self) -> bool:
        return self.given().get("delete_all") is True


class DeleteChatsRequest(DeleteIdsRequest):
    """``DELETE /chats``; ``chat_id`` alone is the older form, deleting that one chat."""

    chat_id: Sent[str] = None


class ListChatsQuery(SortedPageQuery):
    """``GET /chats``: every chat (the first 100) unless both ``page`` and ``page_size`` are given."""

    id: Sent[str] = None
    name: Sent[str] = None
    keywords: Sent[str] = None
    owner_ids: Sent[list[str]] = None

    def listing(self) -> ChatListing:
        """The list request the query makes (RAGFlow's checks of ``page`` and ``page_size``)."""
        params = self.given()
        page, page_size = page_and_size(params, page=0, page_size=0)
        if page <= 0 or page_size <= 0:
            # RAGFlow lists every chat unless both are given. The first 100 is the same answer for
            # a tenant with up to 100 chats and keeps the 100-row cap for larger ones.
            page, page_size = 1, MAX_PAGE_SIZE
        return ChatListing(
            chat_id=params.get("id") or None,
            name=params.get("name") or None,
            keywords=params.get("keywords") or None,
            owner_ids=[owner for owner in params.get("owner_ids") or () if owner] or None,
            page=page,
            page_size=page_size,
            orderby=self.orderby_or("create_time"),
            desc=self.descending(),
        )


class SessionRequest(LooseModel):
    """``POST /chats/{id}/sessions`` and ``PATCH``/``PUT …/sessions/{id}`` (messages and
    references cannot be changed)."""

    name: Sent[str] = Field(None, description="Trimmed, cut to 255 characters.")


class ListSessionsQuery(SortedPageQuery):
    """``GET /chats/{id}/sessions``."""

    id: Sent[str] = None
    name: Sent[str] = None
    user_id: Sent[str] = None


class FeedbackRequest(LooseModel):
    """A thumbs-up or thumbs-down on an answer, with optional text."""

    required_keys = ("thumbup",)

    thumbup: Sent[bool] = None
    feedback: Sent[str] = None
