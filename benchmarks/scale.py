"""Scale: the pgvector index against the embedded one at 100k and 1M chunks, and parse workers side by side.

Three measures, each with a baseline from the same run:

1. Retrieval latency. One dataset is filled through both chunk indexes — the embedded
   ``SqliteChunkIndex`` and ``PostgresChunkIndex`` on a local PostgreSQL 18 with pgvector — with the
   same records (SciFact sentences analysed as ingestion analyses them, built as
   ``retrieval_latency.py`` builds them), grown from the smallest size to the largest. At each size
   both answer the same SciFact questions as ``/retrieval`` does minus the query embedding:
   ``ChunkIndex.match`` (terms and vector, top_k 1024), the hybrid scores of ``ragloom.rag.scoring``,
   and the first page's records. Printed: p50/p95 of each and the ratio pgvector / embedded.
2. Recall@10 of the HNSW path. Above 20,000 eligible vectors the PostgreSQL index lets the planner
   use its HNSW index; the benchmark waits for the background build, runs ANALYZE and shows with
   EXPLAIN whether the plan uses it. Its top 10 (of ``search_vector(limit=10)`` and of ``match``'s
   candidates) is compared with the exact top 10 of a numpy brute force over the same vectors
   (target >= 0.98); the embedded index, which scans exactly, must score 1. The same recall and
   pgvector's retrieval p50/p95 are then printed for several HNSW beams (``hnsw.ef_search``,
   :data:`BEAMS`; the setting ``index.postgresql.hnsw_ef_search``), the default marked. With
   ``--graphs M:EF …`` the first graph (``m`` and ``ef_construction``; default the settings' defaults)
   is the one the index is built with, and at the largest size the HNSW index is then built again
   with each of the others (``PostgresChunkIndex.rebuild_vector_indexes``, what ``ragloom reindex``
   runs; its build time and size are printed) and measured the same way. With ``--bulk`` the fill
   writes rows only and the HNSW index is built once at each size, as a bulk load would (pgvector
   builds a graph over loaded rows far faster than row by row); without it the index is built at the
   first write and kept up to date by every insert, as a running deployment does.
3. Ingestion throughput with 1, 2 and 4 ``ragloom worker`` processes sharing PostgreSQL (metadata,
   task queue and chunk index; files in a local directory all of them read): N text documents
   parsed, chunked, embedded with the built-in Universal Sentence Encoder and indexed, timed from
   the parse request to the last task done (each worker has loaded its model on a warm-up document
   first); the best of ``--rounds`` runs, the worker counts taking turns. Baseline: the bare model
   embedding the same chunk texts on the same threads (one per worker by default); that rate times
   the cores the workers can use is the bound they can approach.

Vectors are synthetic, 384 dimensions: embedding a million texts on a CPU would take hours. Random
unit vectors would be the worst case for an approximate index (no neighbourhoods to find), so they
are clustered Gaussians: 1,000 random unit centres, each vector its centre plus noise whose variance
decays along a random basis (the i-th of the 384 directions has a standard deviation proportional to
i^-1/2, as a sentence embedding's spectrum decays), normalised; the queries are drawn the same way.

PostgreSQL runs with more memory than its defaults (:data:`POSTGRES_SETTINGS`), as a server holding a
million vectors would; everything else is ragloom's own behaviour (the HNSW index is built the first
time vectors are written and kept up to date by every insert).

Usage: ``python benchmarks/scale.py [--sizes 100000 1000000] [--quick] [--queries 100] [--documents 200]
[--workers 1 2 4] [--rounds 2] [--part all|retrieval|ingestion] [--graphs 16:64 32:128] [--bulk]``
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bulk import FAST_MODEL
from benchmarks.ingestion import corpus
from benchmarks.retrieval_latency import DIMENSION, chunk_batches, numpy_floor, percentile, questions, sentences
from benchmarks.retrieval_quality import DEFAULT_COLLECTION
from ragloom.ingest.records import Target
from ragloom.nlp import TextAnalyzer
from ragloom.rag import scoring
from ragloom.rag.query import QueryAnalyzer, QueryTerms
from ragloom.services.retrieval import RetrievalQuery
from ragloom.storage.index import ChunkIndex, ChunkRecord
from ragloom.storage.index.postgresql import PostgresChunkIndex
from ragloom.storage.index.postgresql_connections import libpq_url
from ragloom.storage.index.postgresql_match import EF_SEARCH, EXACT_SCAN_LIMIT, Scope, nearest
from ragloom.storage.index.postgresql_schema import HnswGraph, vector_index_name
from ragloom.storage.index.sqlite import SqliteChunkIndex
from tests.postgres_server import PostgresServer, start_postgres

Vectors = npt.NDArray[np.float32]

# maintenance_work_mem: a million 384-dimension vectors' graph (about 2 GB) is built in memory
POSTGRES_SETTINGS = {"shared_buffers": "2GB", "maintenance_work_mem": "4GB", "max_wal_size": "8GB"}
CLUSTERS = 1000
SPREAD = 0.75  # length of a vector's noise before normalising: cosine about 0.8 to its centre
RECALL_AT = 10
RECALL_TARGET = 0.98
BEAMS = (100, 200, 400)  # HNSW beams (hnsw.ef_search) compared at each size
DEFAULTS = RetrievalQuery(dataset_ids=[], question="")  # /retrieval's defaults: top_k, weight, threshold
TARGET = Target("scale", "corpus", "corpus.txt")
QUICK = {"sizes": [30_000], "queries": 20, "documents": 20, "workers": [1, 2], "rounds": 1}
TASK_TIMEOUT_SECONDS = 1800
PROGRESS_EVERY = 100_000  # chunks between progress lines (on stderr) while an index fills


class ClusteredVectors:
    """Unit vectors around :data:`CLUSTERS` centres (see the module docstring)."""

    def __init__(self, seed: int = 11) -> None:
        generator = np.random.default_rng(seed)
        centres = generator.standard_normal((CLUSTERS, DIMENSION))
        self.centres = (centres / np.linalg.norm(centres, axis=1, keepdims=True)).astype(np.float32)
        basis, _ = np.linalg.qr(generator.standard_normal((DIMENSION, DIMENSION)))
        deviations = np.arange(1, DIMENSION + 1) ** -0.5
        deviations *= SPREAD / np.sqrt((deviations**2).sum())
        self.mixing = (basis * deviations).T.astype(np.float32)  # noise = standard normal @ mixing

    def draw(self, generator: np.random.Generator, count: int) -> Vectors:
        centres = self.centres[generator.integers(0, CLUSTERS, count)]
        vectors = centres + generator.standard_normal((count, DIMENSION), dtype=np.float32) @ self.mixing
        normalised: Vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        return normalised


class ExactTop:
    """The exact nearest :data:`RECALL_AT` of each query among every vector added so far (numpy brute force)."""

    def __init__(self, queries: Vectors) -> None:
        self.queries = queries
        self.scores = np.full((len(queries), RECALL_AT), -np.inf, dtype=np.float32)
        self.ids = np.zeros((len(queries), RECALL_AT), dtype=np.int64)

    def add(self, vectors: Vectors, first: int) -> None:
        """Vectors numbered ``first``, ``first + 1``, … (their chunk ids, in hex)."""
        scores = np.hstack([self.scores, self.queries @ vectors.T])
        numbers = np.broadcast_to(np.arange(first, first + len(vectors)), (len(self.queries), len(vectors)))
        ids = np.hstack([self.ids, numbers])
        best = np.argpartition(-scores, RECALL_AT - 1, axis=1)[:, :RECALL_AT]
        self.scores = np.take_along_axis(scores, best, axis=1)
        self.ids = np.take_along_axis(ids, best, axis=1)

    def recall(self, query: int, chunk_ids: list[str]) -> float:
        return len(set(self.ids[query].tolist()) & {int(chunk_id, 16) for chunk_id in chunk_ids}) / RECALL_AT


class Corpus:
    """One dataset's chunks in both indexes, grown batch by batch. PostgreSQL writes run in a thread of
    their own (the server works on one batch while the next is built), each backend's time is its own."""

    def __init__(
        self, folder: Path, url: str, pool: list[str], exact: ExactTop, graph: HnswGraph, *, bulk: bool
    ) -> None:
        self.url = url
        self.bulk = bulk
        self.indexes: dict[str, ChunkIndex] = {
            "embedded": SqliteChunkIndex(folder / "index.sqlite"),
            "pgvector": PostgresChunkIndex(url, graph=graph, build_vector_indexes=not bulk),
        }
        self.seconds = dict.fromkeys(self.indexes, 0.0)
        self.size = 0
        self._pool, self._exact = pool, exact
        self._analyzer = TextAnalyzer()
        self._chooser = random.Random(7)
        self._generator = np.random.default_rng(7)
        self._vectors = ClusteredVectors()

    def _upsert(self, name: str, records: list[ChunkRecord]) -> None:
        started = time.perf_counter()
        self.indexes[name].upsert(records)
        self.seconds[name] += time.perf_counter() - started

    @property
    def postgres(self) -> PostgresChunkIndex:
        index = self.indexes["pgvector"]
        assert isinstance(index, PostgresChunkIndex)
        return index

    def grow(self, size: int) -> None:
        """Add chunks up to ``size``, then wait for the HNSW build the first write started (with ``bulk``:
        drop the HNSW index first and build it once the rows are written)."""
        if self.bulk:
            with psycopg.connect(libpq_url(self.url), autocommit=True) as connection:
                connection.execute(f"DROP INDEX IF EXISTS {vector_index_name(DIMENSION)}")
        batches = chunk_batches(
            TARGET,
            self._analyzer,
            self._pool,
            lambda count: self._vectors.draw(self._generator, count),
            start=self.size,
            stop=size,
            chooser=self._chooser,
        )
        with ThreadPoolExecutor(1) as writer:
            pending: Future[None] | None = None
            for records in batches:
                self._exact.add(np.stack([record.vector for record in records]), records[0].order)
                self._upsert("embedded", records)
                if pending is not None:
                    pending.result()
                pending = writer.submit(self._upsert, "pgvector", records)
                written = records[-1].order + 1
                if written % PROGRESS_EVERY == 0:
                    print(f"  … {written:,} chunks written", file=sys.stderr, flush=True)
            if pending is not None:
                pending.result()
        self.size = size
        started = time.perf_counter()
        if self.bulk:
            self.postgres.rebuild_vector_indexes()
            built = time.perf_counter() - started
            print(f"  HNSW index built over {size:,} rows ({self.postgres.graph}) in {built:.0f} s", file=sys.stderr)
        else:
            self.postgres.wait_for_vector_indexes()
        self.seconds["pgvector"] += time.perf_counter() - started
        self.analyse()

    def analyse(self) -> None:
        """Check that the HNSW index is valid and refresh the planner's statistics."""
        with psycopg.connect(libpq_url(self.url), autocommit=True) as connection:
            valid = connection.execute(
                "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", (vector_index_name(DIMENSION),)
            ).fetchone()
            if not (valid and valid[0]):
                raise RuntimeError("the HNSW index was not built")
            connection.execute("ANALYZE index_record")

    def rebuild(self, graph: HnswGraph) -> tuple[float, int]:
        """Build the HNSW index again with ``graph`` (as ``ragloom reindex`` does): seconds and bytes."""
        self.postgres.close()
        self.indexes["pgvector"] = PostgresChunkIndex(self.url, graph=graph, build_vector_indexes=not self.bulk)
        started = time.perf_counter()
        self.postgres.rebuild_vector_indexes()
        seconds = time.perf_counter() - started
        self.analyse()
        with psycopg.connect(libpq_url(self.url), autocommit=True) as connection:
            row = connection.execute(
                "SELECT pg_relation_size(to_regclass(%s))", (vector_index_name(DIMENSION),)
            ).fetchone()
        return seconds, int(row[0]) if row else 0

    def close(self) -> None:
        for index in self.indexes.values():
            index.close()


