"""What the per-chunk enrichers (keywords, questions) share: one model call per chunk with text,
answered with a JSON array of strings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ragloom.enrich.errors import UnreadableReplyError
from ragloom.enrich.job import EnrichmentJob
from ragloom.enrich.model_calls import Ask, EnrichmentModel, Prompting
from ragloom.enrich.replies import shorten, string_items
from ragloom.ingest.context import IngestContext
from ragloom.providers.chat import ChatMessage, GenerationOptions

TEMPERATURE = 0.2
"""Low, as RAGFlow asks for keywords and questions: the answers should follow the text."""


def string_array_schema(count: int) -> dict[str, Any]:
    """The JSON schema of an array of 1..``count`` strings (the built-in model is held to it)."""
    return {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": count}


def wanted_count(config: Any, key: str) -> int:
    """An ``auto_*`` setting as a count (0 when unset or not a whole number)."""
    value = config.get(key, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def with_text(job: EnrichmentJob) -> list[int]:
    """Positions of the job's chunks that have text to read."""
    return [number for number, chunk in enumerate(job.chunks) if chunk.content.strip()]


def item_reader(count: int, *, lines_only: bool, longest: int) -> Callable[[str], list[str]]:
    """Reads an answer into at most ``count`` items of at most ``longest`` characters."""

    def read(reply: str) -> list[str]:
        items = [item for item in string_items(reply, lines_only=lines_only) if len(item) <= longest][:count]
        if not items:
            raise UnreadableReplyError(f"no usable items in its answer {shorten(reply)!r}")
        return items

    return read


def ask_each_chunk(
    job: EnrichmentJob,
    model: EnrichmentModel,
    context: IngestContext,
    prompting: Prompting,
    instruction: tuple[str, str],
    read: Callable[[str], list[str]],
) -> dict[int, list[str]]:
    """Ask about every chunk with text; the readable answers by chunk position.

    ``instruction`` is the system prompt and the request that follows the chunk's text."""
    system, request = instruction
    positions = with_text(job)
    asks = []
    for number in positions:
        text = model.fit(job.chunks[number].content)
        user = f"Passage:\n<<<\n{text}\n>>>\n\n{request}"
        asks.append(Ask(text, (ChatMessage("system", system), ChatMessage("user", user))))
    answers = model.ask_all(prompting, asks, read, context)
    return {number: answer for number, answer in zip(positions, answers, strict=True) if answer}


def prompting_for(name: str, instruction: tuple[str, str], count: int, tokens_per_item: int) -> Prompting:
    """The prompting of a per-chunk enricher asking for ``count`` items."""
    return Prompting(
        name,
        {"system": instruction[0], "request": instruction[1], "count": count},
        GenerationOptions(
            temperature=TEMPERATURE, max_tokens=16 + tokens_per_item * count, json_schema=string_array_schema(count)
        ),
    )


def merged(existing: list[str], new: list[str]) -> list[str]:
    """``existing`` items first (a chunker's own), then the new ones, without repeats."""
    return list(dict.fromkeys([*existing, *new]))
