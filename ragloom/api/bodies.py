"""Reading request bodies under RAGFlow's two regimes (contract §1.5).

*Strict* routes demand ``application/json``, a parseable body and an object, then
validate it with a strict pydantic model; every failure is code 101 with RAGFlow's
exact wording. *Loose* routes take JSON when the content type says so, form fields
otherwise, and an empty body as ``{}``; JSON that does not parse is RAGFlow's code 100
:data:`BAD_REQUEST`, a JSON value that is not an object the ``AttributeError`` RAGFlow's
``.get`` raises.

Either way the body is read no further than ``limits.max_json_body_size`` and decoded by
:func:`~ragloom.api.json_input.decode_json`, so its size and shape are refused (101) before
anything uses it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException
from starlette.types import Message

from ragloom.api.json_input import decode_json
from ragloom.api.params import NUL, nul_refusal
from ragloom.errors import ArgumentError, RagloomError, RetCode
from ragloom.settings import LimitSettings

M = TypeVar("M", bound=BaseModel)
_VALUE_LIMIT = 128
WORDED = "worded"
BAD_REQUEST = "<BadRequest '400: Bad Request'>"
"""What RAGFlow answers (code 100) when a loose route's JSON body does not parse: the repr of
the ``BadRequest`` its web framework raises, not the parser's own error."""


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def capped_stream(request: Request, limit: int, refusal: RagloomError) -> AsyncGenerator[bytes, None]:
    """The request body piece by piece, raising ``refusal`` once it is larger than ``limit``
    bytes: before reading when ``Content-Length`` says so, else (a chunked body, or a client
    that lies) as soon as the bytes received pass it."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
        raise refusal
    received = 0
    async for piece in request.stream():
        received += len(piece)
        if received > limit:
            raise refusal
        yield piece


async def read_body(request: Request, limits: LimitSettings) -> bytes:
    """The whole body of a JSON or form request, at most ``limits.max_json_body_size`` bytes."""
    limit = limits.max_json_body_size
    refusal = ArgumentError(f"Request body is larger than the limit of {limit} bytes.")
    return b"".join([piece async for piece in capped_stream(request, limit, refusal)])


async def read_strict_json(request: Request, limits: LimitSettings) -> dict[str, Any]:
    """The body of a strict route as a dict, or :class:`ArgumentError`."""
    if media_type(request) != "application/json":
        raw = request.headers.get("content-type")
        raise ArgumentError(f"Unsupported content type: Expected application/json, got {raw}")
    body = await read_body(request, limits)
    try:
        payload = decode_json(body, limits)
    except ValueError:
        raise ArgumentError("Malformed JSON syntax: Missing commas/brackets or invalid encoding") from None
    if not payload:
        return {}
    if not isinstance(payload, dict):
        raise ArgumentError(f"Invalid request payload: expected object, got {type(payload).__name__}")
    return payload


async def read_loose_body(request: Request, limits: LimitSettings) -> dict[str, Any]:
    """The body of a loose route: JSON object, form fields, or ``{}``."""
    body = await read_body(request, limits)
    if not body:
        return {}
    if media_type(request) == "application/json":
        try:
            payload = decode_json(body, limits)
        except ValueError:
            raise RagloomError(BAD_REQUEST, code=RetCode.EXCEPTION_ERROR) from None
        if payload is None:
            return {}
        if not isinstance(payload, dict):
            raise RagloomError(
                repr(AttributeError(f"'{type(payload).__name__}' object has no attribute 'get'")),
                code=RetCode.EXCEPTION_ERROR,
            )
        return payload
    return await _form_fields(request, body)


async def _form_fields(request: Request, body: bytes) -> dict[str, Any]:
    """The text fields of a form body already read (parsed as Starlette parses forms); a
    multipart body the parser cannot read (no boundary, broken parts, too many fields) is a
    101 in the route's envelope, as on the upload route, not Starlette's HTTP 400."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        async with Request(request.scope, replay).form() as form:
            fields = {key: value for key, value in form.items() if isinstance(value, str)}
    except HTTPException as error:
        raise ArgumentError(str(error.detail)) from None
    for key, value in fields.items():
        if NUL in key + value:  # no PostgreSQL text can hold it (see ragloom.api.params)
            raise nul_refusal(key.replace(NUL, "\\x00"))
    return fields


def validation_message(error: ValidationError) -> str:
    """One ``Field: <loc> - Message: <msg> - Value: <input>`` line per problem."""
    lines = []
    for problem in error.errors():
        location = ".".join(str(part) for part in problem["loc"])
        value = str(problem.get("input"))
        if len(value) > _VALUE_LIMIT:
            value = value[: _VALUE_LIMIT - 3] + "..."
        lines.append(f"Field: <{location}> - Message: <{problem['msg']}> - Value: <{value}>")
    return "\n".join(lines)


def validate(model: type[M], payload: dict[str, Any], *, code: RetCode | None = None, context: Any = None) -> M:
    """``payload`` as ``model`` (its validators given ``context``), or its refusal (:func:`refusal_of`)."""
    try:
        return model.model_validate(payload, context=context)
    except ValidationError as error:
        raise refusal_of(model, error, code) from None


def refusal_of(model: type[BaseModel], error: ValidationError, code: RetCode | None = None) -> RagloomError:
    """How ``model`` refuses what ``error`` found: a problem raised with :func:`worded`, as it is
    worded (the first); else ``model.refusal(error)`` when the model words its own; else the
    ``Field: …`` lines with ``code`` (by default the model's ``problem_code``, else 101)."""
    for problem in error.errors():
        if problem["type"] == WORDED:
            worded_context = problem.get("ctx") or {}
            return RagloomError(str(worded_context["message"]), code=RetCode(worded_context["code"]))
    refusal = getattr(model, "refusal", None)
    if callable(refusal):
        refused: RagloomError = refusal(error)
        return refused
    if code is None:
        code = RetCode(getattr(model, "problem_code", RetCode.ARGUMENT_ERROR))
    return RagloomError(validation_message(error), code=code)


def worded(message: str, code: RetCode = RetCode.DATA_ERROR) -> PydanticCustomError:
    """A problem a model's validator reports in RAGFlow's own words and code (raise it from a
    validator; :func:`validate` answers it as it is)."""
    return PydanticCustomError(WORDED, "{message}", {"message": message, "code": int(code)})


def validate_worded(model: type[M], payload: dict[str, Any], *, code: RetCode = RetCode.DATA_ERROR) -> M:
    """``payload`` as ``model`` for routes RAGFlow validates by hand: a problem raised with
    :func:`worded` is reported as it is worded; any other in the ``Field: …`` form with ``code``."""
    return validate(model, payload, code=code)