class _Explained:
    """A connection that answers the nearest-neighbour query with its plan (EXPLAIN) instead of rows."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection
        self.plan = ""

    def execute(self, query: str, parameters: Any = None) -> Any:
        if query.startswith("SELECT rowid"):
            self.plan = "\n".join(row[0] for row in self.connection.execute(f"EXPLAIN {query}", parameters))
            return self.connection.execute("SELECT 1 WHERE false")
        return self.connection.execute(query, parameters)


def plan(url: str, vector: Vectors, limit: int, candidates: int) -> str:
    """PostgreSQL's plan for the query ``PostgresChunkIndex`` runs to find the ``limit`` nearest."""
    with psycopg.connect(libpq_url(url), autocommit=True) as connection, connection.transaction():
        explained = _Explained(connection)
        nearest(explained, Scope([TARGET.dataset_id]), vector, limit, candidates=candidates)  # type: ignore[arg-type]
    return explained.plan


def retrieve(index: ChunkIndex, query: QueryTerms, vector: Vectors) -> float:
    """Milliseconds for one retrieval minus the query embedding: candidates, hybrid scores, first page."""
    started = time.perf_counter()
    matches = index.match([TARGET.dataset_id], query.terms, vector, top_k=DEFAULTS.top_k)
    scores = scoring.score(query, matches, DEFAULTS.vector_similarity_weight)
    page = scoring.ranked(scores.similarity, DEFAULTS.similarity_threshold)[: DEFAULTS.page_size]
    index.fetch(TARGET.dataset_id, [matches.chunk_ids[number] for number in page])
    return (time.perf_counter() - started) * 1000


