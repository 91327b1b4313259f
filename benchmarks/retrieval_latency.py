"""Latency of ``POST /api/v1/retrieval`` at 10k and 100k chunks in one dataset.

For each size a data directory is filled directly through the chunk index (the chunks'
text is built from SciFact sentences and analysed exactly as ingestion analyses it; their
vectors are random unit vectors, since the cost of vector search does not depend on the
values), then a live ``ragloom serve`` answers SciFact's test questions, embedded for real
with the default model. Printed per size: p50/p95 of the whole request as the client sees
it, of the same request minus the query embedding (its time read from ``Server-Timing``),
and of the embedding alone; then requests/s with 16 concurrent clients. The baseline
measured in the same run is a bare numpy scan of the same vectors (matrix product and
top-k), the floor of exact vector search.

Usage: ``python benchmarks/retrieval_latency.py [--sizes 10000,100000] [--queries 300]``

``--scale`` measures the search itself at larger sizes instead (:func:`search_at_scale`, default
``--scale-sizes 100000,1000000``): one dataset grown in-process through the index's ``upsert`` (the
fill rate is printed), SciFact questions answered by a ``RetrievalService`` whose question vectors
are given (embedded by the dataset's model beforehand, as a cache of question vectors would hold
them: a model process that has just run keeps the cores busy for a while), so what is timed is its
metadata reads, ``match``, scoring and fetching of the page; then the bare numpy exact
scan of as many vectors as the baseline in the same run, and recall@10 of ``match``'s vector
candidates against that exact scan. Vectors are clustered as in ``benchmarks/scale.py`` (random
ones would be an approximate index's worst case, and no embedding set has them), the chunks'
texts are :data:`DISTINCT_TEXTS` analysed chunks used again in turn (analysing a million texts
takes longer than indexing them).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.retrieval_quality import DEFAULT_COLLECTION, Server
from ragloom.ingest.model import ChunkDraft
from ragloom.ingest.records import Target, build_records
from ragloom.nlp import TextAnalyzer
from ragloom.storage.index import ChunkRecord

DIMENSION = 384
BATCH = 2000
DISTINCT_TEXTS = 50_000
SCALE_BATCH = 5_000
RECALL_QUERIES = 100


def sentences(collection: Path) -> list[str]:
    found = []
    with gzip.open(collection / "corpus.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            found.extend(part for part in re.split(r"(?<=[.!?])\s+", json.loads(line)["text"]) if len(part) > 40)
    return found


def questions(collection: Path, count: int) -> list[str]:
    texts = [json.loads(line)["text"] for line in (collection / "queries.jsonl").read_text().splitlines()]
    return texts[:count]


def chunk_batches(
    target: Target,
    analyzer: TextAnalyzer,
    pool: list[str],
    vectors: Callable[[int], npt.NDArray[np.float32]],
    *,
    start: int,
    stop: int,
    chooser: random.Random,
) -> Iterator[list[ChunkRecord]]:
    """Chunks ``start`` to ``stop`` of one document, :data:`BATCH` at a time: each chunk's text is four
    sentences of ``pool`` picked by ``chooser``, analysed exactly as ingestion analyses it; its id is its
    number (16 hex digits), its vector the next of ``vectors(count)``."""
    for first in range(start, stop, BATCH):
        drafts = [ChunkDraft(" ".join(chooser.sample(pool, 4))) for _ in range(min(BATCH, stop - first))]
        records = build_records(target, drafts, analyzer)
        for offset, (record, vector) in enumerate(zip(records, vectors(len(records)), strict=True)):
            record.order = first + offset
            record.id = f"{first + offset:016x}"
            record.vector = vector
        yield records


def fill(data_dir: Path, size: int, pool: list[str]) -> None:
    """A tenant, one dataset, one document and ``size`` chunks in the index."""
    import io

    from ragloom.services.container import Services
    from ragloom.services.datasets import NewDataset
    from ragloom.services.documents import IncomingFile
    from ragloom.services.tenants import Caller
    from ragloom.settings import load_settings

    services = Services.build(load_settings(data_dir=data_dir))
    issued = services.tenants.issue_key(new_tenant=True)
    (data_dir / "benchmark-key").write_text(issued.secret)
    caller = Caller(issued.tenant_id, issued.id)
    dataset = services.datasets.create(caller, NewDataset(name="latency")).record
    (document,) = services.documents.upload(caller, dataset.id, [IncomingFile("corpus.txt", io.BytesIO(b"x"), 1)])
    generator = np.random.default_rng(7)

    def unit_vectors(count: int) -> npt.NDArray[np.float32]:
        vectors = generator.standard_normal((count, DIMENSION)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    target = Target(dataset.id, document.id, "corpus.txt")
    chooser = random.Random(7)
    for records in chunk_batches(target, services.analyzer, pool, unit_vectors, start=0, stop=size, chooser=chooser):
        services.index.upsert(records)
    services.close()
    (data_dir / "dataset-id").write_text(dataset.id)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ask(server: Server, dataset_id: str, question: str) -> tuple[float, dict[str, float]]:
    body = {"dataset_ids": [dataset_id], "question": question}
    started = time.perf_counter()
    answer = requests.post(f"{server.api}/retrieval", json=body, headers=server.headers, timeout=60)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.json().get("code") != 0:
        raise RuntimeError(answer.text)
    timing = {
        name: float(value)
        for name, value in (part.split(";dur=") for part in answer.headers["server-timing"].split(", "))
    }
    return elapsed, timing


def numpy_floor(size: int, repeats: int = 50) -> float:
    """Milliseconds for a bare exact scan: one matrix product and a top-1024."""
    generator = np.random.default_rng(1)
    matrix = generator.standard_normal((size, DIMENSION)).astype(np.float32)
    query = generator.standard_normal(DIMENSION).astype(np.float32)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        scores = matrix @ query
        np.argpartition(-scores, min(1023, size - 1))[:1024]
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def concurrent_rate(
    server: Server, dataset_id: str, texts: list[str], clients: int, seconds: float
) -> tuple[float, float]:
    done: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(number: int) -> None:
        position = number
        while time.perf_counter() < deadline:
            elapsed, _timing = ask(server, dataset_id, texts[position % len(texts)])
            with lock:
                done.append(elapsed)
            position += clients

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    return len(done) / (time.perf_counter() - started), percentile(done, 0.5)


class GivenVectors:
    """Stands in for the embedding models of a ``RetrievalService``: each question's vector, computed before."""

    def __init__(self, vectors: dict[str, npt.NDArray[np.float32]]) -> None:
        self.vectors = vectors

    def get(self, model_id: str, tenant_id: str | None = None) -> GivenVectors:  # noqa: ARG002 - the same for every model
        return self

    def embed_query(self, question: str) -> npt.NDArray[np.float32]:
        return self.vectors[question]


