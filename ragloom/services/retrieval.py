"""Retrieval across datasets (contract §7): the question in, ranked chunks out.

1. The datasets must be the caller's and share one embedding model; ``document_ids``
   must belong to them; ``metadata_condition`` (without ``document_ids``, or with them when
   ``metadata_narrows_documents``) narrows to the documents whose metadata satisfies it.
2. The question is analysed into weighted terms and embedded with the datasets' model (not when
   keyword-only retrieval cannot use the vector: :func:`_needs_vector`).
3. The index reports candidates (:meth:`ChunkIndex.match`); :mod:`ragloom.rag.scoring`
   (in the ``bm25`` mode :mod:`ragloom.rag.bm25`, see :mod:`ragloom.rag.scoring_modes`) scores
   them, with the tag features of :mod:`ragloom.rag.tags` when the datasets name tag datasets
   (the question's tags are returned as ``labels``). Children of parent-child chunking stand
   for their parent. In the ``bm25_feedback`` mode the question's terms are then expanded with
   words of the best candidates (:mod:`ragloom.rag.feedback`), matched again by the same
   :meth:`ChunkIndex.match` and scored as in the ``bm25`` mode.
4. With ``rerank_id`` a rerank model rescores the best first-stage candidates and its score
   replaces the vector part, as in RAGFlow. With ``toc_enhance`` the tables of contents of the
   documents of the best hits (extracted while parsing) lift the chunks of the sections whose
   headings hold the question's words (:mod:`ragloom.rag.toc`); without any, nothing changes.
5. ``similarity_threshold`` then drops weak hits on every path (also with
   ``document_ids``, where RAGFlow ignores it); ``total`` counts what is left, ``page`` and
   ``page_size`` slice it, ``doc_aggs`` count it per document.
6. With ``use_kg``, the datasets' knowledge-graph records are matched with the same terms,
   vector and scoring (:meth:`ChunkIndex.match` with ``kind=GRAPH``); what
   :func:`ragloom.rag.knowledge_graph.knowledge_text` composes from them and their neighbourhood
   is one more hit at the top of the first page, as in RAGFlow (not counted in ``total``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ragloom.errors import DataError
from ragloom.nlp import TextAnalyzer
from ragloom.nlp.highlight import highlight
from ragloom.providers.chat import ChatModel
from ragloom.providers.embedding import EmbeddingModels
from ragloom.providers.rerank import RerankModels
from ragloom.rag import bm25, feedback, scoring, scoring_modes
from ragloom.rag.knowledge_graph import KNOWLEDGE_GRAPH_NAME, ScoredRecord, knowledge_text
from ragloom.rag.query import QueryAnalyzer, QueryTerms, TermKind
from ragloom.rag.scoring_modes import ScoringMode, chosen_mode, scoring_mode
from ragloom.rag.tags import Tagger, tag_dataset_ids, tag_scores, top_tags
from ragloom.rag.toc import TOC_WINDOW, section_shares, toc_boosts, toc_documents
from ragloom.services.metadata_filter import matching_ids
from ragloom.services.question_assist import QuestionAssistant
from ragloom.services.tenants import Caller, PresentedKey, TenantService
from ragloom.storage.index import ChunkIndex, ChunkRecord, Matches, RecordKind
from ragloom.storage.metadata import MetadataStore, Transaction
from ragloom.storage.metadata.tables import Dataset

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np

RERANK_WINDOW = 64


def check_question_length(question: str, limit: int) -> None:
    """Refuse a question longer than ``limit`` characters: analysing and embedding it costs CPU
    in proportion to its length, and no search is helped by more than a page of question."""
    if len(question) > limit:
        raise DataError(f"The question is too long: {len(question)} characters, at most {limit}.")


@dataclass(frozen=True)
class RetrievalQuery:
    """A validated retrieval request."""

    dataset_ids: list[str]
    question: str
    document_ids: list[str] = field(default_factory=list)
    page: int = 1
    page_size: int = 30
    similarity_threshold: float = 0.2
    vector_similarity_weight: float = 0.3
    top_k: int = 1024
    rerank_id: str | None = None
    keyword: bool = False
    toc_enhance: bool = False
    highlight: bool = False
    cross_languages: list[str] = field(default_factory=list)
    metadata_condition: dict[str, Any] | None = None
    metadata_narrows_documents: bool = False  # apply the condition to ``document_ids`` too
    include_metadata: bool = False
    metadata_fields: list[str] | None = None
    use_kg: bool = False
    scoring: str | None = None  # a mode of ragloom.rag.scoring_modes; None: the datasets' or the server's


@dataclass
class Hit:
    """One ranked chunk."""

    record: ChunkRecord
    similarity: float
    vector_similarity: float
    term_similarity: float
    highlight: str | None = None
    document_metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class DocumentCount:
    """How many hits one document has."""

    document_id: str
    name: str
    count: int


@dataclass
class Retrieval:
    """A page of hits, how many there are in all, and how they spread over documents."""

    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    documents: list[DocumentCount] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    nothing_searched: bool = True  # an empty question or an empty metadata match: doc_aggs is {}
    labels: dict[str, float] | None = None  # the question's tags; None without a tag dataset of the caller's


@dataclass
class _Ranked:
    """Scored candidates keyed by (dataset id, chunk id), children folded into their parents."""

    keys: list[tuple[str, str]]
    similarity: np.ndarray
    vector: np.ndarray
    term: np.ndarray


class RetrievalService:
    """Ranks the chunks of the caller's datasets for a question."""

    def __init__(
        self,
        store: MetadataStore,
        index: ChunkIndex,
        embeddings: EmbeddingModels,
        reranks: RerankModels,
        analyzer: TextAnalyzer,
        assistant: QuestionAssistant | None = None,
        *,
        default_scoring: str = ScoringMode.RAGFLOW.value,
        tenants: TenantService,
        feedback_parameters: feedback.FeedbackParameters = feedback.DEFAULT_PARAMETERS,
    ) -> None:
        self._store = store
        self._tenants = tenants
        self._index = index
        self._embeddings = embeddings
        self._reranks = reranks
        self._analyzer = analyzer
        self._assistant = assistant
        self._queries = QueryAnalyzer(analyzer)
        self._default_scoring = scoring_mode(default_scoring)
        self._feedback = feedback_parameters

    # ---- checks -------------------------------------------------------------------------------

    def _scope(
        self, who: Caller | PresentedKey, query: RetrievalQuery
    ) -> tuple[Caller, list[Dataset], set[str] | None]:
        """The caller, its datasets named by the query, and the documents to search in them
        (``None``: all of them), read in one transaction. A key not yet looked up is found in the
        same statement as the datasets (:class:`AuthenticationError` if it is not a key), so a
        query without ``document_ids`` or ``metadata_condition`` costs one statement in all."""
        wanted = list(dict.fromkeys(query.dataset_ids))
        with self._store.reading() as tx:
            if isinstance(who, PresentedKey):
                key, owned = tx.api_keys.by_hash_with_datasets(who.secret_hash, wanted)
                caller = self._tenants.accept(who, key)
            else:
                caller, owned = who, tx.datasets.owned_many(who.tenant_id, wanted)
            for dataset_id in wanted:
                if dataset_id not in owned:
                    raise DataError(f"You don't own the dataset {dataset_id}.")
            datasets = [owned[dataset_id] for dataset_id in wanted]
            if len({dataset.embedding_model for dataset in datasets}) > 1:
                raise DataError("Datasets use different embedding models.")
            allowed = self._allowed_documents(tx, datasets, query)
        if isinstance(who, PresentedKey):
            self._tenants.record_use(caller)
        return caller, datasets, allowed

    @staticmethod
    def _allowed_documents(tx: Transaction, datasets: list[Dataset], query: RetrievalQuery) -> set[str] | None:
        """The documents to search (``None``: all of them), read in ``tx``."""
        dataset_ids = [dataset.id for dataset in datasets]
        allowed: set[str] | None = None
        condition = query.metadata_condition
        if query.document_ids:
            found = {doc.id for doc in tx.documents.many_in_datasets(dataset_ids, query.document_ids)}
            for document_id in query.document_ids:
                if document_id not in found:
                    raise DataError(f"The datasets don't own the document {document_id}")
            allowed = set(query.document_ids)
            if not query.metadata_narrows_documents:
                return allowed
        if condition and condition.get("conditions"):
            metas = [pair for dataset_id in dataset_ids for pair in tx.documents.metadata_of_dataset(dataset_id)]
            matched = matching_ids(metas, condition)
            return matched if allowed is None else allowed & matched
        return allowed

    def _check_assistance(self, caller: Caller, query: RetrievalQuery) -> ChatModel | None:
        """The chat model ``keyword``/``cross_languages`` will use (``None``: not asked for), or the error."""
        if not (query.keyword or query.cross_languages):
            return None
        what = "`keyword`" if query.keyword else "`cross_languages`"
        if self._assistant is None:
            raise DataError(f"{what} needs a chat model, and none is configured for this tenant.")
        return self._assistant.model_for(caller, what)

    def check(self, caller: Caller, query: RetrievalQuery) -> None:
        """Refuse ``query`` as :meth:`retrieve` would before it searches — the datasets, the documents
        and metadata condition, the models ``keyword``, ``cross_languages`` and ``rerank_id`` need —
        without searching (an evaluation checks its runs' parameters before it is queued)."""
        self._scope(caller, query)
        self._check_assistance(caller, query)
        if query.rerank_id:
            self._reranks.get(query.rerank_id, caller.tenant_id)

    # ---- retrieval ----------------------------------------------------------------------------

    def retrieve(self, who: Caller | PresentedKey, query: RetrievalQuery) -> Retrieval:
        """Rank, threshold and page; see the module docstring. ``who`` is the caller, or the API
        key of a request, looked up with the datasets (see :meth:`_scope`)."""
        started = time.perf_counter()
        caller, datasets, allowed = self._scope(who, query)
        chat_model = self._check_assistance(caller, query)
        if not query.question.strip() or allowed == set():
            return Retrieval()
        timings: dict[str, float] = {}
        question = query.question
        if chat_model is not None and self._assistant is not None:
            mark = time.perf_counter()
            question = self._assistant.expand(chat_model, question, query.keyword, query.cross_languages)
            timings["assist"] = time.perf_counter() - mark
        terms = self._queries.analyse(question)
        mark = time.perf_counter()
        model = self._embeddings.get(datasets[0].embedding_model, caller.tenant_id)
        vector = model.embed_query(question) if _needs_vector(query, datasets) else None
        timings["embed"] = time.perf_counter() - mark

        mark = time.perf_counter()
        dataset_ids = [dataset.id for dataset in datasets]
        document_ids = sorted(allowed) if allowed is not None else ()
        mode = chosen_mode(
            query.scoring, [dict(dataset.parser_config or {}) for dataset in datasets], self._default_scoring
        )
        counts = mode.counts_terms
        matches = self._index.match(
            dataset_ids, terms.terms, vector, document_ids=document_ids, top_k=query.top_k, counts=counts
        )
        if vector is None and _children_found(matches):
            embedding = time.perf_counter()
            vector = model.embed_query(question)
            timings["embed"] += time.perf_counter() - embedding
            matches = self._index.match(
                dataset_ids, terms.terms, vector, document_ids=document_ids, top_k=query.top_k, counts=counts
            )
        pagerank = {dataset.id: float(dataset.pagerank or 0) for dataset in datasets}
        labels, scores = self._scored(caller, datasets, pagerank, terms, terms, matches, mode, query)
        if mode is ScoringMode.BM25_FEEDBACK:
            expansion = self._expanded(terms, matches, scores)
            matches = self._index.match(
                dataset_ids, expansion.terms.terms, vector, document_ids=document_ids, top_k=query.top_k, counts=True
            )
            labels, scores = self._scored(
                caller, datasets, pagerank, terms, expansion.terms, matches, mode, query, expansion.weights
            )
        ranked = _fold_children(matches, scores)
        if query.rerank_id:
            ranked = self._rerank(caller, query, ranked, pagerank)
        if query.toc_enhance:
            ranked = self._toc_enhanced(ranked, terms, matches)
        timings["search"] = time.perf_counter() - mark

        mark = time.perf_counter()
        order = scoring.ranked(ranked.similarity, query.similarity_threshold)
        page = order[(query.page - 1) * query.page_size : query.page * query.page_size] if query.page > 0 else order[:0]
        records = self._records([ranked.keys[i] for i in page])
        marked = self._queries.highlight_terms(query.question) if query.highlight else set()
        hits = [
            Hit(
                records[ranked.keys[i]],
                float(ranked.similarity[i]),
                float(ranked.vector[i]),
                float(ranked.term[i]),
                highlight(records[ranked.keys[i]].content, marked, self._analyzer) if query.highlight else None,
            )
            for i in page
            if ranked.keys[i] in records
        ]
        if query.include_metadata:
            self._attach_metadata(hits, query.metadata_fields)
        if query.use_kg and query.page == 1:
            graph_hit = self._knowledge_graph([dataset.id for dataset in datasets], terms, vector, query)
            if graph_hit is not None:
                hits.insert(0, graph_hit)
        documents = self._document_counts(records_of=[ranked.keys[i] for i in order], matches=matches)
        timings["fetch"] = time.perf_counter() - mark
        timings["total"] = time.perf_counter() - started
        return Retrieval(int(order.size), hits, documents, timings, nothing_searched=False, labels=labels)

    def _scored(
        self,
        caller: Caller,
        datasets: list[Dataset],
        pagerank: dict[str, float],
        question: QueryTerms,
        terms: QueryTerms,
        matches: Matches,
        mode: ScoringMode,
        query: RetrievalQuery,
        query_weights: list[float] | None = None,
    ) -> tuple[dict[str, float] | None, scoring.Scores]:
        """The question's tags (see :meth:`_tag_features`, from the ``question``'s words) and the
        candidates' scores for ``terms`` (the question's, or its expansion with ``query_weights``)."""
        import numpy as np

        rank_features = np.array([pagerank[dataset_id] for dataset_id in matches.dataset_ids], dtype=np.float64)
        labels, tag_features = self._tag_features(caller, datasets, question.words, matches)
        rank_features += tag_features
        weight = query.vector_similarity_weight
        if mode.counts_terms:  # the bm25 modes weigh the vector by the model's scale (ragloom.rag.bm25)
            weight = bm25.calibrated_weight(weight, bm25.vector_scale(datasets[0].embedding_model))
        return labels, scoring_modes.score(mode, terms, matches, weight, rank_features, query_weights)

    def _expanded(self, terms: QueryTerms, matches: Matches, scores: scoring.Scores) -> feedback.ExpandedQuery:
        """The question's ``terms`` expanded with the words of the first pass's best chunks
        (pseudo-relevance feedback, :mod:`ragloom.rag.feedback`)."""
        best = feedback.best_chunks(scores.similarity, matches, self._feedback.chunks)
        records = self._records(key for key, _ in best)
        chunks = [(records[key].content_terms.split(), score) for key, score in best if key in records]
        return feedback.expanded(terms, chunks, self._queries.noise, self._feedback)

    def _knowledge_graph(
        self, dataset_ids: list[str], terms: QueryTerms, vector: np.ndarray | None, query: RetrievalQuery
    ) -> Hit | None:
        """The piece ``use_kg`` adds: the datasets' graph records matched like chunks, composed by
        :func:`~ragloom.rag.knowledge_graph.knowledge_text` (``None``: no graph, or nothing matched)."""
        matches = self._index.match(dataset_ids, terms.terms, vector, top_k=query.top_k, kind=RecordKind.GRAPH)
        if not matches.chunk_ids:
            return None
        scores = scoring.score(terms, matches, query.vector_similarity_weight)
        keys = list(zip(matches.dataset_ids, matches.chunk_ids, strict=True))
        records = self._records(keys)
        matched = [
            ScoredRecord(records[key], float(similarity))
            for key, similarity, term in zip(keys, scores.similarity, scores.term_similarity, strict=True)
            if key in records and similarity >= query.similarity_threshold and (term > 0 or similarity > 0)
        ]
        graph = [record for dataset_id in dataset_ids for record in self._index.graph_records(dataset_id)]
        text = knowledge_text(matched, graph)
        if text is None:
            return None
        record = ChunkRecord(
            id="", dataset_id=dataset_ids[0], document_id="", document_name=KNOWLEDGE_GRAPH_NAME, content=text
        )
        return Hit(record, 1.0, 1.0, 0.0)

    def _tag_features(
        self, caller: Caller, datasets: list[Dataset], words: list[str], matches: Matches
    ) -> tuple[dict[str, float] | None, np.ndarray]:
        """The question's tags (``None`` when the datasets name no tag dataset) and each
        candidate's tag score (zeros without tags)."""
        import numpy as np

        configs = [dict(dataset.parser_config or {}) for dataset in datasets]
        tag_datasets = tag_dataset_ids(configs)
        zeros = np.zeros(len(matches.chunk_ids), dtype=np.float64)
        if not tag_datasets:
            return None, zeros
        tagger = Tagger(self._store, self._index, tag_datasets, tenant_id=caller.tenant_id)
        if not tagger.datasets:
            return None, zeros
        question_tags = tagger.tags(words, top_tags(configs))
        if not question_tags or not matches.chunk_ids:
            return question_tags, zeros
        keys = list(zip(matches.dataset_ids, matches.chunk_ids, strict=True))
        records = self._records(keys)
        present = [records[key] for key in keys if key in records]
        scores = dict(zip([key for key in keys if key in records], tag_scores(question_tags, present), strict=True))
        return question_tags, np.array([scores.get(key, 0.0) for key in keys], dtype=np.float64)

    def _rerank(self, caller: Caller, query: RetrievalQuery, ranked: _Ranked, pagerank: dict[str, float]) -> _Ranked:
        import numpy as np

        model = self._reranks.get(query.rerank_id or "", caller.tenant_id)
        window = max(RERANK_WINDOW, query.page * query.page_size)
        best = np.argsort(-ranked.similarity, kind="stable")[:window]
        keys = [ranked.keys[i] for i in best]
        records = self._records(keys)
        texts = [records[key].content if key in records else "" for key in keys]
        model_scores = model.scores(query.question, texts)
        rank = np.array([pagerank.get(key[0], 0.0) for key in keys], dtype=np.float64)
        term = ranked.term[best]
        similarity = scoring.hybrid(term, model_scores, query.vector_similarity_weight, rank)
        return _Ranked(keys, similarity, model_scores, term)

    def _toc_enhanced(self, ranked: _Ranked, terms: QueryTerms, matches: Matches) -> _Ranked:
        """``ranked`` with the chunks of the sections the question names lifted (see :mod:`ragloom.rag.toc`)."""
        import numpy as np

        document_of = _documents_of(matches)
        best = np.argsort(-ranked.similarity, kind="stable")[:TOC_WINDOW]
        documents = [
            document for document in toc_documents([document_of.get(ranked.keys[i], "") for i in best]) if document
        ]
        with self._store.reading() as tx:
            tocs = tx.enrichment.tocs(documents)
        if not tocs:
            return ranked
        weights = scoring.term_weights(terms, matches)
        question = {
            term: float(weights[place])
            for place, (term, kind) in enumerate(zip(terms.terms, terms.kinds, strict=True))
            if kind is not TermKind.PHRASE
        }
        headings = [
            (self._analyzer.joined(str(entry.get("title", ""))).split(), list(entry.get("chunk_ids") or []))
            for toc in tocs
            for entry in toc.entries
            if isinstance(entry, dict)
        ]
        boosts = toc_boosts(ranked.keys, section_shares(question, headings))
        return _Ranked(ranked.keys, ranked.similarity + boosts, ranked.vector, ranked.term)

    def _records(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], ChunkRecord]:
        by_dataset: dict[str, list[str]] = {}
        for dataset_id, chunk_id in keys:
            by_dataset.setdefault(dataset_id, []).append(chunk_id)
        found = {}
        for dataset_id, chunk_ids in by_dataset.items():
            for record in self._index.fetch(dataset_id, chunk_ids):
                found[(dataset_id, record.id)] = record
        return found

    def _attach_metadata(self, hits: list[Hit], fields: list[str] | None) -> None:
        with self._store.reading() as tx:
            documents = {doc.id: doc for doc in tx.documents.many(list({hit.record.document_id for hit in hits}))}
        for hit in hits:
            document = documents.get(hit.record.document_id)
            meta = dict(document.meta_fields or {}) if document is not None else {}
            if fields:
                meta = {key: value for key, value in meta.items() if key in fields}
            hit.document_metadata = meta or None

    def _document_counts(self, *, records_of: list[tuple[str, str]], matches: Matches) -> list[DocumentCount]:
        """Hits per document, most first, each with the name its chunks carry in the index (as
        RAGFlow's ``docnm_kwd``; a rename rewrites it before it returns), so no metadata read."""
        document_of = _documents_of(matches)
        counts = Counter(document_of[key] for key in records_of if key in document_of)
        if not counts:
            return []
        by_dataset: dict[str, list[str]] = {}
        for document_id, dataset_id in {document_of[key]: key[0] for key in records_of if key in document_of}.items():
            by_dataset.setdefault(dataset_id, []).append(document_id)
        names: dict[str, str] = {}
        for dataset_id, document_ids in by_dataset.items():
            names.update(self._index.document_names(dataset_id, document_ids))
        ordered = sorted(counts.items(), key=lambda item: -item[1])
        return [DocumentCount(document_id, names.get(document_id, ""), count) for document_id, count in ordered]


