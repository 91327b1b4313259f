"""Memory requests (loose JSON, RAGFlow's messages and codes) and memories as the routes show them.

Bodies are validated by the models below. A key a route requires but the body lacks (or
sends as ``null``) is RAGFlow's 101 ``required argument are missing: …; ``; every rule on a
value is a 101 in RAGFlow's words (``Memory name cannot be empty or whitespace.``,
``Memory size should be in range (0, 10485760] Bytes.``, …) or, where RAGFlow has none
(a value of the wrong type), in words of ours naming the key. Keys the routes do not know
are ignored, as RAGFlow ignores them; on update, RAGFlow ignores a falsy ``permissions``,
``llm_id``, ``embd_id``, ``memory_type``, ``memory_size`` or ``forgetting_policy`` too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ragloom.api.bodies import validate_worded, worded
from ragloom.api.params import page_and_size, query_int, sane_page
from ragloom.api.schemas.ids import LIST_DESCRIPTION, id_list
from ragloom.api.schemas.loose import CheckedBody, PageQuery, QueryModel, RequestContext, Sent
from ragloom.errors import ArgumentError, RetCode
from ragloom.memory import (
    ForgettingPolicy,
    MemoryChanges,
    MemoryListing,
    MessageQuery,
    MessageType,
    NewMemory,
    Permission,
)
from ragloom.memory.kinds import MAX_MEMORY_SIZE, NAME_LIMIT

MODEL_ID_LIMIT = 255
AVATAR_LIMIT = 65_535
TEXT_LIMIT = 65_535
MOST_RESULTS = 100
SEARCH_TOP_N = 5
RECENT_LIMIT = 10
UPDATABLE_TEXTS = {
    "avatar": AVATAR_LIMIT,
    "description": TEXT_LIMIT,
    "system_prompt": TEXT_LIMIT,
    "user_prompt": TEXT_LIMIT,
}


def require(body: dict[str, Any], *keys: str) -> None:
    """RAGFlow's 101 for required keys that are absent or ``null``."""
    missing = [key for key in keys if body.get(key) is None]
    if missing:
        raise ArgumentError(f"required argument are missing: {','.join(missing)}; ")


def _refuse(message: str) -> Exception:
    return worded(message, RetCode.ARGUMENT_ERROR)


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise _refuse("Memory name must be a string.")
    name = value.strip()
    if not name:
        raise _refuse("Memory name cannot be empty or whitespace.")
    if len(name) > NAME_LIMIT:
        raise _refuse(f"Memory name '{name}' exceeds limit of {NAME_LIMIT}.")
    if any(ord(char) > 0xFFFF for char in name):
        raise _refuse("Memory name may only hold characters of the Basic Multilingual Plane.")
    return name


def _set_text(values: list[Any]) -> str:
    """Python's ``repr`` of a set, in a stable order (RAGFlow words type errors with one)."""
    shown = sorted(dict.fromkeys(repr(value) for value in values))
    return "{" + ", ".join(shown) + "}"


def _unsupported_types(values: list[Any]) -> str | None:
    known = {kind.value for kind in MessageType}
    unknown = [item for item in values if not isinstance(item, str) or item not in known]
    return f"Memory type '{_set_text(unknown)}' is not supported." if unknown else None


def parse_types(value: Any) -> tuple[MessageType, ...]:
    """A ``memory_type`` list as message types (raw is added where missing, later)."""
    if not isinstance(value, list):
        raise _refuse("Memory type must be a list.")
    problem = _unsupported_types(value)
    if problem is not None:
        raise _refuse(problem)
    return tuple(dict.fromkeys(MessageType(item) for item in value))


def type_filter(names: list[str]) -> tuple[MessageType, ...]:
    """The ``memory_type`` filter of ``GET /memories`` (101 for a type that does not exist)."""
    problem = _unsupported_types(names)
    if problem is not None:
        raise ArgumentError(problem)
    return tuple(MessageType(name) for name in dict.fromkeys(names))


