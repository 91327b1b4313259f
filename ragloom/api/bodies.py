"""Reading request bodies under RAGFlow's two regimes (contract §1.5).

*Strict* routes demand ``application/json``, a parseable body and an object, then
validate it with a strict pydantic model; every failure is code 101 with RAGFlow's
exact wording. *Loose* routes take JSON when the content type says so, form fields
otherwise, and an empty body as ``{}``.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from ragloom.errors import ArgumentError, RagloomError, RetCode

M = TypeVar("M", bound=BaseModel)
_VALUE_LIMIT = 128


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_strict_json(request: Request) -> dict[str, Any]:
    """The body of a strict route as a dict, or :class:`ArgumentError`."""
    if media_type(request) != "application/json":
        raw = request.headers.get("content-type")
        raise ArgumentError(f"Unsupported content type: Expected application/json, got {raw}")
    try:
        payload = json.loads(await request.body())
    except ValueError:
        raise ArgumentError("Malformed JSON syntax: Missing commas/brackets or invalid encoding") from None
    if not payload:
        return {}
    if not isinstance(payload, dict):
        raise ArgumentError(f"Invalid request payload: expected object, got {type(payload).__name__}")
    return payload


async def read_loose_body(request: Request) -> dict[str, Any]:
    """The body of a loose route: JSON object, form fields, or ``{}``."""
    body = await request.body()
    if not body:
        return {}
    if media_type(request) == "application/json":
        try:
            payload = json.loads(body)
        except ValueError as error:
            raise RagloomError(repr(error), code=RetCode.EXCEPTION_ERROR) from None
        if payload is None:
            return {}
        if not isinstance(payload, dict):
            raise RagloomError(
                repr(AttributeError(f"'{type(payload).__name__}' object has no attribute 'get'")),
                code=RetCode.EXCEPTION_ERROR,
            )
        return payload
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


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


def validate(model: type[M], payload: dict[str, Any], *, code: RetCode = RetCode.ARGUMENT_ERROR) -> M:
    """``payload`` as ``model``, or a :class:`RagloomError` with ``code`` and the formatted problems."""
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise RagloomError(validation_message(error), code=code) from None
