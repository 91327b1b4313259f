"""Reading entities and relations out of a dataset's chunks with a chat model.

1. Each document's listed chunks are grouped, in order, into batches of at most
   ``batch_chunk_token_size`` tokens (a chunk larger than that is a batch of its own, cut to fit).
2. Each batch is one :class:`~ragloom.enrich.model_calls.Ask` (cached by the batch's text, so a
   rebuild pays only for batches whose text changed) asking for JSON entities of the configured
   types and the relations between them; ``general`` asks once more per batch for what the first
   answer missed; ``ner`` asks for entities only (see :class:`~ragloom.enrich.graph.settings.Method`).
3. Answers are read leniently (fenced JSON, other key spellings); an item without a name is skipped.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ragloom.enrich.errors import UnreadableReplyError
from ragloom.enrich.graph.settings import GraphSettings, Method
from ragloom.enrich.model_calls import Ask, EnrichmentModel, Prompting
from ragloom.enrich.replies import json_value, shorten
from ragloom.ingest.context import IngestContext
from ragloom.nlp import count_tokens
from ragloom.providers.chat import ChatMessage, GenerationOptions
from ragloom.storage.index import ChunkRecord

ENRICHER = "graph"
"""The name graph calls are cached and counted under."""
ANSWER_TOKENS = 2048
MAX_WEIGHT = 10.0
SALVAGE_TRIES = 200

SYSTEM = (
    "You build a knowledge graph from text. Find the named entities of the requested types and the "
    "relations between them that the text states. Answer with JSON only: "
    '{"entities": [{"name": str, "type": str, "description": str}], '
    '"relations": [{"source": str, "target": str, "description": str, "keywords": [str], "weight": 1-10}]}. '
    "Descriptions are one sentence taken from the text; weight is how strongly the text ties the two."
)
GLEAN_SYSTEM = (
    "You check a knowledge graph extracted from text. Answer with JSON only, in the same form, "
    "holding only the entities and relations the text states that the extraction missed "
    '({"entities": [], "relations": []} when nothing is missing).'
)
NER_SYSTEM = (
    "You find named entities in text. Answer with JSON only: "
    '{"entities": [{"name": str, "type": str, "description": str}]}, '
    "with a one-sentence description of each entity taken from the text."
)

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "entities": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "type": {"type": "string"},
                    "description": {"type": "string"},
                },
                "required": ["name", "type", "description"],
            },
        },
        "relations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "source": {"type": "string"},
                    "target": {"type": "string"},
                    "description": {"type": "string"},
                    "keywords": {"type": "array", "items": {"type": "string"}},
                    "weight": {"type": "number"},
                },
                "required": ["source", "target", "description"],
            },
        },
    },
    "required": ["entities", "relations"],
}


@dataclass(frozen=True)
class Batch:
    """Consecutive chunks of one document asked about together."""

    document_id: str
    chunk_ids: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Entity:
    name: str
    entity_type: str
    description: str


@dataclass(frozen=True)
class Relation:
    source: str
    target: str
    description: str
    keywords: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class Extraction:
    """What the model read in one batch."""

    batch: Batch
    entities: tuple[Entity, ...]
    relations: tuple[Relation, ...]


def batches(chunks: Sequence[ChunkRecord], limit: int, model: EnrichmentModel) -> list[Batch]:
    """``chunks`` (in document order, any documents) grouped per document into batches of at most
    ``limit`` tokens."""
    grouped: list[Batch] = []
    texts: list[str] = []
    ids: list[str] = []
    tokens = 0
    document = ""

    def close() -> None:
        if ids:
            grouped.append(Batch(document, tuple(ids), "\n\n".join(texts)))
        texts.clear()
        ids.clear()

    for chunk in chunks:
        text = model.fit(chunk.content, limit)
        size = count_tokens(text)
        if chunk.document_id != document or (ids and tokens + size > limit):
            close()
            document, tokens = chunk.document_id, 0
        texts.append(text)
        ids.append(chunk.id)
        tokens += size
    close()
    return grouped


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, str | int | float) else ""


def _first(item: dict[str, Any], *keys: str) -> str:
    return next((_text(item[key]) for key in keys if key in item and _text(item[key])), "")


def _items(value: dict[str, Any], *keys: str) -> list[dict[str, Any]]:
    found: list[Any] = next((value[key] for key in keys if isinstance(value.get(key), list)), [])
    return [item for item in found if isinstance(item, dict)]


def _weight(value: Any) -> float:
    try:
        weight = float(value)
    except (TypeError, ValueError):
        return 1.0
    return min(max(weight, 0.0), MAX_WEIGHT) if weight == weight else 1.0


def _closers(piece: str) -> str | None:
    """What closes the brackets ``piece`` leaves open (``None``: it ends inside a string or is unbalanced)."""
    stack: list[str] = []
    in_string = escaped = False
    for character in piece:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "{[":
            stack.append("}" if character == "{" else "]")
        elif character in "}]" and (not stack or stack.pop() != character):
            return None
    return None if in_string else "".join(reversed(stack))


def _salvaged(answer: str) -> Any:
    """The complete items of an answer cut off mid-way (the model reached its token limit): the
    longest prefix ending with an item's ``}`` whose open brackets can be closed."""
    start = answer.find("{")
    text = answer[start:] if start >= 0 else ""
    ends = [place for place, character in enumerate(text) if character == "}"]
    for end in reversed(ends[-SALVAGE_TRIES:]):
        closers = _closers(text[: end + 1])
        if closers is None:
            continue
        try:
            return json.loads(text[: end + 1] + closers)
        except ValueError:
            continue
    raise UnreadableReplyError(f"an answer that is not JSON: {shorten(answer)!r}")


