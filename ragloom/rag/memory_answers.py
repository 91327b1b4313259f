"""Reading a chat model's answer to the memory-extraction prompt, leniently.

Models wrap JSON in prose or code fences, think aloud first, name the kinds in another case
(``"Semantic"``, ``"semantic_memory"``), write items as bare strings, or stop mid-answer at
their token limit. :func:`read_extraction` finds the JSON wherever it is — the whole answer, a
fenced block, the first object that parses, or a truncated object completed — and takes what
it can: per kind, items with text, at most :data:`MAX_ITEMS_PER_KIND`, without repeats. An
answer holding no JSON object, or one naming none of the kinds asked for, is unreadable
(:class:`UnreadableAnswerError`), so a model that answers junk fails visibly instead of silently
remembering nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ragloom.rag.memory_prompts import LONGEST_ITEM, MAX_ITEMS_PER_KIND, known_kinds

_THINKING = re.compile(r"<think>.*?(</think>|$)", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```[a-zA-Z]*\s*(.*?)(```|$)", re.DOTALL)
_TEXT_KEYS = ("content", "text", "memory", "fact", "event", "description", "value")
_CLOSERS = {"{": "}", "[": "]"}
_MOST_CUTS = 64


class UnreadableAnswerError(ValueError):
    """The answer holds nothing the extraction can read."""


@dataclass(frozen=True)
class ExtractedItem:
    """One thing to remember: its kind, what it says, and when it holds (epoch seconds; ``None``: unknown)."""

    kind: str
    content: str
    valid_at: float | None = None
    invalid_at: float | None = None


def _completed(text: str) -> Any:
    """The value ``text`` (starting at ``{``) would be had the model not stopped in the middle:
    cut at the last place where a value ended (a comma or a closing bracket) and closed; ``None``
    when no cut parses."""
    stack: list[str] = []
    in_string = escaped = False
    cuts: list[tuple[int, str]] = []  # (end of the prefix, what closes it)
    for position, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in _CLOSERS:
            stack.append(_CLOSERS[char])
        elif char in "}]" and stack:
            stack.pop()
            cuts.append((position + 1, "".join(reversed(stack))))
        elif char == "," and stack:
            cuts.append((position, "".join(reversed(stack))))
    for end, closers in reversed(cuts[-_MOST_CUTS:]):
        try:
            return json.loads(text[:end] + closers)
        except ValueError:
            continue
    return None


def _json_values(answer: str) -> list[Any]:
    """Every JSON object or array the answer may mean, most likely first."""
    text = _THINKING.sub("", answer).strip()
    candidates = [text, *(match.group(1).strip() for match in _FENCE.finditer(text))]
    decoder = json.JSONDecoder()
    found: list[Any] = []
    for candidate in candidates:
        try:
            found.append(json.loads(candidate))
            continue
        except ValueError:
            pass
        for start in [index for index, char in enumerate(candidate) if char in "{["][:64]:
            try:
                found.append(decoder.raw_decode(candidate, start)[0])
                break
            except ValueError:
                completed = _completed(candidate[start:]) if candidate[start] == "{" else None
                if completed is not None:
                    found.append(completed)
                    break
    return [value for value in found if isinstance(value, dict | list)]


def _kind_of(key: object, kinds: Sequence[str]) -> str | None:
    if not isinstance(key, str):
        return None
    letters = re.sub(r"[^a-z]", "", key.lower())
    return next((kind for kind in kinds if letters.startswith(kind)), None)


def _text(item: object) -> str:
    if isinstance(item, str):
        return item.strip()
    if isinstance(item, dict):
        for key in _TEXT_KEYS:
            value = item.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""


def parse_time(value: object) -> float | None:
    """An ISO 8601 time (or ``YYYY-MM-DD HH:MM:SS``) as epoch seconds, UTC when it names no zone;
    ``None`` for anything else."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _grouped(value: Any, kinds: Sequence[str]) -> dict[str, list[Any]]:
    """Items by kind, from ``{"<kind>": [...]}`` or from a list of items naming their kind."""
    groups: dict[str, list[Any]] = {}
    if isinstance(value, dict):
        for key, items in value.items():
            kind = _kind_of(key, kinds)
            if kind is not None:
                groups.setdefault(kind, []).extend(items if isinstance(items, list) else [items])
    else:
        for item in value:
            kind = _kind_of(item.get("type") or item.get("kind"), kinds) if isinstance(item, dict) else None
            if kind is not None:
                groups.setdefault(kind, []).append(item)
    return groups


def read_extraction(answer: str, kinds: Sequence[str]) -> list[ExtractedItem]:
    """The items of ``answer`` of the ``kinds`` asked for; see the module docstring."""
    wanted = known_kinds(kinds)
    for value in _json_values(answer):
        groups = _grouped(value, wanted)
        if not groups:
            continue
        items: list[ExtractedItem] = []
        for kind in wanted:
            seen: set[str] = set()
            for raw in groups.get(kind, []):
                content = _text(raw)[:LONGEST_ITEM]
                if not content or content.lower() in seen or len(seen) >= MAX_ITEMS_PER_KIND:
                    continue
                seen.add(content.lower())
                details = raw if isinstance(raw, dict) else {}
                items.append(
                    ExtractedItem(
                        kind, content, parse_time(details.get("valid_at")), parse_time(details.get("invalid_at"))
                    )
                )
        return items
    shown = answer.strip().replace("\n", " ")
    raise UnreadableAnswerError(f"no JSON object naming {', '.join(wanted)} in its answer: {shown[:200]!r}")