def nearest_ids(index: ChunkIndex, vector: Vectors, *, through_match: bool) -> list[str]:
    """The top :data:`RECALL_AT` by cosine: of ``search_vector``, or of ``match``'s vector candidates."""
    if not through_match:
        return [hit.chunk_id for hit in index.search_vector([TARGET.dataset_id], vector, limit=RECALL_AT)]
    matches = index.match([TARGET.dataset_id], [], vector, top_k=DEFAULTS.top_k)
    best = np.argsort(-matches.vector_similarity, kind="stable")[:RECALL_AT]
    return [matches.chunk_ids[number] for number in best]


def measure_size(corpus: Corpus, queries: list[QueryTerms], vectors: Vectors, exact: ExactTop) -> None:
    size = corpus.size
    fill = ", ".join(f"{name} {seconds:.0f}s" for name, seconds in corpus.seconds.items())
    print(f"\n{size:,} chunks (index writes so far: {fill})")
    hnsw_used = []
    for limit in (RECALL_AT, DEFAULTS.top_k):
        found = plan(corpus.url, vectors[0], limit, size)
        uses = vector_index_name(DIMENSION) in found
        hnsw_used.append(uses)
        shown = "HNSW index scan" if uses else "no HNSW: " + found.splitlines()[0].strip()
        print(f"  EXPLAIN nearest {limit:>4}: {shown}")
    timings: dict[str, list[float]] = {name: [] for name in corpus.indexes}
    for name, index in corpus.indexes.items():
        print(f"  first query, {name}: {retrieve(index, queries[0], vectors[0]):.0f} ms")
    for number, (query, vector) in enumerate(zip(queries, vectors, strict=True)):
        names = list(corpus.indexes) if number % 2 == 0 else list(reversed(corpus.indexes))
        for name in names:  # the two take turns, so whatever else the machine does weighs on both
            timings[name].append(retrieve(corpus.indexes[name], query, vector))
    print(f"  retrieval without embedding ({len(queries)} questions, top_k {DEFAULTS.top_k}, hybrid scores, page):")
    for name, values in timings.items():
        print(f"    {name:<10} p50 {percentile(values, 0.5):8.1f} ms   p95 {percentile(values, 0.95):8.1f} ms")
    embedded, pgvector = timings["embedded"], timings["pgvector"]
    print(
        f"    pgvector / embedded: p50 x{percentile(pgvector, 0.5) / percentile(embedded, 0.5):.2f}, "
        f"p95 x{percentile(pgvector, 0.95) / percentile(embedded, 0.95):.2f}"
    )
    print(f"    (bare numpy exact scan of {size:,} vectors: {numpy_floor(size, repeats=10):.1f} ms)")
    print(f"  recall@{RECALL_AT} against the exact top {RECALL_AT} (numpy brute force), target >= {RECALL_TARGET}:")
    rows = [
        ("pgvector search_vector(limit=10)", corpus.indexes["pgvector"], False),
        (f"pgvector match(top_k={DEFAULTS.top_k})", corpus.indexes["pgvector"], True),
        (f"embedded match(top_k={DEFAULTS.top_k})", corpus.indexes["embedded"], True),
    ]
    for label, index, through_match in rows:
        recall = mean_recall(exact, index, vectors, through_match=through_match)
        path = "HNSW" if label.startswith("pgvector") and hnsw_used[int(through_match)] else "exact scan"
        verdict = "" if path == "exact scan" else ("  met" if recall >= RECALL_TARGET else "  NOT met")
        print(f"    {label:<36} {recall:.3f}  ({path}){verdict}")
    if any(hnsw_used):
        beam_sweep(corpus, queries, vectors, exact)