def read_answer(answer: str) -> dict[str, Any]:
    """The entities and relations of an answer as JSON-able lists (what the cache keeps); of an
    answer cut off mid-way, the items it completed."""
    try:
        value = json_value(answer)
    except UnreadableReplyError:
        value = _salvaged(answer)
    if isinstance(value, list) and -1 < answer.find("{") < answer.find("["):
        # a list found inside an object that was cut off: the object's complete items are better
        with contextlib.suppress(UnreadableReplyError):
            value = _salvaged(answer)
    if isinstance(value, list):  # entities only, as a bare list
        value = {"entities": value}
    if not isinstance(value, dict) or not any(
        key in value for key in ("entities", "nodes", "relations", "relationships", "edges")
    ):
        raise UnreadableReplyError(f"an answer without entities: {shorten(answer)!r}")
    entities = []
    for item in _items(value, "entities", "nodes"):
        name = _first(item, "name", "entity_name", "entity", "id")
        if name:
            kind = _first(item, "type", "entity_type", "category").lower()
            entities.append({"name": name, "type": kind, "description": _first(item, "description", "desc")})
    relations = []
    for item in _items(value, "relations", "relationships", "edges"):
        source = _first(item, "source", "src", "from", "source_entity")
        target = _first(item, "target", "tgt", "to", "target_entity")
        if source and target:
            words = item.get("keywords", [])
            keywords = [_text(word) for word in words] if isinstance(words, list) else _text(words).split(",")
            relations.append(
                {
                    "source": source,
                    "target": target,
                    "description": _first(item, "description", "desc", "relation"),
                    "keywords": [word.strip() for word in keywords if word.strip()],
                    "weight": _weight(item.get("weight", item.get("strength", 1.0))),
                }
            )
    return {"entities": entities, "relations": relations}


def _extraction(batch: Batch, found: dict[str, Any] | None) -> Extraction:
    if not found:
        return Extraction(batch, (), ())
    entities = tuple(Entity(item["name"], item["type"], item["description"]) for item in found["entities"])
    relations = tuple(
        Relation(item["source"], item["target"], item["description"], tuple(item["keywords"]), float(item["weight"]))
        for item in found["relations"]
    )
    return Extraction(batch, entities, relations)


def _user(settings: GraphSettings, text: str) -> str:
    return f"Entity types: {', '.join(settings.entity_types)}\n\nText:\n{text}"


def extract(
    found: Sequence[Batch], settings: GraphSettings, model: EnrichmentModel, context: IngestContext
) -> list[Extraction]:
    """Ask the model about every batch (see the module docstring); one :class:`Extraction` per batch."""
    if not found:
        return []
    system = NER_SYSTEM if settings.method is Method.NER else SYSTEM
    prompting = Prompting(
        ENRICHER,
        {"system": system, "entity_types": list(settings.entity_types)},
        GenerationOptions(temperature=0.0, max_tokens=ANSWER_TOKENS, json_schema=SCHEMA),
    )
    asks = [
        Ask(batch.text, (ChatMessage("system", system), ChatMessage("user", _user(settings, batch.text))))
        for batch in found
    ]
    first_stage = context.stage(0.0, 0.5 if settings.method is Method.GENERAL else 1.0)
    answers = model.ask_all(prompting, asks, read_answer, first_stage)
    results = [_extraction(batch, answer) for batch, answer in zip(found, answers, strict=True)]
    if settings.method is not Method.GENERAL:
        return results
    glean = Prompting(ENRICHER, {**prompting.settings, "system": GLEAN_SYSTEM}, prompting.options)
    follow_ups = []
    for batch, answer in zip(found, answers, strict=True):
        shown = json.dumps(answer or {"entities": [], "relations": []}, ensure_ascii=False)
        user = f"{_user(settings, batch.text)}\n\nExtracted so far:\n{shown}"
        follow_ups.append(
            Ask(f"{batch.text}\n\n{shown}", (ChatMessage("system", GLEAN_SYSTEM), ChatMessage("user", user)))
        )
    more = model.ask_all(glean, follow_ups, read_answer, context.stage(0.5, 1.0))
    return [
        *results,
        *(_extraction(batch, answer) for batch, answer in zip(found, more, strict=True) if answer),
    ]
