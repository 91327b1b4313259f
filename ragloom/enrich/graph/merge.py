"""One dataset's graph from what was read in its batches: merged entities and relations, optional
entity resolution, PageRank and communities (networkx).

- Entities merge by name, case and whitespace folded (:func:`entity_key`): the first spelling
  met (in document order) names the entity, its type is the most frequent one given, and its
  descriptions and sources are the union of all, in order.
- Relations are undirected: ``A–B`` and ``B–A`` merge; their weights add up, descriptions and
  keywords are united. A relation naming an entity that no batch listed is dropped, as is one
  from an entity to itself.
- ``resolution`` merges entities of one type whose folded names differ only by punctuation, or
  are at least :data:`RESOLUTION_SIMILARITY` alike (difflib), into the better-connected one — no
  model calls.
- PageRank (weighted) ranks the entities; Louvain communities (weighted, seeded) group them when
  ``community`` is asked for.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ragloom.enrich.graph.extraction import Extraction, Relation

if TYPE_CHECKING:  # networkx takes a tenth of a second to import: only building a graph needs it
    import networkx as nx

RESOLUTION_SIMILARITY = 0.9
DAMPING = 0.85
MAX_ITERATIONS = 100
MAX_DESCRIPTIONS = 8
"""Most descriptions an entity or relation keeps (the first ones met)."""
_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)


def entity_key(name: str) -> str:
    """An entity's identity: its name case-folded with whitespace collapsed."""
    return " ".join(name.split()).casefold()


@dataclass
class MergedEntity:
    name: str
    types: Counter[str] = field(default_factory=Counter)
    descriptions: list[str] = field(default_factory=list)
    chunk_ids: list[str] = field(default_factory=list)
    document_ids: list[str] = field(default_factory=list)
    rank: float = 0.0

    @property
    def entity_type(self) -> str:
        return self.types.most_common(1)[0][0] if self.types else ""

    @property
    def description(self) -> str:
        return "\n".join(self.descriptions)


@dataclass
class MergedRelation:
    source: str  # entity keys, in the order first met
    target: str
    weight: float = 0.0
    descriptions: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    chunk_ids: list[str] = field(default_factory=list)
    document_ids: list[str] = field(default_factory=list)

    @property
    def description(self) -> str:
        return "\n".join(self.descriptions)


@dataclass
class MergedGraph:
    """Entities by key, relations by their (sorted) pair of keys, communities as lists of keys."""

    entities: dict[str, MergedEntity] = field(default_factory=dict)
    relations: dict[tuple[str, str], MergedRelation] = field(default_factory=dict)
    communities: list[list[str]] = field(default_factory=list)

    def networkx(self) -> nx.Graph:
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(self.entities)
        for relation in self.relations.values():
            graph.add_edge(relation.source, relation.target, weight=max(relation.weight, 1e-6))
        return graph


def _add(values: list[str], new: Sequence[str], limit: int | None = None) -> None:
    for value in new:
        if value and value not in values and (limit is None or len(values) < limit):
            values.append(value)


def merge(extractions: Sequence[Extraction], *, cooccurrence: bool = False) -> MergedGraph:
    """The merged graph of ``extractions`` (see the module docstring); with ``cooccurrence``, entities
    named in the same batch are related, weight one per batch."""
    graph = MergedGraph()
    for extraction in extractions:
        batch = extraction.batch
        for entity in extraction.entities:
            key = entity_key(entity.name)
            merged = graph.entities.setdefault(key, MergedEntity(" ".join(entity.name.split())))
            if entity.entity_type:
                merged.types[entity.entity_type] += 1
            _add(merged.descriptions, [entity.description], MAX_DESCRIPTIONS)
            _add(merged.chunk_ids, batch.chunk_ids)
            _add(merged.document_ids, [batch.document_id])
    for extraction in extractions:
        batch = extraction.batch
        pairs: list[tuple[str, str, Relation | None]] = [
            (relation.source, relation.target, relation) for relation in extraction.relations
        ]
        if cooccurrence:
            names = list(dict.fromkeys(entity_key(entity.name) for entity in extraction.entities))
            pairs.extend((first, second, None) for place, first in enumerate(names) for second in names[place + 1 :])
        for source_name, target_name, relation in pairs:
            source, target = entity_key(source_name), entity_key(target_name)
            if source == target or source not in graph.entities or target not in graph.entities:
                continue
            pair = (source, target) if source < target else (target, source)
            merged_relation = graph.relations.setdefault(pair, MergedRelation(source, target))
            merged_relation.weight += relation.weight if relation is not None else 1.0
            if relation is not None:
                _add(merged_relation.descriptions, [relation.description], MAX_DESCRIPTIONS)
                _add(merged_relation.keywords, relation.keywords)
            _add(merged_relation.chunk_ids, batch.chunk_ids)
            _add(merged_relation.document_ids, [batch.document_id])
    return graph