def mean_recall(exact: ExactTop, index: ChunkIndex, vectors: Vectors, *, through_match: bool) -> float:
    return statistics.fmean(
        exact.recall(number, nearest_ids(index, vector, through_match=through_match))
        for number, vector in enumerate(vectors)
    )


def beam_sweep(corpus: Corpus, queries: list[QueryTerms], vectors: Vectors, exact: ExactTop) -> None:
    """pgvector's recall@10 and retrieval latency at each of :data:`BEAMS`."""
    postgres = corpus.postgres
    configured = postgres.ef_search
    print(
        f"  HNSW beam (hnsw.ef_search; default {EF_SEARCH}), graph {postgres.graph}: "
        f"pgvector retrieval and recall@{RECALL_AT}"
    )
    print(f"    {'beam':>6}{'p50 ms':>9}{'p95 ms':>9}{'search_vector':>15}{'match':>8}")
    try:
        for beam in BEAMS:
            postgres.ef_search = beam
            timings = [retrieve(postgres, query, vector) for query, vector in zip(queries, vectors, strict=True)]
            recalls = [mean_recall(exact, postgres, vectors, through_match=through) for through in (False, True)]
            mark = " (default)" if beam == EF_SEARCH else ""
            print(
                f"    {beam:>6}{percentile(timings, 0.5):>9.1f}{percentile(timings, 0.95):>9.1f}"
                f"{recalls[0]:>15.3f}{recalls[1]:>8.3f}{mark}"
            )
    finally:
        postgres.ef_search = configured