def _model_id(key: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > MODEL_ID_LIMIT:
            raise _refuse(
                f"`{key}` must be a model id (<model_name>@<factory>) of at most {MODEL_ID_LIMIT} characters."
            )
        return value.strip()

    return check


def _unless_falsy(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """RAGFlow ignores these settings when they are falsy."""
    return lambda value: check(value) if value else None


def _permission(value: Any) -> Permission:
    if not isinstance(value, str) or value not in {permission.value for permission in Permission}:
        raise _refuse(f"Unknown permission '{value}'.")
    return Permission(value)


def _memory_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_MEMORY_SIZE:
        raise _refuse(f"Memory size should be in range (0, {MAX_MEMORY_SIZE}] Bytes.")
    return value


def _policy(value: Any) -> ForgettingPolicy:
    if not isinstance(value, str) or value not in {policy.value for policy in ForgettingPolicy}:
        raise _refuse(f"Forgetting policy '{value}' is not supported.")
    return ForgettingPolicy(value)


def _temperature(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise _refuse("Temperature should be in range [0, 1].")
    return float(value)


def _text(key: str, limit: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is not None and not isinstance(value, str):
            raise _refuse(f"`{key}` must be a string.")
        if value is not None and len(value) > limit:
            raise _refuse(f"`{key}` is longer than the limit of {limit} characters.")
        return value

    return check


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CreateMemoryBody(_Loose):
    """``POST /memories``."""

    name: Annotated[str, BeforeValidator(_name)]
    memory_type: Annotated[tuple[MessageType, ...], BeforeValidator(parse_types)]
    embd_id: Annotated[str, BeforeValidator(_model_id("embd_id"))]
    llm_id: Annotated[str, BeforeValidator(_model_id("llm_id"))]


class UpdateMemoryBody(_Loose):
    """``PUT /memories/{id}``."""

    name: Annotated[str | None, BeforeValidator(lambda value: None if value is None else _name(value))] = None
    permissions: Annotated[Permission | None, BeforeValidator(_unless_falsy(_permission))] = None
    llm_id: Annotated[str | None, BeforeValidator(_unless_falsy(_model_id("llm_id")))] = None
    embd_id: Annotated[str | None, BeforeValidator(_unless_falsy(_model_id("embd_id")))] = None
    memory_type: Annotated[tuple[MessageType, ...] | None, BeforeValidator(_unless_falsy(parse_types))] = None
    memory_size: Annotated[int | None, BeforeValidator(_unless_falsy(_memory_size))] = None
    forgetting_policy: Annotated[ForgettingPolicy | None, BeforeValidator(_unless_falsy(_policy))] = None
    temperature: Annotated[float | None, BeforeValidator(_temperature)] = None
    avatar: Annotated[str | None, BeforeValidator(_text("avatar", AVATAR_LIMIT))] = None
    description: Annotated[str | None, BeforeValidator(_text("description", TEXT_LIMIT))] = None
    system_prompt: Annotated[str | None, BeforeValidator(_text("system_prompt", TEXT_LIMIT))] = None
    user_prompt: Annotated[str | None, BeforeValidator(_text("user_prompt", TEXT_LIMIT))] = None


def _string(key: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _refuse(f"`{key}` must be a string.")
        return value

    return check


def _memory_ids(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise _refuse("`memory_id` must be a list of memory ids.")
    return list(items)


class AddMessageBody(_Loose):
    """``POST /messages``: one turn for several memories."""

    memory_id: Annotated[list[str], BeforeValidator(_memory_ids)]
    agent_id: Annotated[str, BeforeValidator(_string("agent_id"))]
    session_id: Annotated[str, BeforeValidator(_string("session_id"))]
    user_input: Annotated[str, BeforeValidator(_string("user_input"))]
    agent_response: Annotated[str, BeforeValidator(_string("agent_response"))]
    user_id: Annotated[str, BeforeValidator(lambda value: "" if value is None else _string("user_id")(value))] = ""


def _status(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _refuse("Status must be a boolean.")
    return value


class MessageStatusBody(_Loose):
    """``PUT /messages/{memory_id}:{message_id}``."""

    status: Annotated[bool, BeforeValidator(_status)]


def read_new_memory(body: dict[str, Any]) -> NewMemory:
    require(body, "name", "memory_type", "embd_id", "llm_id")
    model = validate_worded(CreateMemoryBody, body, code=RetCode.ARGUMENT_ERROR)
    return NewMemory(model.name, model.memory_type, model.embd_id, model.llm_id)


def read_memory_changes(body: dict[str, Any]) -> MemoryChanges:
    model = validate_worded(UpdateMemoryBody, body, code=RetCode.ARGUMENT_ERROR)
    texts = {key: getattr(model, key) for key in UPDATABLE_TEXTS if key in body}
    return MemoryChanges(
        name=model.name,
        permissions=model.permissions,
        llm_id=model.llm_id,
        embd_id=model.embd_id,
        types=model.memory_type,
        memory_size=model.memory_size,
        forgetting_policy=model.forgetting_policy,
        temperature=model.temperature,
        texts=texts,
    )


@dataclass(frozen=True)
class NewMessage:
    """A validated ``POST /messages``."""

    memory_ids: list[str]
    agent_id: str
    session_id: str
    user_input: str
    agent_response: str
    user_id: str


def read_new_message(body: dict[str, Any]) -> NewMessage:
    require(body, "memory_id", "agent_id", "session_id", "user_input", "agent_response")
    model = validate_worded(AddMessageBody, body, code=RetCode.ARGUMENT_ERROR)
    return NewMessage(
        model.memory_id, model.agent_id, model.session_id, model.user_input, model.agent_response, model.user_id
    )


def read_message_status(body: dict[str, Any]) -> bool:
    require(body, "status")
    return validate_worded(MessageStatusBody, body, code=RetCode.ARGUMENT_ERROR).status


# ---- the routes' inputs, as the OpenAPI document shows them -------------------------------------

MemoryTypeName = Literal["raw", "semantic", "episodic", "procedural"]


class NewMemoryRequest(CheckedBody[NewMemory]):
    """``POST /memories``."""

    required_keys = ("name", "memory_type", "embd_id", "llm_id")

    name: Sent[str] = Field(None, description=f"At most {NAME_LIMIT} characters of the Basic Multilingual Plane.")
    memory_type: Sent[list[MemoryTypeName]] = Field(None, description="`raw` is always kept.")
    embd_id: Sent[str] = Field(None, description="An embedding model id, `<model_name>@<factory>`.")
    llm_id: Sent[str] = Field(None, description="A chat model id, for extraction.")

    def check(self, body: dict[str, Any], _context: RequestContext) -> NewMemory:
        return read_new_memory(body)


class MemoryChangesRequest(CheckedBody[MemoryChanges]):
    """``PUT /memories/{memory_id}``."""

    name: Sent[str] = None
    permissions: Sent[Literal["me", "team"]] = None
    llm_id: Sent[str] = None
    embd_id: Sent[str] = None
    memory_type: Sent[list[MemoryTypeName]] = None
    memory_size: Sent[int] = Field(None, description=f"Bytes, at most {MAX_MEMORY_SIZE}.")
    forgetting_policy: Sent[Literal["FIFO"]] = None
    temperature: Sent[float] = Field(None, description="In [0, 1].")
    avatar: Sent[str] = None
    description: Sent[str] = None
    system_prompt: Sent[str] = None
    user_prompt: Sent[str] = None

    def check(self, body: dict[str, Any], _context: RequestContext) -> MemoryChanges:
        return read_memory_changes(body)


class NewMessageRequest(CheckedBody[NewMessage]):
    """``POST /messages``."""

    required_keys = ("memory_id", "agent_id", "session_id", "user_input", "agent_response")

    memory_id: Sent[list[str]] = Field(None, description="The memories to add the turn to (one id or a list).")
    agent_id: Sent[str] = None
    session_id: Sent[str] = None
    user_input: Sent[str] = None
    agent_response: Sent[str] = None
    user_id: Sent[str] = None

    def check(self, body: dict[str, Any], _context: RequestContext) -> NewMessage:
        return read_new_message(body)


class MessageStatusRequest(CheckedBody[bool]):
    """``PUT /messages/{memory_id}:{message_id}``."""

    required_keys = ("status",)

    status: Sent[bool] = Field(None, description="`false` disables the message: searches skip it.")

    def check(self, body: dict[str, Any], _context: RequestContext) -> bool:
        return read_message_status(body)


class ListMemoriesQuery(PageQuery):
    """``GET /memories``."""

    tenant_id: Sent[list[str]] = Field(None, description=LIST_DESCRIPTION)
    owner_ids: Sent[list[str]] = Field(None, description=LIST_DESCRIPTION)
    memory_type: Sent[list[MemoryTypeName]] = Field(None, description=LIST_DESCRIPTION)
    storage_type: Sent[str] = None
    keywords: Sent[str] = None
    ids: Sent[list[str]] = Field(None, description=LIST_DESCRIPTION)

    def listing(self, default_size: int) -> MemoryListing:
        given = self.given()
        page, page_size = sane_page(*page_and_size(given, page=1, page_size=default_size), default_size=default_size)
        owners = [*id_list(given.get("tenant_id")), *id_list(given.get("owner_ids"))]
        return MemoryListing(
            page=page,
            page_size=page_size,
            types=type_filter(id_list(given.get("memory_type"))),
            tenant_ids=owners or None,
            storage_type=given.get("storage_type") or None,
            keywords=given.get("keywords") or None,
            ids=id_list(given.get("ids")),
        )


class MemoryMessagesQuery(PageQuery):
    """``GET /memories/{memory_id}``: a page of its messages."""

    agent_id: Sent[list[str]] = Field(None, description=LIST_DESCRIPTION)
    keywords: Sent[str] = None


def _fraction(given: dict[str, Any], key: str, default: float) -> float:
    raw = given.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ArgumentError(f"`{key}` must be a number between 0 and 1, not '{raw}'.")
    return value


class MemoryIdsQuery(QueryModel):
    """The memories a message route reads, which it cannot do without."""

    required_keys: ClassVar[tuple[str, ...]] = ("memory_id",)

    memory_id: Sent[list[str]] = Field(None, description=LIST_DESCRIPTION)
    agent_id: Sent[list[str]] = Field(None, description=LIST_DESCRIPTION)
    session_id: Sent[str] = None

    def memory_ids(self) -> list[str]:
        memory_ids = id_list(self.given().get("memory_id"))
        if not memory_ids:
            raise ArgumentError("memory_ids is required.")
        return memory_ids

    def agent_ids(self) -> list[str]:
        return id_list(self.given().get("agent_id"))

    def session(self) -> str | None:
        return self.given().get("session_id") or None


class SearchMessagesQuery(MemoryIdsQuery):
    """``GET /messages/search``."""

    required_keys = ("query", "memory_id")

    query: Sent[str] = None
    user_id: Sent[str] = None
    similarity_threshold: Sent[float] = Field(None, description="In [0, 1]; 0.2 unless given.")
    keywords_similarity_weight: Sent[float] = Field(None, description="In [0, 1]; 0.7 unless given.")
    top_n: Sent[int] = Field(None, description=f"1 to {MOST_RESULTS}; {SEARCH_TOP_N} unless given.")

    def message_query(self) -> MessageQuery:
        given = self.given()
        question = given.get("query")
        if question is None:
            raise ArgumentError("`query` is required.")
        return MessageQuery(
            question=str(question),
            memory_ids=self.memory_ids(),
            agent_ids=tuple(self.agent_ids()),
            session_id=self.session(),
            user_id=given.get("user_id") or None,
            similarity_threshold=_fraction(given, "similarity_threshold", 0.2),
            keywords_similarity_weight=_fraction(given, "keywords_similarity_weight", 0.7),
            top_n=query_int(given, "top_n", SEARCH_TOP_N, low=1, high=MOST_RESULTS),
        )


class RecentMessagesQuery(MemoryIdsQuery):
    """``GET /messages``: the most recent messages."""

    limit: Sent[int] = Field(None, description=f"1 to {MOST_RESULTS}; {RECENT_LIMIT} unless given.")

    def limit_value(self) -> int:
        return query_int(self.given(), "limit", RECENT_LIMIT, low=1, high=MOST_RESULTS)