def _needs_vector(query: RetrievalQuery, datasets: list[Dataset]) -> bool:
    """Whether to embed the question before searching. Not with weight 0 and nothing but term
    similarity to rank by (no rerank, table-of-contents lift, knowledge graph, page rank or tags,
    and a threshold above 0): a chunk the vector alone would bring scores 0 and is dropped, so the
    terms alone are searched — keyword-only retrieval, each hit's ``vector_similarity`` 0. Its
    candidates are the ``top_k`` chunks best by text; the vector's own nearest ``top_k`` would
    have added, when more than ``top_k`` chunks hold a term, a few that rank below them by terms.
    :func:`_children_found` then decides whether to embed after all."""
    if query.vector_similarity_weight != 0 or query.rerank_id or query.toc_enhance or query.use_kg:
        return True
    if query.similarity_threshold <= 0 or any(float(dataset.pagerank or 0) for dataset in datasets):
        return True
    return bool(tag_dataset_ids([dict(dataset.parser_config or {}) for dataset in datasets]))


def _children_found(matches: Matches) -> bool:
    """Whether a candidate is a parent-child child: its parent scores the mean over its children,
    term-less ones the vector finds included, so a search by text alone could score it higher."""
    return any(matches.parent_ids)


def _documents_of(matches: Matches) -> dict[tuple[str, str], str]:
    """The document of each candidate, keyed as ranked (a child by its parent)."""
    return {
        (dataset_id, parent or chunk): document
        for dataset_id, chunk, parent, document in zip(
            matches.dataset_ids, matches.chunk_ids, matches.parent_ids, matches.document_ids, strict=True
        )
    }