def graph_sweep(
    corpus: Corpus, queries: list[QueryTerms], vectors: Vectors, exact: ExactTop, graphs: list[HnswGraph]
) -> None:
    """At the largest size: the HNSW index built again with each further graph, then its beam sweep."""
    for graph in graphs:
        seconds, size = corpus.rebuild(graph)
        print(
            f"\n  HNSW index rebuilt over {corpus.size:,} rows with {graph}: {seconds:.0f} s, {size / 2**20:,.0f} MiB"
        )
        beam_sweep(corpus, queries, vectors, exact)


def retrieval_part(
    server: PostgresServer, sizes: list[int], query_count: int, graphs: list[HnswGraph], *, bulk: bool
) -> None:
    pool = sentences(DEFAULT_COLLECTION)
    analyzer = QueryAnalyzer(TextAnalyzer())
    queries = [analyzer.analyse(text) for text in questions(DEFAULT_COLLECTION, query_count)]
    vectors = ClusteredVectors().draw(np.random.default_rng(99), len(queries))
    exact = ExactTop(vectors)
    print(
        f"Retrieval: one dataset, {DIMENSION}-dimension clustered vectors ({CLUSTERS} clusters), "
        f"{len(queries)} SciFact questions; PostgreSQL with {POSTGRES_SETTINGS}; "
        f"exact scan up to {EXACT_SCAN_LIMIT:,} eligible vectors, HNSW above "
        f"({'built once the rows are written' if bulk else 'kept up to date by every insert'}, {graphs[0]})"
    )
    with tempfile.TemporaryDirectory() as folder:
        corpus = Corpus(Path(folder), server.create_database(), pool, exact, graphs[0], bulk=bulk)
        try:
            for size in sorted(sizes):
                corpus.grow(size)
                measure_size(corpus, queries, vectors, exact)
            if corpus.size > EXACT_SCAN_LIMIT:
                graph_sweep(corpus, queries, vectors, exact, graphs[1:])
        finally:
            corpus.close()


# ---- ingestion with 1, 2 and 4 workers -----------------------------------------------------------


