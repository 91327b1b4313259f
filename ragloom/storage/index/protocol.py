"""The chunk-index role: full-text and vector search over chunks, with filters.

The index holds three kinds of record (:class:`RecordKind`): chunks of datasets' documents,
messages of memories (a record with :class:`MessageFields`, whose ``dataset_id`` is its
memory's id), and the knowledge graph of a dataset (records with :class:`GraphFields`: entities,
relations and community reports, whose ``document_id`` is empty). One engine serves all three;
every read of chunks ignores the other kinds.

Semantics every backend keeps (checked by ``ragloom.testing.chunk_index``):

- Chunks are keyed by ``(dataset_id, id)``; ``upsert`` replaces a chunk with the same key.
- Every read and write is scoped by dataset id, so one tenant's call can never reach
  another's chunks even with a guessed chunk id.
- "Listed" chunks are those without ``parent_id``; children of parent-child chunking are
  only found by search. ``page`` lists in document order (``order``, then id).
- Searches see only available chunks and return at most ``limit`` hits, best first.
  Full-text search matches *terms* (already analysed text), scoring title, keyword and
  question terms above content terms. Vector search scores by cosine similarity.
- ``document_stats`` counts listed chunks and sums their ``token_count``.
- Tags (``tag_keywords``) are counted over listed chunks, available or not; renaming and
  removing a tag rewrites every chunk of the dataset that carries it, children included,
  and never changes anything but ``tag_keywords``.
- ``match`` is the one retrieval primitive: it reports facts (cosine similarity, which
  query terms each candidate contains, how common each term is) and never scores; the
  hybrid scoring lives in ``ragloom.rag`` so it is identical on every backend. A term may
  be a phrase of several space-separated terms, matched as adjacent terms.
- Messages are never listed by ``page``, counted by ``document_stats`` or ``tag_counts``, nor
  found by ``search_text``/``search_vector``, nor matched unless ``match`` asks for them
  (``kind=RecordKind.MESSAGE``). ``get``, ``fetch``, ``set_available``, ``delete`` and
  ``delete_datasets`` work on records of either kind by key.
- A memory's messages have a total ``size`` that ``add_messages`` keeps within the capacity
  it is given, atomically against concurrent writers (also in other processes): when the new
  messages would not fit it evicts messages first-in first-out — forgotten ones first, oldest
  ``forget_at`` first, then the oldest by ``valid_at`` (then by message id) — and it never
  evicts the messages it is adding. Sizes are read from the stored records, so the accounting
  needs no cache and survives restarts.
- Graph records are, like messages, never listed, counted, tagged nor found by chunk searches;
  ``match(kind=RecordKind.GRAPH)`` finds them (terms and vectors, as chunks). A dataset's graph is
  written whole: ``replace_graph`` removes every graph record of the dataset and stores the new
  ones in one atomic step, so a reader sees the old graph or the new one, never a mix;
  ``delete(document_ids=…)`` leaves it alone; ``delete_datasets`` removes it with the dataset.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ragloom.storage.index.records import (
    Admission,
    ChunkRecord,
    DocumentStats,
    GraphPart,
    Matches,
    MessageFilter,
    MessageStats,
    RecordKind,
    ScoredChunk,
)

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt


class Capability(StrEnum):
    """Optional abilities a backend declares; conformance tests skip only on these."""

    FULL_TEXT = "full_text"
    VECTOR = "vector"


@runtime_checkable
class ChunkIndex(Protocol):
    """Stores chunks and finds them by terms, by vector, and by document."""

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this backend can do."""
        ...

    def upsert(self, chunks: Sequence[ChunkRecord]) -> None:
        """Insert or replace records of either kind (all or none), with no capacity check."""
        ...

    def get(self, dataset_id: str, chunk_id: str, *, with_vector: bool = False) -> ChunkRecord | None:
        """One chunk, or ``None``."""
        ...

    def fetch(self, dataset_id: str, chunk_ids: Collection[str]) -> list[ChunkRecord]:
        """The chunks among ``chunk_ids`` that exist, in no set order (vectors not loaded)."""
        ...

    def document_names(self, dataset_id: str, document_ids: Collection[str]) -> dict[str, str]:
        """The name the chunks of each of the dataset's documents carry (a document without
        chunks is left out): what :meth:`rename_document` last recorded, or the name they were
        written with."""
        ...

    def page(
        self,
        dataset_id: str,
        document_id: str,
        *,
        terms: Sequence[str] = (),
        available: bool | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[list[ChunkRecord], int]:
        """Listed chunks of a document in document order, and how many match in all.

        ``terms`` keeps chunks matching any of them; ``available`` keeps only that state.
        """
        ...

    def set_available(
        self, dataset_id: str, available: bool, *, document_id: str | None = None, chunk_ids: Collection[str] = ()
    ) -> int:
        """Switch chunks on or off (those ids, or every chunk of the document); returns how many."""
        ...

    def rename_document(self, dataset_id: str, document_id: str, name: str, title_terms: str) -> None:
        """Record a document's new name (and its analysed terms) on all its chunks."""
        ...

    def delete(self, dataset_id: str, *, document_ids: Collection[str] = (), chunk_ids: Collection[str] = ()) -> int:
        """Delete chunks of those documents, or with those ids (and their children); returns how many."""
        ...

    def delete_datasets(self, dataset_ids: Collection[str]) -> int:
        """Delete every chunk of the datasets."""
        ...

    def document_stats(self, dataset_id: str, document_id: str) -> DocumentStats:
        """Listed-chunk count and token sum of one document."""
        ...

    def tag_counts(self, dataset_ids: Collection[str]) -> list[tuple[str, int]]:
        """Each tag carried by listed chunks of the datasets, with how many carry it: most
        common first, ties in tag order."""
        ...

    def replace_tag(self, dataset_id: str, old: str, new: str) -> int:
        """Put ``new`` in place of ``old`` in every chunk of the dataset carrying ``old`` (a chunk
        that already has ``new`` keeps one); returns how many chunks changed."""
        ...

    def remove_tags(self, dataset_id: str, tags: Collection[str]) -> int:
        """Remove the tags from every chunk of the dataset; returns how many chunks changed."""
        ...

    def search_text(
        self,
        dataset_ids: Collection[str],
        terms: Sequence[str],
        *,
        document_ids: Collection[str] = (),
        limit: int = 1024,
    ) -> list[ScoredChunk]:
        """Available chunks matching any of ``terms``, best first."""
        ...

    def search_vector(
        self,
        dataset_ids: Collection[str],
        vector: npt.NDArray[np.float32],
        *,
        document_ids: Collection[str] = (),
        limit: int = 1024,
    ) -> list[ScoredChunk]:
        """Available chunks nearest to ``vector`` by cosine similarity, best first."""
        ...

    def match(
        self,
        dataset_ids: Collection[str],
        terms: Sequence[str],
        vector: npt.NDArray[np.float32] | None,
        *,
        document_ids: Collection[str] = (),
        top_k: int = 1024,
        kind: RecordKind = RecordKind.CHUNK,
        messages: MessageFilter | None = None,
        counts: bool = False,
    ) -> Matches:
        """Candidates for a query among the available records of one kind in the datasets (see
        :class:`Matches`): chunks by default; with ``kind=RecordKind.MESSAGE`` the messages of
        the memories ``dataset_ids`` that pass ``messages``. With ``counts`` the candidates' term
        counts and lengths too (``Matches.term_counts``, ``Matches.lengths``)."""
        ...

    # ---- messages of memories ----------------------------------------------------------------

    def add_messages(self, memory_id: str, messages: Sequence[ChunkRecord], capacity: int) -> Admission:
        """Store message records (``dataset_id`` == ``memory_id``, ``message`` set) in a memory
        whose total size may not exceed ``capacity``: evict first-in first-out (see the module
        docstring) until they fit, then insert, all in one atomic step. A record whose key exists
        replaces it (its old size is freed). When the messages cannot fit even in an empty
        memory nothing changes and ``admitted`` is false. With no messages, evicts until the
        memory fits ``capacity`` (a capacity that shrank)."""
        ...

    def messages(
        self,
        memory_ids: Collection[str],
        where: MessageFilter | None = None,
        *,
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[list[ChunkRecord], int]:
        """The memories' messages that pass ``where`` (all without it), newest first (``valid_at``, then message id,
        both descending), without vectors; and how many pass in all."""
        ...

    def forget_messages(self, memory_id: str, message_ids: Collection[int], at: float) -> int:
        """Set ``forget_at`` of those messages not yet forgotten; returns how many changed."""
        ...

    def message_stats(self, memory_id: str) -> MessageStats:
        """How many messages the memory holds and their total size."""
        ...

    # ---- knowledge graphs of datasets ---------------------------------------------------------

    def replace_graph(self, dataset_id: str, records: Sequence[ChunkRecord]) -> int:
        """Make ``records`` (``graph`` set, ``dataset_id`` == ``dataset_id``) the dataset's whole
        knowledge graph in one atomic step; returns how many graph records were removed."""
        ...

    def graph_records(self, dataset_id: str, parts: Collection[GraphPart] = ()) -> list[ChunkRecord]:
        """The dataset's graph records (of those parts, all without), without vectors, in no set order."""
        ...

    def delete_graph(self, dataset_id: str) -> int:
        """Remove the dataset's knowledge graph; returns how many records were removed."""
        ...

    # ---- moving a whole index -------------------------------------------------------------------

    def export(self, dataset_id: str, *, after: str = "", limit: int = 1000) -> list[ChunkRecord]:
        """Records of every kind of one dataset (or memory), with vectors, in id order (the backend's
        order of strings): the first ``limit`` whose id sorts after ``after``. Paging on with the last
        id read yields each record once, so a whole index can be copied to another backend by
        :meth:`upsert`."""
        ...

    def close(self) -> None:
        """Release connections and caches."""
        ...


@runtime_checkable
class DeferredVectorIndexes(Protocol):
    """A chunk index with approximate vector indexes that a bulk load (``ragloom copy``) builds once, at
    the end, rather than record by record: far faster for the PostgreSQL index's HNSW graphs."""

    def defer_vector_indexes(self) -> None:
        """Writes from now on build no approximate vector index (searches scan exactly meanwhile) until
        :meth:`rebuild_vector_indexes`."""
        ...

    def rebuild_vector_indexes(self) -> list[int]:
        """Build the approximate index of every vector dimension stored (again, if it has one); the
        dimensions. Writes build the index of a new dimension again from then on."""
        ...
