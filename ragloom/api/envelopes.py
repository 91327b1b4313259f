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
    return EnvelopeResponse(error_body(envelope, code, message, data), status_code=status_code)
