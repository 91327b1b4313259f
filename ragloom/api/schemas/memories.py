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
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from ragloom.api.bodies import validate_worded, worded
from ragloom.errors import ArgumentError, RetCode
from ragloom.memory import ForgettingPolicy, MemoryChanges, MessageType, NewMemory, Permission
from ragloom.memory.kinds import MAX_MEMORY_SIZE, NAME_LIMIT

MODEL_ID_LIMIT = 255
AVATAR_LIMIT = 65_535
TEXT_LIMIT = 65_535
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
    if value not in {permission.value for permission in Permission}:
        raise _refuse(f"Unknown permission '{value}'.")
    return Permission(value)


def _memory_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_MEMORY_SIZE:
        raise _refuse(f"Memory size should be in range (0, {MAX_MEMORY_SIZE}] Bytes.")
    return value


def _policy(value: Any) -> ForgettingPolicy:
    if value not in {policy.value for policy in ForgettingPolicy}:
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
