"""``toc_extraction``: a document's table of contents, each heading with the chunks of its section.

The model reads the opening words of every chunk, numbered, a window of chunks per call (a long
document takes several calls), and names each heading, its level and the chunk its section starts
at. A section runs until the next heading of the same or a higher level. Retrieval's
``toc_enhance`` uses the result (:mod:`ragloom.rag.toc`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ragloom.enrich.errors import UnreadableReplyError
from ragloom.enrich.job import EnrichmentJob, TocEntry
from ragloom.enrich.model_calls import Ask, EnrichmentModel, Prompting
from ragloom.enrich.protocol import Phase
from ragloom.enrich.replies import json_value, shorten
from ragloom.ingest.context import IngestContext
from ragloom.nlp import count_tokens
from ragloom.providers.chat import ChatMessage, GenerationOptions

SETTING = "toc_extraction"
EXCERPT_TOKENS = 40
"""How much of each chunk the model sees: headings open their sections."""
WINDOW_TOKENS = 2400
"""How many tokens of excerpts one call reads."""
DEEPEST = 6
SYSTEM = "You read the opening words of a document's chunks and write the document's table of contents."
REQUEST = (
    "Write the table of contents of this document: its headings, in order. Answer with a JSON array and "
    'nothing else, one object per heading: {"title": the heading, "level": 1 for a top-level section, 2 for a '
    'subsection, 3 below that, "chunk": the number of the chunk where the section starts}.'
)
LONGEST_TITLE = 120
MOST_HEADINGS = 48
"""Per window; the bounds keep a small model from writing one endless answer."""
SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "maxLength": LONGEST_TITLE},
            "level": {"type": "integer"},
            "chunk": {"type": "integer"},
        },
        "required": ["title", "level", "chunk"],
    },
    "maxItems": MOST_HEADINGS,
}


@dataclass(frozen=True)
class Heading:
    """A heading as the model named it: where its section starts (chunk position)."""

    title: str
    level: int
    start: int


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().strip("[]").isdigit():
        return int(value.strip().strip("[]"))
    return None


def read_headings(reply: str) -> list[dict[str, Any]]:
    """The headings of an answer, as ``{"title", "level", "chunk"}``; unreadable without any."""
    value = json_value(reply)
    if isinstance(value, dict):
        value = next((item for item in value.values() if isinstance(item, list)), [])
    headings = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        title = str(item.get("title") or "").strip()
        start = _whole_number(item.get("chunk", item.get("start")))
        level = _whole_number(item.get("level")) or 1
        if title and start is not None:
            headings.append({"title": title, "level": min(max(level, 1), DEEPEST), "chunk": start})
    if not headings:
        raise UnreadableReplyError(f"no headings in its answer {shorten(reply)!r}")
    return headings


def excerpt(text: str) -> str:
    """A chunk's opening words on one line."""
    words = " ".join(text.split())
    cut = words[: EXCERPT_TOKENS * 6]
    while cut and count_tokens(cut) > EXCERPT_TOKENS:
        cut = cut[: int(len(cut) * 0.8)]
    return cut


def windows(job: EnrichmentJob) -> list[tuple[range, str]]:
    """The chunk ranges one call reads each, with their numbered excerpts."""
    result: list[tuple[range, str]] = []
    lines: list[str] = []
    first, used = 0, 0
    for number, chunk in enumerate(job.chunks):
        line = f"[{number}] {excerpt(chunk.content)}"
        size = count_tokens(line)
        if lines and used + size > WINDOW_TOKENS:
            result.append((range(first, number), "\n".join(lines)))
            lines, first, used = [], number, 0
        lines.append(line)
        used += size
    if lines:
        result.append((range(first, len(job.chunks)), "\n".join(lines)))
    return result


def sections(headings: list[Heading], chunk_ids: list[str]) -> list[TocEntry]:
    """Entries whose section runs from the heading's chunk to the next heading at its level or above."""
    ordered = sorted(enumerate(headings), key=lambda pair: (pair[1].start, pair[0]))
    entries = []
    for place, (_order, heading) in enumerate(ordered):
        end = len(chunk_ids)
        for _later, other in ordered[place + 1 :]:
            if other.level <= heading.level and other.start > heading.start:
                end = other.start
                break
        entries.append(TocEntry(heading.level, heading.title, tuple(chunk_ids[heading.start : end])))
    return entries


class TocEnricher:
    """A table of contents per document, one model call per window of chunks."""

    name = SETTING
    phase = Phase.BEFORE_EMBEDDING

    def requested(self, config: Mapping[str, Any]) -> bool:
        return bool(config.get(SETTING))

    def planned_calls(self, job: EnrichmentJob) -> int:
        return len(windows(job))

    def run(self, job: EnrichmentJob, model: EnrichmentModel, context: IngestContext) -> str:
        parts = windows(job)
        asks = []
        for _span, text in parts:
            user = f'The chunks of "{job.document_name}", each as its number in brackets and its opening words:\n\n'
            asks.append(Ask(text, (ChatMessage("system", SYSTEM), ChatMessage("user", f"{user}{text}\n\n{REQUEST}"))))
        prompting = Prompting(
            SETTING, {"system": SYSTEM, "request": REQUEST}, GenerationOptions(temperature=0.0, json_schema=SCHEMA)
        )
        answers = model.ask_all(prompting, asks, read_headings, context)
        headings = [
            Heading(item["title"], item["level"], item["chunk"])
            for (span, _text), answer in zip(parts, answers, strict=True)
            for item in answer or []
            if item["chunk"] in span
        ]
        job.toc = sections(headings, [chunk.id for chunk in job.chunks])
        return f"Table of contents of {len(job.toc)} headings from {model.model_id}."