class Deployment:
    """Metadata, task queue and chunk index in one PostgreSQL database, files in one local directory;
    the benchmark uploads through ``Services`` and ``ragloom worker`` processes parse."""

    def __init__(self, url: str, folder: Path, threads: int) -> None:
        from ragloom.services.container import Services
        from ragloom.services.tenants import Caller
        from ragloom.settings import load_settings

        self.url, self.folder = url, folder
        self.env = {
            **{key: value for key, value in os.environ.items() if not key.startswith("RAGLOOM_")},
            "RAGLOOM_DATABASE__BACKEND": "postgresql",
            "RAGLOOM_DATABASE__POSTGRESQL__URL": url,
            "RAGLOOM_INDEX__BACKEND": "postgresql",
            "RAGLOOM_MODELS__EMBEDDING_THREADS": str(threads),
            "RAGLOOM_WORKERS__POLL_INTERVAL_SECONDS": "0.1",
            "RAGLOOM_LOG__LEVEL": "WARNING",
        }
        self.services = Services.build(
            load_settings(
                data_dir=folder,
                database={"backend": "postgresql", "postgresql": {"url": url}},
                index={"backend": "postgresql"},
                workers={"count": 0},
            )
        )
        issued = self.services.tenants.issue_key(new_tenant=True)
        self.caller = Caller(issued.tenant_id, issued.id)

    def dataset(self, name: str, files: list[tuple[str, bytes]]) -> tuple[str, list[str]]:
        """A new dataset with ``files`` uploaded (not parsed): its id and its documents' ids."""
        from ragloom.services.datasets import NewDataset
        from ragloom.services.documents import IncomingFile

        new = NewDataset(name=name, embedding_model=FAST_MODEL)
        dataset = self.services.datasets.create(self.caller, new).record.id
        incoming = [IncomingFile(file_name, io.BytesIO(data), len(data)) for file_name, data in files]
        return dataset, [document.id for document in self.services.documents.upload(self.caller, dataset, incoming)]

    def parse(self, dataset: str, documents: list[str]) -> float:
        """Queue the documents' parses and wait for the last; returns the seconds it took."""
        started = time.perf_counter()
        self.services.parsing.start(self.caller, dataset, documents, refuse_running=False)
        deadline = time.monotonic() + TASK_TIMEOUT_SECONDS
        with psycopg.connect(libpq_url(self.url), autocommit=True) as connection:
            while True:
                row = connection.execute(
                    "SELECT count(*) FILTER (WHERE status = 'done'), "
                    "count(*) FILTER (WHERE status IN ('failed', 'cancelled')) FROM task WHERE dataset_id = %s",
                    (dataset,),
                ).fetchone()
                done, failed = row if row else (0, 0)
                if failed:
                    raise RuntimeError(f"{failed} parse tasks of {dataset} failed")
                if done == len(documents):
                    return time.perf_counter() - started
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{done} of {len(documents)} documents parsed in {TASK_TIMEOUT_SECONDS}s")
                time.sleep(0.05)

    def query(self, sql: str, parameters: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with psycopg.connect(libpq_url(self.url), autocommit=True) as connection:
            return connection.execute(sql, parameters).fetchall()

    def start_workers(self, count: int) -> list[subprocess.Popen[bytes]]:
        command = [sys.executable, "-m", "ragloom", "worker", "--data-dir", str(self.folder)]
        return [subprocess.Popen(command, env=self.env) for _ in range(count)]

    def close(self) -> None:
        self.services.close()


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=60)


def warm_up(deployment: Deployment, count: int, name: str) -> int:
    """Small documents until each of ``count`` new workers has run one (its model loaded); returns how
    many did (fewer only if five tries were not enough)."""
    warmed = 0
    for attempt in range(5):
        files = [(f"warm-{number}.txt", b"Warm-up: the model loads.") for number in range(2 * count)]
        dataset, documents = deployment.dataset(f"warm-{name}-{attempt}", files)
        deployment.parse(dataset, documents)
        rows = deployment.query(
            "SELECT count(DISTINCT worker) FROM task WHERE dataset_id = %s AND status = 'done'", (dataset,)
        )
        warmed = max(warmed, int(rows[0][0]))
        if warmed >= count:
            break
    return warmed


def bare_model_rate(texts: list[str], threads: int) -> float:
    """Chunks per second of the bare embedding model on ``texts``, in batches as ingestion sends them."""
    from ragloom.ingest.pipeline import EMBED_BATCH
    from ragloom.providers.embedding.builtin import load_builtin_embedding

    model = load_builtin_embedding(FAST_MODEL, threads=threads)
    model.embed_documents(texts[:EMBED_BATCH])  # loaded and warm, as a worker's model is
    started = time.perf_counter()
    for first in range(0, len(texts), EMBED_BATCH):
        model.embed_documents(texts[first : first + EMBED_BATCH])
    return len(texts) / (time.perf_counter() - started)


