"""RAGFlow's response envelopes (contract §1.3) and the JSON response that carries them.

Clients can tell the shapes apart by which keys are present, so each route declares its
shape and every success and error body it sends is built here.
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from typing import Any

from starlette.responses import JSONResponse

from ragloom.errors import RetCode


class Envelope(StrEnum):
    """The five body shapes."""

    R = "R"  # {"code":0} + data when not null; errors: code + message (+ data, rarely, when an error has some)
    J = "J"  # always code, message ("success"), data
    D = "D"  # errors only: code + message
    C = "C"  # code + message, data when not null
    M = "M"  # like J but the success message is the boolean true
    # Chat and session routes: J on success; errors D-shaped (code + message) unless they carry
    # data (``No authorization.`` with ``data: false``) or are code 100 (RAGFlow's exception
    # handler answers J there).
    JD = "JD"
    # The OpenAI-compatible routes: success is OpenAI's own object, a refusal OpenAI's error
    # object with an HTTP error status (see :func:`openai_error`), so OpenAI's clients raise.
    O = "O"  # noqa: E741 -- the envelopes are named by letter


# What an OpenAI-shaped refusal's HTTP status is, by RAGFlow code (any other: 400), and its ``type``.
OPENAI_STATUS = {
    RetCode.AUTHENTICATION_ERROR: 401,
    RetCode.UNAUTHORIZED: 401,
    RetCode.PERMISSION_ERROR: 403,
    RetCode.FORBIDDEN: 403,
    RetCode.NOT_FOUND: 404,
    RetCode.SERVER_ERROR: 500,
}
OPENAI_TYPES = {401: "authentication_error", 403: "permission_error", 404: "not_found_error", 500: "server_error"}


def openai_status(code: int, status_code: int = 200) -> int:
    """The HTTP status of an OpenAI-shaped refusal: ``status_code`` when it is already an error
    status, else by RAGFlow ``code`` (a request the server cannot serve as sent: 400)."""
    return status_code if status_code >= 400 else OPENAI_STATUS.get(code, 400)  # type: ignore[call-overload]


def openai_error(code: int, message: str, status: int) -> dict[str, Any]:
    """OpenAI's error object; ``code`` keeps RAGFlow's number for programs that read it."""
    kind = OPENAI_TYPES.get(status, "invalid_request_error")
    return {"error": {"message": message or "Error", "type": kind, "param": None, "code": code}}


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def dumps(content: Any) -> bytes:
    """Compact UTF-8 JSON (raw non-ASCII); NaN and infinities become ``null``."""
    try:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError:
        text = json.dumps(_finite(content), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8")


class EnvelopeResponse(JSONResponse):
    """A JSON response rendered by :func:`dumps`."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


def success_body(envelope: Envelope, data: Any = None) -> dict[str, Any]:
    if envelope in (Envelope.J, Envelope.JD):
        return {"code": 0, "message": "success", "data": data}
    if envelope is Envelope.M:
        return {"code": 0, "message": True, "data": data}
    if envelope is Envelope.C:
        body: dict[str, Any] = {"code": 0, "message": "success"}
    else:
        body = {"code": 0}
    if data is not None:
        body["data"] = data
    return body


def error_body(envelope: Envelope, code: int, message: str, data: Any = None) -> dict[str, Any]:
    if envelope in (Envelope.J, Envelope.M):
        return {"code": code, "message": message, "data": data}
    if envelope is Envelope.JD and (data is not None or code == 100):
        return {"code": code, "message": message, "data": data}
    if envelope in (Envelope.C, Envelope.R) and data is not None:
        return {"code": code, "message": message, "data": data}
    return {"code": code, "message": message or "Error"}


def success(envelope: Envelope, data: Any = None, **extra: Any) -> EnvelopeResponse:
    """A success response; ``extra`` adds top-level keys (e.g. ``total_datasets``)."""
    return EnvelopeResponse({**success_body(envelope, data), **extra})


def failure(envelope: Envelope, code: int, message: str, data: Any = None, status_code: int = 200) -> EnvelopeResponse:
    if envelope is Envelope.O:
        status = openai_status(code, status_code)
        return EnvelopeResponse(openai_error(code, message, status), status_code=status)
    return EnvelopeResponse(error_body(envelope, code, message, data), status_code=status_code)
