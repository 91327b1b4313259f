"""Reading chat models' answers leniently: small models wrap JSON in prose or fences, or skip it."""

from __future__ import annotations

import json
import re
from typing import Any

from ragloom.enrich.errors import UnreadableReplyError

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_LIST_MARK = re.compile(r"^\s*(?:[-*•]+|\d+[.)、:]|[(（]?\d+[)）])\s*")
_SEPARATORS = re.compile(r"[,，;；、\n]")
_LABEL = re.compile(r"^\s*[A-Za-z][A-Za-z ]{0,24}[:：]\s*")


def _json_candidates(reply: str) -> list[str]:
    """The reply, what fenced blocks hold, and the span from its first bracket to the matching last."""
    candidates = [reply.strip()]
    candidates.extend(match.strip() for match in _FENCE.findall(reply))
    for opening, closing in (("[", "]"), ("{", "}")):
        start, end = reply.find(opening), reply.rfind(closing)
        if 0 <= start < end:
            candidates.append(reply[start : end + 1])
    return candidates


def json_value(reply: str) -> Any:
    """The first JSON value found in ``reply``; :class:`UnreadableReplyError` when there is none."""
    for candidate in _json_candidates(reply):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    raise UnreadableReplyError(f"an answer that is not JSON: {shorten(reply)!r}")


def shorten(text: str, limit: int = 120) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def clean_item(text: str) -> str:
    """An item without list marks, surrounding quotes and brackets."""
    item = _LIST_MARK.sub("", text.strip())
    return item.strip().strip("[]{}").strip().strip("\"'`“”‘’").strip()


def string_items(reply: str, *, lines_only: bool = False) -> list[str]:
    """The strings a reply lists: a JSON array of strings if it holds one, else its lines (and,
    unless ``lines_only``, its comma-separated parts), without list marks, quotes or repeats."""
    items: list[str] = []
    try:
        value = json_value(reply)
    except UnreadableReplyError:
        value = None
    if isinstance(value, dict) and len(value) == 1:
        value = next(iter(value.values()))
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        items = [clean_item(str(item)) for item in value]
    else:
        unlabelled = _LABEL.sub("", reply, count=1)  # "Keywords: a, b"
        pieces = unlabelled.splitlines() if lines_only else _SEPARATORS.split(unlabelled)
        items = [clean_item(piece) for piece in pieces]
    return list(dict.fromkeys(item for item in items if item))
