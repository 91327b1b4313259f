"""What the per-chunk enrichers (keywords, questions) share: one model call per chunk with text,
answered with a JSON array of strings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ragloom.enrich.errors import UnreadableReplyError
from ragloom.enrich.job import EnrichmentJob
from ragloom.enrich.model_calls import Ask, EnrichmentModel, Prompting
from ragloom.enrich.protocol import Phase
from ragloom.enrich.replies import shorten, string_items
from ragloom.ingest.context import IngestContext
from ragloom.providers.chat import ChatMessage, GenerationOptions
from ragloom.storage.index import ChunkRecord

TEMPERATURE = 0.2
"""Low, as RAGFlow asks for keywords and questions: the answers should follow the text."""


def string_array_schema(count: int, longest: int) -> dict[str, Any]:
    """The JSON schema of an array of 1..``count`` strings of at most ``longest`` characters (the
    built-in model is held to it; the bounds keep a small model from writing one endless string)."""
    return {"type": "array", "items": {"type": "string", "maxLength": longest}, "minItems": 1, "maxItems": count}


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


def prompting_for(name: str, instruction: tuple[str, str], count: int, asked: ItemsAsked) -> Prompting:
    """The prompting of a per-chunk enricher asking for ``count`` items."""
    return Prompting(
        name,
        {"system": instruction[0], "request": instruction[1], "count": count},
        GenerationOptions(
            temperature=TEMPERATURE,
            max_tokens=16 + asked.tokens_per_item * count,
            json_schema=string_array_schema(count, asked.longest),
        ),
    )


def merged(existing: list[str], new: list[str]) -> list[str]:
    """``existing`` items first (a chunker's own), then the new ones, without repeats."""
    return list(dict.fromkeys([*existing, *new]))


@dataclass(frozen=True)
class ItemsAsked:
    """What a per-chunk enricher asks for: its setting (the count), its prompt, how to read the answer."""

    setting: str
    system: str
    request: Callable[[int], str]
    lines_only: bool  # items are whole lines (questions hold commas)
    longest: int  # characters; a longer item is junk
    tokens_per_item: int  # the answer's token budget per item
    noun: str  # what the log line calls the items


class ChunkItemsEnricher:
    """A list of items per chunk with text, one model call each; :meth:`apply` stores a chunk's items."""

    phase = Phase.BEFORE_EMBEDDING

    def __init__(self, asked: ItemsAsked) -> None:
        self._asked = asked

    @property
    def name(self) -> str:
        return self._asked.setting

    def requested(self, config: Mapping[str, Any]) -> bool:
        return wanted_count(config, self._asked.setting) > 0

    def planned_calls(self, job: EnrichmentJob) -> int:
        return len(with_text(job))

    def apply(self, chunk: ChunkRecord, items: list[str]) -> None:
        raise NotImplementedError

    def run(self, job: EnrichmentJob, model: EnrichmentModel, context: IngestContext) -> str:
        asked = self._asked
        count = wanted_count(job.config, asked.setting)
        instruction = (asked.system, asked.request(count))
        reader = item_reader(count, lines_only=asked.lines_only, longest=asked.longest)
        prompting = prompting_for(asked.setting, instruction, count, asked)
        found = ask_each_chunk(job, model, context, prompting, instruction, reader)
        for number, items in found.items():
            self.apply(job.chunks[number], items)
        return f"{asked.noun} for {len(found)} of {len(job.chunks)} chunks from {model.model_id}."
