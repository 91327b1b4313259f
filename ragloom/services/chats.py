"""Chat assistants: create, list, read, update and delete, within the caller's tenant (contract §8).

Request bodies are *loose* (RAGFlow reads them with ``dict.get``): keys that are not chat
settings are dropped, and every refusal is a 102 with RAGFlow's wording. Values the
contract leaves unchecked but that could not be stored or used (a ``top_n`` that is not
a number, a ``llm_setting`` that is not an object) are refused with a 102 that names the key.

Chats are deleted for good (their sessions with them); RAGFlow's soft delete is invisible
to clients.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError

from ragloom.clock import now_ms
from ragloom.errors import DataError
from ragloom.ids import new_id
from ragloom.integers import INT64_MAX, INT64_MIN, fits_int64
from ragloom.providers.catalog import ModelCatalog, ModelKind
from ragloom.rag.prompts import DEFAULT_EMPTY_RESPONSE, DEFAULT_PROLOGUE, DEFAULT_SYSTEM_PROMPT
from ragloom.services.chat_access import owned_chat
from ragloom.services.ordering import check_orderby
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore, Transaction
from ragloom.storage.metadata.chats import SORTABLE_CHAT_COLUMNS, ChatQuery
from ragloom.storage.metadata.tables import Chat, Tenant

NAME_BYTE_LIMIT = 255
KNOWLEDGE_PARAMETER = {"key": "knowledge", "optional": False}
DEFAULT_PROMPT_CONFIG: dict[str, Any] = {
    "system": DEFAULT_SYSTEM_PROMPT,
    "prologue": DEFAULT_PROLOGUE,
    "parameters": [KNOWLEDGE_PARAMETER],
    "empty_response": DEFAULT_EMPTY_RESPONSE,
    "quote": True,
    "tts": False,
    "refine_multiturn": True,
}
"""What a new chat's ``prompt_config`` holds for every key the request leaves out."""
# RAGFlow accepts these rerank models without looking them up (compared by the name before ``@``).
EXEMPT_RERANK_MODELS = frozenset({"BAAI/bge-reranker-v2-m3", "maidalun1020/bce-reranker-base_v1"})
DUPLICATE_ON_CREATE = "Duplicated chat name in creating chat."
DUPLICATE_ON_UPDATE = "Duplicated chat name."


@dataclass(frozen=True)
class ChatView:
    """A chat with the names of its datasets that still exist (by id) and its owner."""

    record: Chat
    dataset_names: dict[str, str]
    owner: Tenant | None


@dataclass(frozen=True)
class ChatListing:
    """A list request; page and page size 0 (the defaults) mean everything."""

    chat_id: str | None = None
    name: str | None = None
    keywords: str | None = None
    owner_ids: list[str] | None = None
    page: int = 0
    page_size: int = 0
    orderby: str = "create_time"
    desc: bool = True


@dataclass(frozen=True)
class Deletion:
    """What a bulk delete did: how many were deleted and why the others were not."""

    success_count: int
    errors: list[str] = field(default_factory=list)


def split_duplicates(ids: list[Any], kind: str) -> tuple[list[Any], list[str]]:
    """The distinct ids (first-seen order) and one ``Duplicate <kind> ids: <id>`` per repeated id."""
    counts: dict[Any, int] = {}
    for item in ids:
        key = item if isinstance(item, str) else repr(item)
        counts[key] = counts.get(key, 0) + 1
    distinct = list(dict.fromkeys(item if isinstance(item, str) else repr(item) for item in ids))
    return distinct, [f"Duplicate {kind} ids: {item}" for item, count in counts.items() if count > 1]


def requested_ids(body: Mapping[str, Any]) -> list[Any] | None:
    """The ``ids`` of a bulk delete body; ``None`` when it names none."""
    ids = body.get("ids")
    if not ids:
        return None
    if isinstance(ids, str):
        return [ids]
    if not isinstance(ids, list):
        raise DataError("`ids` should be a list.")
    return ids


def finish_deletion(deletion: Deletion) -> Deletion:
    """``deletion``, or the 102 RAGFlow answers when nothing at all was deleted."""
    if deletion.errors and not deletion.success_count:
        raise DataError("; ".join(deletion.errors))
    return deletion


