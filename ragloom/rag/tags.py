"""Tag features, as RAGFlow computes them.

A dataset can name *tag datasets* (``parser_config.tag_kb_ids``): datasets chunked with the
``tag`` method, whose chunks are example texts labelled with tags. Text (a chunk at
ingestion, a question at retrieval) is tagged by searching the tag datasets for it and
counting the tags of what matches; a tag scores higher the more often it matches compared
with how common it is overall::

    weight(tag) = 0.1 * (matches(tag) + 1) / (all matches + S) / share(tag)
    share(tag)  = (tag's chunks + 1) / (all tag chunks + S)          with S = 1000

The ``topn_tags`` best tags are kept. At retrieval a chunk gains ``10 * cosine(question's
tags, chunk's tags)`` on top of its similarity.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from ragloom.storage.index import ChunkIndex, ChunkRecord
from ragloom.storage.metadata import MetadataStore

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np

SMOOTHING = 1000
MATCH_LIMIT = 256
TAG_FEATURE_SCALE = 10.0
DEFAULT_TOP_TAGS = 3


def tag_dataset_ids(configs: Sequence[Mapping[str, object]]) -> list[str]:
    """The tag datasets named by any of these parser configs."""
    found: list[str] = []
    for config in configs:
        ids = config.get("tag_kb_ids")
        if isinstance(ids, list):
            found.extend(str(item) for item in ids if item)
    return list(dict.fromkeys(found))


def top_tags(configs: Sequence[Mapping[str, object]]) -> int:
    values = [config.get("topn_tags") for config in configs]
    numbers = [value for value in values if isinstance(value, int) and not isinstance(value, bool) and value > 0]
    return max(numbers) if numbers else DEFAULT_TOP_TAGS


class Tagger:
    """Tags text against a set of tag datasets (their tag statistics are read once).

    Only the tag datasets of ``tenant_id`` are used: a dataset may name any id in
    ``tag_kb_ids``, and another tenant's tags must neither reach its chunks nor show.
    """

    def __init__(
        self, store: MetadataStore, index: ChunkIndex, tag_datasets: Collection[str], *, tenant_id: str
    ) -> None:
        self._index = index
        with store.reading() as tx:
            owned = tx.datasets.owned_ids(tenant_id, list(tag_datasets))
        self._datasets = [dataset_id for dataset_id in dict.fromkeys(tag_datasets) if dataset_id in owned]
        counts = index.tag_counts(self._datasets)
        total = sum(count for _tag, count in counts)
        self._shares = {tag: (count + 1) / (total + SMOOTHING) for tag, count in counts}

    @property
    def datasets(self) -> list[str]:
        """The tag datasets in use (those of the tenant)."""
        return list(self._datasets)

    @property
    def usable(self) -> bool:
        return bool(self._shares)

    def tags(self, terms: Sequence[str], limit: int) -> dict[str, float]:
        """The ``limit`` best tags for text analysed into ``terms`` (empty if nothing matches)."""
        if not self._shares or not terms:
            return {}
        hits = self._index.search_text(self._datasets, terms, limit=MATCH_LIMIT)
        counts: Counter[str] = Counter()
        by_dataset: dict[str, list[str]] = {}
        for hit in hits:
            by_dataset.setdefault(hit.dataset_id, []).append(hit.chunk_id)
        for dataset_id, chunk_ids in by_dataset.items():
            for record in self._index.fetch(dataset_id, chunk_ids):
                counts.update(set(record.tag_keywords))
        total = sum(counts.values())
        weights = {
            tag: 0.1 * (count + 1) / (total + SMOOTHING) / max(self._shares.get(tag, 0.0001), 1e-6)
            for tag, count in counts.items()
        }
        best = sorted(weights.items(), key=lambda item: -item[1])[:limit]
        return {tag: round(weight, 4) for tag, weight in best if weight > 0}


def tag_scores(question_tags: Mapping[str, float], chunks: Sequence[ChunkRecord]) -> np.ndarray:
    """``10 * cosine`` of the question's tags and each chunk's ``tag_features`` (0 without tags)."""
    import numpy as np

    scores = np.zeros(len(chunks), dtype=np.float64)
    norm = float(np.sqrt(sum(weight * weight for weight in question_tags.values())))
    if norm == 0:
        return scores
    for position, record in enumerate(chunks):
        features = record.tag_features
        length = float(np.sqrt(sum(weight * weight for weight in features.values())))
        if length == 0:
            continue
        overlap = sum(question_tags[tag] * weight for tag, weight in features.items() if tag in question_tags)
        scores[position] = TAG_FEATURE_SCALE * overlap / length / norm
    return scores
