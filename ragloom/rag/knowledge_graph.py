"""Knowledge graphs at query time: the ``/graph`` view, and what ``use_kg`` adds to a retrieval.

``use_kg`` composes one piece of text from the graph records a question matches (scored by
:mod:`ragloom.rag.scoring` like chunks), as RAGFlow's knowledge-graph retrieval does:

1. The best-scoring entities (:data:`ENTITY_LIMIT`) and relations (:data:`RELATION_LIMIT`).
2. Their neighbourhood: entities up to :data:`HOPS` relations away from a matched entity, scored
   as the entity they were reached from divided by ``hops + 1``, with the relations on the way
   (scored likewise) — so a fact the graph connects across documents is there even when the
   question names only one end of it.
3. The community reports holding the most of those entities (:data:`COMMUNITY_LIMIT`), or that
   the question matched itself.
4. A CSV table of entities (``Entity,Score,Description``), one of relations
   (``From Entity,To Entity,Score,Description``) and the reports, under RAGFlow's headings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ragloom.storage.index import ChunkRecord, GraphPart

NODE_LIMIT = 256
EDGE_LIMIT = 128
ENTITY_LIMIT = 6
RELATION_LIMIT = 6
COMMUNITY_LIMIT = 1
HOPS = 2
DESCRIPTION_CHARACTERS = 600
KNOWLEDGE_GRAPH_NAME = "Related content in Knowledge Graph"
"""The document name of the piece ``use_kg`` adds (RAGFlow's)."""


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def graph_view(records: Sequence[ChunkRecord]) -> dict[str, Any]:
    """RAGFlow's ``/graph``: the :data:`NODE_LIMIT` entities of highest PageRank and the
    :data:`EDGE_LIMIT` heaviest relations between them."""
    entities = sorted(
        (record for record in records if record.graph is not None and record.graph.part is GraphPart.ENTITY),
        key=lambda record: (-(record.graph.rank if record.graph else 0.0), record.graph.name if record.graph else ""),
    )[:NODE_LIMIT]
    nodes = []
    kept = set()
    for record in entities:
        fields = record.graph
        assert fields is not None
        kept.add(_key(fields.name))
        nodes.append(
            {
                "id": fields.name,
                "entity_name": fields.name,
                "entity_type": fields.entity_type,
                "description": record.content,
                "pagerank": fields.rank,
                "source_id": list(fields.document_ids),
            }
        )
    relations = [
        record
        for record in records
        if record.graph is not None
        and record.graph.part is GraphPart.RELATION
        and _key(record.graph.source) in kept
        and _key(record.graph.target) in kept
    ]
    relations.sort(key=lambda record: -(record.graph.weight if record.graph else 0.0))
    edges = []
    for record in relations[:EDGE_LIMIT]:
        fields = record.graph
        assert fields is not None
        edges.append(
            {
                "source": fields.source,
                "target": fields.target,
                "description": record.content,
                "weight": fields.weight,
                "keywords": list(fields.keywords),
                "source_id": list(fields.document_ids),
            }
        )
    return {"directed": False, "nodes": nodes, "edges": edges}


@dataclass(frozen=True)
class ScoredRecord:
    """A graph record the question matched, with its hybrid similarity."""

    record: ChunkRecord
    similarity: float


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= DESCRIPTION_CHARACTERS else flat[: DESCRIPTION_CHARACTERS - 1] + "…"


def _best(matched: Sequence[ScoredRecord], part: GraphPart, limit: int) -> list[ScoredRecord]:
    found = [hit for hit in matched if hit.record.graph is not None and hit.record.graph.part is part]
    return sorted(found, key=lambda hit: -hit.similarity)[:limit]


def knowledge_text(matched: Sequence[ScoredRecord], graph: Sequence[ChunkRecord]) -> str | None:
    """The text ``use_kg`` adds (see the module docstring); ``None`` when the question matched nothing."""
    entity_of = {
        _key(record.graph.name): record
        for record in graph
        if record.graph is not None and record.graph.part is GraphPart.ENTITY
    }
    relations = [record for record in graph if record.graph is not None and record.graph.part is GraphPart.RELATION]
    neighbours: dict[str, list[tuple[str, ChunkRecord]]] = {}
    for record in relations:
        assert record.graph is not None
        source, target = _key(record.graph.source), _key(record.graph.target)
        neighbours.setdefault(source, []).append((target, record))
        neighbours.setdefault(target, []).append((source, record))

    entity_scores: dict[str, float] = {}
    relation_scores: dict[str, tuple[float, ChunkRecord]] = {}
    for hit in _best(matched, GraphPart.ENTITY, ENTITY_LIMIT):
        assert hit.record.graph is not None
        entity_scores[_key(hit.record.graph.name)] = hit.similarity
    for hit in _best(matched, GraphPart.RELATION, RELATION_LIMIT):
        relation_scores[hit.record.id] = (hit.similarity, hit.record)
        assert hit.record.graph is not None
        for name in (hit.record.graph.source, hit.record.graph.target):
            entity_scores.setdefault(_key(name), hit.similarity / 2)
    frontier = dict(entity_scores)
    for hop in range(1, HOPS + 1):
        reached: dict[str, float] = {}
        for key, score in frontier.items():
            for other, record in neighbours.get(key, []):
                decayed = score / (hop + 1)
                if relation_scores.get(record.id, (0.0, record))[0] < decayed:
                    relation_scores[record.id] = (decayed, record)
                if other not in entity_scores and reached.get(other, 0.0) < decayed:
                    reached[other] = decayed
        entity_scores.update(reached)
        frontier = reached
    if not entity_scores and not relation_scores:
        return None

    sections = []
    rows = [
        (entity_of[key].graph.name if entity_of[key].graph else key, score, _short(entity_of[key].content))  # type: ignore[union-attr]
        for key, score in sorted(entity_scores.items(), key=lambda item: -item[1])
        if key in entity_of
    ]
    if rows:
        sections.append("---- Entities ----\n" + _table(("Entity", "Score", "Description"), rows))
    relation_rows = []
    for score, record in sorted(relation_scores.values(), key=lambda item: -item[0]):
        assert record.graph is not None
        relation_rows.append((record.graph.source, record.graph.target, score, _short(record.content)))
    if relation_rows:
        sections.append(
            "---- Relations ----\n" + _table(("From Entity", "To Entity", "Score", "Description"), relation_rows)
        )
    reports = _communities(matched, graph, set(entity_scores))
    if reports:
        sections.append("---- Community Report ----\n" + "\n\n".join(record.content for record in reports))
    return "\n\n".join(sections)


def _communities(
    matched: Sequence[ScoredRecord], graph: Sequence[ChunkRecord], entities: set[str]
) -> list[ChunkRecord]:
    """The reports holding the most of ``entities`` (then the highest ranked), and those matched."""
    direct = [hit.record for hit in _best(matched, GraphPart.COMMUNITY, COMMUNITY_LIMIT)]
    scored = []
    for record in graph:
        if record.graph is None or record.graph.part is not GraphPart.COMMUNITY:
            continue
        shared = sum(1 for member in record.graph.members if _key(member) in entities)
        if shared:
            scored.append((shared, record.graph.rank, record))
    scored.sort(key=lambda item: (-item[0], -item[1]))
    chosen = {record.id: record for record in direct}
    for _shared, _rank, record in scored[:COMMUNITY_LIMIT]:
        chosen.setdefault(record.id, record)
    return list(chosen.values())


def _table(header: tuple[str, ...], rows: Sequence[tuple[Any, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([f"{value:.2f}" if isinstance(value, float) else value for value in row])
    return out.getvalue().rstrip("\n")