def _alike(first: str, second: str) -> bool:
    if _PUNCTUATION.sub("", first) == _PUNCTUATION.sub("", second):
        return True
    return difflib.SequenceMatcher(None, first, second).ratio() >= RESOLUTION_SIMILARITY


def resolve(graph: MergedGraph) -> int:
    """Merge near-duplicate entities of one type (see the module docstring); returns how many went."""
    degree = Counter[str]()
    for source, target in graph.relations:
        degree[source] += 1
        degree[target] += 1
    into: dict[str, str] = {}
    keys = sorted(graph.entities, key=lambda key: (-degree[key], key))
    for place, keep in enumerate(keys):
        if keep in into:
            continue
        for other in keys[place + 1 :]:
            if other in into or graph.entities[other].entity_type != graph.entities[keep].entity_type:
                continue
            if _alike(keep, other):
                into[other] = keep
    for gone, kept in into.items():
        entity, survivor = graph.entities.pop(gone), graph.entities[kept]
        survivor.types.update(entity.types)
        _add(survivor.descriptions, entity.descriptions, MAX_DESCRIPTIONS)
        _add(survivor.chunk_ids, entity.chunk_ids)
        _add(survivor.document_ids, entity.document_ids)
    if into:
        relations = list(graph.relations.values())
        graph.relations = {}
        for relation in relations:
            source, target = into.get(relation.source, relation.source), into.get(relation.target, relation.target)
            if source == target:
                continue
            pair = (source, target) if source < target else (target, source)
            merged = graph.relations.setdefault(pair, MergedRelation(source, target))
            merged.weight += relation.weight
            _add(merged.descriptions, relation.descriptions, MAX_DESCRIPTIONS)
            _add(merged.keywords, relation.keywords)
            _add(merged.chunk_ids, relation.chunk_ids)
            _add(merged.document_ids, relation.document_ids)
    return len(into)


def pagerank(graph: nx.Graph, damping: float = DAMPING, tolerance: float = 1e-10) -> dict[str, float]:
    """Weighted PageRank by power iteration with numpy, as networkx's ``pagerank`` defines it
    (which needs scipy, a large dependency for one sparse product): a node's rank flows to its
    neighbours in proportion to the edges' weights, a node with no edges spreads it evenly."""
    import numpy as np

    nodes = list(graph.nodes)
    count = len(nodes)
    if not count:
        return {}
    import networkx as nx

    matrix = nx.to_numpy_array(graph, nodelist=nodes, weight="weight", dtype=float)
    out = matrix.sum(axis=1)
    dangling = out == 0
    transition = np.divide(matrix, out[:, None], out=np.zeros_like(matrix), where=~dangling[:, None])
    ranks = np.full(count, 1.0 / count)
    for _ in range(MAX_ITERATIONS):
        previous = ranks
        ranks = damping * (previous @ transition + previous[dangling].sum() / count) + (1 - damping) / count
        if np.abs(ranks - previous).sum() < count * tolerance:
            break
    return {node: float(value) for node, value in zip(nodes, ranks, strict=True)}


def rank(graph: MergedGraph) -> None:
    """Give every entity its weighted PageRank."""
    scores = pagerank(graph.networkx())
    for key, entity in graph.entities.items():
        entity.rank = scores.get(key, 0.0)


def find_communities(graph: MergedGraph, seed: int) -> None:
    """Group the entities into Louvain communities of two or more, largest first."""
    import networkx as nx

    found = nx.community.louvain_communities(graph.networkx(), weight="weight", seed=seed)
    groups = [sorted(group, key=lambda key: (-graph.entities[key].rank, key)) for group in found if len(group) > 1]
    graph.communities = sorted(groups, key=lambda group: (-len(group), group[0]))