def chat_name(value: Any, *, required: bool) -> str | None:
    """A chat name trimmed and checked; ``None`` when absent and not required."""
    if value is None:
        if required:
            raise DataError("`name` is required.")
        return None
    if not isinstance(value, str):
        raise DataError("Chat name must be a string.")
    name = value.strip()
    if not name:
        raise DataError("`name` is required." if required else "`name` cannot be empty.")
    size = len(name.encode("utf-8"))
    if size > NAME_BYTE_LIMIT:
        raise DataError(f"Chat name length is {size} which is larger than {NAME_BYTE_LIMIT}.")
    return name


def with_prompt_defaults(given: Mapping[str, Any], *, has_datasets: bool) -> dict[str, Any]:
    """``given`` with every missing key (and an empty ``system``) taken from the defaults.

    A chat with datasets whose system prompt uses ``{knowledge}`` but declares no parameters
    gets the ``knowledge`` parameter, so retrieval fills it.
    """
    config = dict(given)
    for key, value in DEFAULT_PROMPT_CONFIG.items():
        if key not in config or (key == "system" and not config[key]):
            config[key] = [dict(item) for item in value] if isinstance(value, list) else value
    system = config.get("system")
    if has_datasets and not config.get("parameters") and isinstance(system, str) and "{knowledge}" in system:
        config["parameters"] = [dict(KNOWLEDGE_PARAMETER)]
    return config


# ---- the other settable columns ----------------------------------------------------------------