def ingest(deployment: Deployment, count: int, name: str, files: list[tuple[str, bytes]]) -> tuple[float, str]:
    """``files`` parsed by ``count`` new warmed-up workers: the seconds it took and the dataset's id."""
    workers = deployment.start_workers(count)
    try:
        warmed = warm_up(deployment, count, name)
        if warmed < count:
            print(f"  note: only {warmed} of {count} workers ran a warm-up document")
        dataset, document_ids = deployment.dataset(name, files)
        return deployment.parse(dataset, document_ids), dataset
    finally:
        stop(workers)


def ingestion_part(
    server: PostgresServer, counts: list[int], rounds: int, files: list[tuple[str, bytes]], threads: int
) -> None:
    cores = os.cpu_count() or 1
    print(
        f"\nIngestion: {len(files)} text documents ({sum(len(data) for _name, data in files) / 1024:.0f} KiB), "
        f"model {FAST_MODEL} on {threads} thread(s) per worker; metadata, queue and index on PostgreSQL, "
        f"files local; {cores} CPU cores; best of {rounds} round(s)"
    )
    seconds: dict[int, list[float]] = {count: [] for count in counts}
    chunks = 0
    texts: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        deployment = Deployment(server.create_database(), Path(folder), threads)
        try:
            for round_number in range(rounds):  # the order flips every round, so a busy spell hits all alike
                for count in counts if round_number % 2 == 0 else list(reversed(counts)):
                    spent, dataset = ingest(deployment, count, f"round-{round_number}-{count}", files)
                    seconds[count].append(spent)
                    if not texts:
                        rows = deployment.query(
                            "SELECT content FROM index_record WHERE dataset_id = %s AND kind = 'chunk'", (dataset,)
                        )
                        texts = [row[0] for row in rows]
                        chunks = len(texts)
        finally:
            deployment.close()
    bare = bare_model_rate(texts, threads)
    print(f"  baseline: the bare model embeds {bare:.1f} chunks/s on {threads} thread(s), the same {chunks} chunks")
    print(f"  {'workers':>7}{'wall s':>9}{'docs/s':>9}{'chunks/s':>10}{'speed-up':>10}{'of model bound':>16}")
    single = chunks / min(seconds[counts[0]])
    for count in counts:
        best = min(seconds[count])
        rate = chunks / best
        bound = bare * min(count * threads, cores) / threads
        print(
            f"  {count:>7}{best:>9.1f}{len(files) / best:>9.2f}{rate:>10.1f}{rate / single:>9.2f}x{rate / bound:>15.0%}"
        )
    print(
        f"  model bound: the bare model's rate x the cores the workers' models can use (at most {cores}); "
        f"more workers than cores cannot be faster — expected, not a regression"
    )


def graph_option(text: str) -> HnswGraph:
    try:
        m, ef_construction = (int(part) for part in text.split(":"))
        return HnswGraph(m, ef_construction)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected M:EF_CONSTRUCTION (e.g. 16:64): {error}") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--paragraphs", type=int, default=30, help="paragraphs per document")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--rounds", type=int, default=2, help="runs of each worker count (the best is shown)")
    parser.add_argument("--embedding-threads", type=int, default=1, help="of each worker's model (and the baseline)")
    parser.add_argument("--part", choices=["all", "retrieval", "ingestion"], default="all")
    parser.add_argument(
        "--graphs",
        type=graph_option,
        nargs="+",
        default=[HnswGraph()],
        help="HNSW graphs as M:EF_CONSTRUCTION; the first is built by the fill, the others at the largest size",
    )
    parser.add_argument("--bulk", action="store_true", help="build the HNSW index once the rows are written")
    parser.add_argument("--quick", action="store_true", help=f"a smoke run: {QUICK}")
    options = parser.parse_args()
    if options.quick:
        for name, value in QUICK.items():
            setattr(options, name, value)
    server = start_postgres(settings=POSTGRES_SETTINGS)
    try:
        if options.part in ("all", "retrieval"):
            retrieval_part(server, options.sizes, options.queries, options.graphs, bulk=options.bulk)
        if options.part in ("all", "ingestion"):
            files = corpus(options.documents, options.paragraphs)
            ingestion_part(server, options.workers, options.rounds, files, options.embedding_threads)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