def _fold_children(matches: Matches, scores: scoring.Scores) -> _Ranked:
    """One entry per chunk to return: a child hit counts for its parent (mean of its children),
    and a parent that matched itself keeps the better of the two."""
    import numpy as np

    if not any(matches.parent_ids):
        keys = list(zip(matches.dataset_ids, matches.chunk_ids, strict=True))
        return _Ranked(keys, scores.similarity, scores.vector_similarity, scores.term_similarity)
    own: dict[tuple[str, str], int] = {}
    children: dict[tuple[str, str], list[int]] = {}
    for position, (dataset_id, chunk_id, parent_id) in enumerate(
        zip(matches.dataset_ids, matches.chunk_ids, matches.parent_ids, strict=True)
    ):
        if parent_id:
            children.setdefault((dataset_id, parent_id), []).append(position)
        else:
            own[(dataset_id, chunk_id)] = position
    keys = list(dict.fromkeys([*own, *children]))
    similarity = np.empty(len(keys))
    vector = np.empty(len(keys))
    term = np.empty(len(keys))
    for slot, key in enumerate(keys):
        candidates = []
        if key in own:
            position = own[key]
            candidates.append(
                (scores.similarity[position], scores.vector_similarity[position], scores.term_similarity[position])
            )
        if key in children:
            positions = children[key]
            candidates.append(
                (
                    float(np.mean(scores.similarity[positions])),
                    float(np.mean(scores.vector_similarity[positions])),
                    float(np.mean(scores.term_similarity[positions])),
                )
            )
        similarity[slot], vector[slot], term[slot] = max(candidates, key=lambda triple: triple[0])
    return _Ranked(keys, similarity, vector, term)