def _text(limit: int | None) -> Callable[[str, Any], str]:
    def convert(key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise DataError(f"`{key}` should be a string.")
        if limit is not None and len(value) > limit:
            raise DataError(f"`{key}` should be at most {limit} characters.")
        return value

    return convert


def _number(key: str, value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise DataError(f"`{key}` should be a number.") from None
    else:
        raise DataError(f"`{key}` should be a number.")
    if not math.isfinite(number):
        raise DataError(f"`{key}` should be a number.")
    return number


def _integer(key: str, value: Any) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            number = int(value)
    if number is None:
        raise DataError(f"`{key}` should be an integer.")
    if not fits_int64(number):  # the column holds 64 bits
        raise DataError(f"`{key}` should be an integer between {INT64_MIN} and {INT64_MAX}.")
    return number


def _flag(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if value in ("0", "1", 0, 1):
        return str(value)
    raise DataError(f"`{key}` should be '0' or '1'.")


def _object(key: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DataError(f"`{key}` should be an object.")
    return dict(value)


_COLUMNS: dict[str, Callable[[str, Any], Any]] = {
    "description": _text(None),
    "icon": _text(None),
    "language": _text(32),
    "prompt_type": _text(16),
    "do_refer": _flag,
    "rerank_id": _text(255),
    "similarity_threshold": _number,
    "vector_similarity_weight": _number,
    "top_n": _integer,
    "top_k": _integer,
    "meta_data_filter": _object,
    "llm_setting": _object,
}
"""Settable columns besides name, datasets, model and prompt, with their conversions.
``null`` leaves a column as it is (its default on create), except the two objects, which it empties."""


def column_values(body: Mapping[str, Any]) -> dict[str, Any]:
    """The settable columns ``body`` sends (other keys are dropped, as RAGFlow drops them)."""
    return {
        key: convert(key, body[key])
        for key, convert in _COLUMNS.items()
        if key in body and (body[key] is not None or key in {"llm_setting", "meta_data_filter"})
    }


class ChatService:
    """The rules of chat assistants; every method is scoped to the caller's tenant."""

    def __init__(self, store: MetadataStore, models: ModelCatalog) -> None:
        self._store = store
        self._models = models

    # ---- validation ----------------------------------------------------------------------------

    def _tenant(self, tx: Transaction, caller: Caller) -> Tenant:
        tenant = tx.tenants.get(caller.tenant_id)
        if tenant is None:
            raise DataError("Tenant not found!")
        return tenant

    @staticmethod
    def _dataset_ids(tx: Transaction, caller: Caller, value: Any) -> list[str]:
        """The datasets a chat may retrieve from: the caller's, parsed, one embedding model."""
        if value is None:
            return []
        if not isinstance(value, list):
            raise DataError("`dataset_ids` should be a list.")
        wanted = list(dict.fromkeys(item for item in value if item))
        datasets = []
        for dataset_id in wanted:
            dataset = tx.datasets.owned(caller.tenant_id, dataset_id) if isinstance(dataset_id, str) else None
            if dataset is None:
                raise DataError(f"You don't own the dataset {dataset_id}")
            datasets.append(dataset)
        counts = tx.datasets.counts([dataset.id for dataset in datasets])
        for dataset in datasets:
            if counts[dataset.id].chunk_count == 0:
                raise DataError(f"The dataset {dataset.id} doesn't own parsed file")
        models = [dataset.embedding_model for dataset in datasets]
        if len({model.rpartition("@")[0] or model for model in models}) > 1:
            raise DataError(f"Datasets use different embedding models: {models}")
        return [dataset.id for dataset in datasets]

    def _check_llm(self, tenant_id: str, llm_id: Any, llm_setting: Any) -> None:
        if not llm_id:
            return
        model_type = llm_setting.get("model_type") if isinstance(llm_setting, dict) else None
        # There are no image-to-text models here, so a model said to be one never exists.
        usable = (
            isinstance(llm_id, str)
            and model_type != "image2text"
            and self._models.find(llm_id, ModelKind.CHAT, tenant_id) is not None
        )
        if not usable:
            raise DataError(f"`llm_id` {llm_id} doesn't exist")

    def _check_rerank(self, tenant_id: str, rerank_id: Any) -> None:
        if not rerank_id:
            return
        if isinstance(rerank_id, str):
            name = rerank_id.rpartition("@")[0] or rerank_id
            if name in EXEMPT_RERANK_MODELS or self._models.find(rerank_id, ModelKind.RERANK, tenant_id) is not None:
                return
        raise DataError(f"`rerank_id` {rerank_id} doesn't exist")

    def _check_models_and_prompt(self, caller: Caller, body: Mapping[str, Any]) -> None:
        if "llm_id" in body:
            self._check_llm(caller.tenant_id, body.get("llm_id"), body.get("llm_setting"))
        if "rerank_id" in body:
            self._check_rerank(caller.tenant_id, body.get("rerank_id"))
        if "prompt_config" in body and not isinstance(body["prompt_config"], dict):
            raise DataError("`prompt_config` should be an object.")

    @staticmethod
    def _view(tx: Transaction, chat: Chat, owners: dict[str, Tenant | None] | None = None) -> ChatView:
        known = owners if owners is not None else {}
        if chat.tenant_id not in known:
            known[chat.tenant_id] = tx.tenants.get(chat.tenant_id)
        return ChatView(chat, tx.chats.dataset_names(chat.dataset_ids or []), known[chat.tenant_id])

    # ---- operations ----------------------------------------------------------------------------

    def create(self, caller: Caller, body: Mapping[str, Any]) -> ChatView:
        """Create a chat from a ``POST /chats`` body (contract §8.1)."""
        try:
            with self._store.writing() as tx:
                tenant = self._tenant(tx, caller)
                if body.get("tenant_id"):
                    raise DataError("`tenant_id` must not be provided.")
                name = chat_name(body.get("name"), required=True)
                assert name is not None
                dataset_ids = self._dataset_ids(tx, caller, body["dataset_ids"]) if "dataset_ids" in body else []
                self._check_models_and_prompt(caller, body)
                values = column_values(body)
                if values.get("rerank_id") is None and tenant.rerank_model:
                    values["rerank_id"] = tenant.rerank_model  # the tenant's default rerank model
                llm_id = body.get("llm_id")
                if llm_id is None:
                    llm_id = self._models.chat_model_for(tenant.chat_model)
                prompt_config = with_prompt_defaults(body.get("prompt_config") or {}, has_datasets=bool(dataset_ids))
                if tx.chats.name_key_taken(caller.tenant_id, name.lower()):
                    raise DataError(DUPLICATE_ON_CREATE)
                now = now_ms()
                chat = tx.chats.add(
                    Chat(
                        id=new_id(),
                        tenant_id=caller.tenant_id,
                        name=name,
                        name_key=name.lower(),
                        llm_id=llm_id,
                        prompt_config=prompt_config,
                        dataset_ids=dataset_ids,
                        status="1",
                        create_time=now,
                        update_time=now,
                        **values,
                    )
                )
                return self._view(tx, chat)
        except IntegrityError:
            # Another request created a chat of this name in the meantime; the unique index kept one.
            raise DataError(DUPLICATE_ON_CREATE) from None

    def list_page(self, caller: Caller, listing: ChatListing) -> tuple[list[ChatView], int]:
        """The caller's chats matching ``listing`` and how many match in all (contract §8.2)."""
        check_orderby(listing.orderby, SORTABLE_CHAT_COLUMNS)
        if listing.owner_ids and caller.tenant_id not in listing.owner_ids:
            return [], 0
        exact = bool(listing.chat_id or listing.name)
        paged = listing.page > 0 and listing.page_size > 0
        query = ChatQuery(
            tenant_ids=[caller.tenant_id],
            chat_id=listing.chat_id or None,
            name_key=listing.name.lower() if listing.name else None,
            name_contains=listing.keywords if listing.keywords and not exact else None,
            orderby=listing.orderby,
            desc=listing.desc,
            offset=(listing.page - 1) * listing.page_size if paged else 0,
            limit=listing.page_size if paged else None,
        )
        with self._store.reading() as tx:
            chats, total = tx.chats.find(query)
            owners: dict[str, Tenant | None] = {}
            return [self._view(tx, chat, owners) for chat in chats], total

    def get(self, caller: Caller, chat_id: str) -> ChatView:
        """One of the caller's chats; J 109 ``No authorization.`` for any other id."""
        with self._store.reading() as tx:
            return self._view(tx, owned_chat(tx, caller, chat_id))

    def update(self, caller: Caller, chat_id: str, body: Mapping[str, Any], *, merge: bool) -> ChatView:
        """Apply a ``PATCH`` (``merge``: prompt_config and llm_setting merged key by key) or
        ``PUT`` (replaced) body (contract §8.4)."""
        try:
            with self._store.writing() as tx:
                owned_chat(tx, caller, chat_id)
                self._tenant(tx, caller)
                chat = tx.chats.lock(chat_id)
                if chat is None:
                    raise DataError("Chat not found!")
                if body.get("tenant_id"):
                    raise DataError("`tenant_id` must not be provided.")
                name = chat_name(body["name"], required=not merge) if "name" in body else None
                dataset_ids = self._dataset_ids(tx, caller, body["dataset_ids"]) if "dataset_ids" in body else None
                self._check_models_and_prompt(caller, body)
                values = column_values(body)
                if merge and "llm_setting" in values:
                    values["llm_setting"] = {**(chat.llm_setting or {}), **values["llm_setting"]}
                if "prompt_config" in body:
                    given = dict(body["prompt_config"])
                    values["prompt_config"] = {**(chat.prompt_config or {}), **given} if merge else given
                if isinstance(body.get("llm_id"), str):
                    values["llm_id"] = body["llm_id"]
                if dataset_ids is not None:
                    values["dataset_ids"] = dataset_ids
                if name is not None:
                    renamed = name.lower() != chat.name_key
                    if renamed and tx.chats.name_key_taken(caller.tenant_id, name.lower(), except_id=chat.id):
                        raise DataError(DUPLICATE_ON_UPDATE)
                    values["name"], values["name_key"] = name, name.lower()
                for key, value in values.items():
                    setattr(chat, key, value)
                chat.update_time = now_ms()
                tx.session.flush()
                return self._view(tx, chat)
        except IntegrityError:
            raise DataError(DUPLICATE_ON_UPDATE) from None

    def delete(self, caller: Caller, chat_id: str) -> None:
        """Delete one of the caller's chats and its sessions."""
        with self._store.writing() as tx:
            owned_chat(tx, caller, chat_id)
            tx.chats.remove([chat_id])

    def delete_many(self, caller: Caller, chat_ids: list[Any] | None, delete_all: bool) -> Deletion | None:
        """Delete the listed chats (or all, with ``delete_all`` and no ids); ``None`` when the
        request names nothing to delete. Ids that are not the caller's chats, and repeated
        ids, are reported; if nothing could be deleted that is a 102 (contract §8.5)."""
        with self._store.writing() as tx:
            if chat_ids is None:
                if not delete_all:
                    return None
                chat_ids = list(tx.chats.all_ids(caller.tenant_id))
                if not chat_ids:
                    return None
            distinct, duplicates = split_duplicates(chat_ids, "chat")
            owned = tx.chats.owned_ids(caller.tenant_id, distinct)
            errors = [f"Chat({chat_id}) not found." for chat_id in distinct if chat_id not in owned]
            targets = [chat_id for chat_id in distinct if chat_id in owned]
            if targets:
                tx.chats.remove(targets)
            deletion = Deletion(len(targets), errors + duplicates)
        return finish_deletion(deletion)