def search_at_scale(collection: Path, sizes: list[int], texts: list[str]) -> None:
    """One dataset grown to each of ``sizes`` in turn; at each, the search without the query embedding
    (see the module docstring) against a bare numpy scan in the same run, and recall@10."""
    import dataclasses
    import io

    from benchmarks.scale import ClusteredVectors
    from ragloom.services.container import Services
    from ragloom.services.datasets import NewDataset
    from ragloom.services.documents import IncomingFile
    from ragloom.services.retrieval import RetrievalQuery, RetrievalService
    from ragloom.services.tenants import Caller
    from ragloom.settings import load_settings
    from ragloom.storage.index.sqlite import SqliteChunkIndex

    with tempfile.TemporaryDirectory() as scratch:
        services = Services.build(load_settings(data_dir=Path(scratch)))
        issued = services.tenants.issue_key(new_tenant=True)
        caller = Caller(issued.tenant_id, issued.id)
        dataset = services.datasets.create(caller, NewDataset(name="scale")).record
        (document,) = services.documents.upload(caller, dataset.id, [IncomingFile("corpus.txt", io.BytesIO(b"x"), 1)])
        index = services.index
        assert isinstance(index, SqliteChunkIndex), "the embedded index is measured"
        clustered = ClusteredVectors()
        generator = np.random.default_rng(7)
        target = Target(dataset.id, document.id, "corpus.txt")
        started = time.perf_counter()
        analysed = [
            record
            for records in chunk_batches(
                target,
                services.analyzer,
                sentences(collection),
                lambda count: np.zeros((count, DIMENSION), dtype=np.float32),
                start=0,
                stop=DISTINCT_TEXTS,
                chooser=random.Random(7),
            )
            for record in records
        ]
        print(f"{len(analysed)} distinct chunk texts analysed in {time.perf_counter() - started:.0f}s")
        model = services.embeddings.get(dataset.embedding_model, caller.tenant_id)
        given = GivenVectors({question: model.embed_query(question) for question in texts})
        everything = np.zeros((max(sizes), DIMENSION), dtype=np.float32)
        written, writing = 0, 0.0
        for size in sizes:
            for first in range(written, size, SCALE_BATCH):
                count = min(SCALE_BATCH, size - first)
                everything[first : first + count] = clustered.draw(generator, count)
                records = [
                    dataclasses.replace(
                        analysed[(first + offset) % len(analysed)],
                        id=f"{first + offset:016x}",
                        order=first + offset,
                        vector=everything[first + offset],
                    )
                    for offset in range(count)
                ]
                mark = time.perf_counter()
                index.upsert(records)
                writing += time.perf_counter() - mark
            written = size
            mark = time.perf_counter()
            index.warm([dataset.id], wait=True)
            warming = time.perf_counter() - mark
            print(f"\n{size:,} chunks: upsert {written / writing:,.0f} chunks/s ({writing:.0f}s in all)")
            print(f"  warm: dataset read into memory and its vector lists built in {warming:.1f}s")
            retrieval = RetrievalService(
                services.store,
                index,
                given,
                services.rerank_models,
                services.analyzer,
                tenants=services.tenants,
            )
            retrieval.retrieve(caller, RetrievalQuery([dataset.id], texts[0]))
            searching = []
            for question in texts:
                timings = retrieval.retrieve(caller, RetrievalQuery([dataset.id], question)).timings
                searching.append((timings["total"] - timings["embed"]) * 1000)
            queries = clustered.draw(np.random.default_rng(3), RECALL_QUERIES)
            exact = np.argpartition(-(queries @ everything[:size].T), 9, axis=1)[:, :10]
            recall = []
            for query, best in zip(queries, exact, strict=True):
                matches = index.match([dataset.id], [], query, top_k=RetrievalQuery([], "").top_k)
                top = np.argsort(-matches.vector_similarity, kind="stable")[:10]
                recall.append(len({int(matches.chunk_ids[i], 16) for i in top} & set(best.tolist())) / 10)
            floor = numpy_floor(size)
            p50, p95 = percentile(searching, 0.5), percentile(searching, 0.95)
            print(f"  retrieval without embedding p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   ({len(searching)} questions)")
            print(f"  baseline: bare numpy exact scan {floor:.1f} ms -> p50 is x{p50 / floor:.1f} of it")
            print(f"  recall@10 of match's vector candidates against the exact scan: {statistics.mean(recall):.3f}")
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", type=Path, default=DEFAULT_COLLECTION)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--scale", action="store_true", help="measure the search at --scale-sizes instead")
    parser.add_argument("--scale-sizes", default="100000,1000000")
    options = parser.parse_args()
    texts = questions(options.collection, options.queries)
    if options.scale:
        search_at_scale(options.collection, [int(value) for value in options.scale_sizes.split(",")], texts)
        return
    pool = sentences(options.collection)
    print(f"{len(pool)} sentences to build chunks from, {len(texts)} questions")
    for size in (int(value) for value in options.sizes.split(",")):
        with tempfile.TemporaryDirectory() as scratch:
            data_dir = Path(scratch)
            started = time.perf_counter()
            fill(data_dir, size, pool)
            print(f"\n{size} chunks: index filled in {time.perf_counter() - started:.0f}s")
            server = Server(data_dir)
            try:
                dataset_id = (data_dir / "dataset-id").read_text()
                cold, _timing = ask(server, dataset_id, texts[0])
                totals, server_side, embeds = [], [], []
                for question in texts:
                    elapsed, timing = ask(server, dataset_id, question)
                    totals.append(elapsed)
                    server_side.append(elapsed - timing["embed"])
                    embeds.append(timing["embed"])
                rate, loaded_p50 = concurrent_rate(server, dataset_id, texts, options.clients, options.seconds)
            finally:
                server.stop()
            floor = numpy_floor(size)
            print(f"  first query (loads the dataset into memory): {cold:.0f} ms")
            print(f"  whole request     p50 {percentile(totals, 0.5):7.1f} ms   p95 {percentile(totals, 0.95):7.1f} ms")
            print(
                f"  without embedding p50 {percentile(server_side, 0.5):7.1f} ms   "
                f"p95 {percentile(server_side, 0.95):7.1f} ms   (target: p50 under 50 ms)"
            )
            print(f"  query embedding   p50 {percentile(embeds, 0.5):7.1f} ms   p95 {percentile(embeds, 0.95):7.1f} ms")
            print(f"  {options.clients} concurrent clients: {rate:.1f} requests/s, p50 {loaded_p50:.0f} ms")
            ratio = percentile(server_side, 0.5) / floor
            print(f"  baseline: bare numpy exact scan {floor:.1f} ms -> server work is x{ratio:.1f} of it")


if __name__ == "__main__":
    main()
