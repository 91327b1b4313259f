"""Memory latency at 10k and 100k messages, against dataset retrieval at the same size in the same run.

For each size one data directory holds a dataset of N chunks and N memory messages spread over as
many memories as their size limit needs (a memory holds at most 10 MiB: about 3,000 messages of
two SciFact sentences with 384-dimension vectors). Chunks and messages are written straight into
the chunk index — their text analysed exactly as ingestion and ``add_message`` analyse it, their
vectors random unit vectors (the cost of search does not depend on the values) — and the messages
go in through ``add_messages``, the FIFO admission every add uses. Then, in process, with the
default embedding model (``multilingual-e5-small``, embedded for real):

- ``add_message`` into a full memory (embed, number, admit with eviction, no extraction task:
  the memories keep raw messages only): p50/p95;
- ``search`` over every memory (N messages) and dataset retrieval over the dataset (N chunks), the
  same SciFact questions: p50/p95 of each, both including the query embedding, and their ratio;
- the query embedding alone, which both include.

Usage: ``python benchmarks/memory.py [--sizes 10000,100000] [--queries 200] [--adds 100]``
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.retrieval_latency import percentile, questions, sentences
from benchmarks.retrieval_quality import DEFAULT_COLLECTION

DIMENSION = 384
BATCH = 1000


def unit_vectors(generator: np.random.Generator, count: int) -> np.ndarray:
    vectors = generator.standard_normal((count, DIMENSION)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


class Bench:
    """One data directory with a tenant, its dataset of chunks and its memories of messages."""

    def __init__(self, data_dir: Path) -> None:
        from ragloom.services.container import Services
        from ragloom.services.tenants import Caller
        from ragloom.settings import load_settings

        self.services = Services.build(load_settings(data_dir=data_dir, models={"isolate": False}))
        issued = self.services.tenants.issue_key(new_tenant=True)
        self.caller = Caller(issued.tenant_id, issued.id)
        self.dataset_id = ""
        self.memory_ids: list[str] = []

    def fill_dataset(self, size: int, pool: list[str]) -> None:
        from ragloom.ingest.model import ChunkDraft
        from ragloom.ingest.records import Target, build_records
        from ragloom.services.datasets import NewDataset
        from ragloom.services.documents import IncomingFile

        services = self.services
        self.dataset_id = services.datasets.create(self.caller, NewDataset(name="latency")).record.id
        upload = [IncomingFile("corpus.txt", io.BytesIO(b"x"), 1)]
        (document,) = services.documents.upload(self.caller, self.dataset_id, upload)
        generator = np.random.default_rng(7)
        target = Target(self.dataset_id, document.id, "corpus.txt")
        for start in range(0, size, BATCH):
            drafts = [ChunkDraft(" ".join(random.sample(pool, 2))) for _ in range(min(BATCH, size - start))]
            records = build_records(target, drafts, services.analyzer)
            for offset, (record, vector) in enumerate(zip(records, unit_vectors(generator, len(records)), strict=True)):
                record.order, record.id, record.vector = start + offset, f"{start + offset:016x}", vector
            services.index.upsert(records)

    def fill_memories(self, size: int, pool: list[str]) -> None:
        from ragloom.memory import MemoryChanges, MessageType, NewMemory
        from ragloom.memory.kinds import MAX_MEMORY_SIZE
        from ragloom.memory.writing import message_size, raw_content
        from ragloom.providers.chat.local_llama import SMOLLM2_ID
        from ragloom.storage.index import ChunkRecord, MessageFields

        services, analyzer = self.services, self.services.analyzer
        generator = np.random.default_rng(11)
        memory_id, used, written = "", 0, 0
        while written < size:
            content = raw_content(random.choice(pool), random.choice(pool))
            needed = message_size(content, DIMENSION)
            if not memory_id or used + needed > MAX_MEMORY_SIZE:
                spec = NewMemory(
                    f"memory {len(self.memory_ids)}", (MessageType.RAW,), "multilingual-e5-small@Builtin", SMOLLM2_ID
                )
                memory_id = services.memories.create(self.caller, spec).record.id
                services.memories.update(self.caller, memory_id, MemoryChanges(memory_size=MAX_MEMORY_SIZE))
                self.memory_ids.append(memory_id)
                used = 0
            batch: list[ChunkRecord] = []
            contents = [content]
            while len(contents) < min(BATCH, size - written):
                candidate = raw_content(random.choice(pool), random.choice(pool))
                if used + sum(message_size(text, DIMENSION) for text in [*contents, candidate]) > MAX_MEMORY_SIZE:
                    break
                contents.append(candidate)
            with services.store.writing() as tx:
                first = tx.memories.allocate_message_ids(memory_id, len(contents))
            assert first is not None
            now = time.time()
            for offset, (text, vector) in enumerate(zip(contents, unit_vectors(generator, len(contents)), strict=True)):
                coarse, fine = analyzer.both(text)
                fields = MessageFields(
                    message_id=first + offset,
                    message_type="raw",
                    agent_id=f"agent-{offset % 7}",
                    session_id=f"session-{offset % 97}",
                    valid_at=now - (len(contents) - offset),
                    size=message_size(text, DIMENSION),
                )
                batch.append(
                    ChunkRecord(
                        id=str(first + offset),
                        dataset_id=memory_id,
                        document_id="",
                        document_name="",
                        content=text,
                        content_terms=" ".join(coarse),
                        content_fine_terms=" ".join(fine),
                        vector=vector,
                        message=fields,
                    )
                )
            admission = services.index.add_messages(memory_id, batch, MAX_MEMORY_SIZE)
            assert admission.admitted
            assert not admission.evicted
            used = admission.size
            written += len(batch)

    def close(self) -> None:
        self.services.close()


def timed(call: Callable[[], object]) -> float:
    """Milliseconds ``call`` took."""
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def line(label: str, values: list[float]) -> str:
    return f"  {label:<40} p50 {percentile(values, 0.5):8.1f} ms   p95 {percentile(values, 0.95):8.1f} ms"


def measure(bench: Bench, texts: list[str], pool: list[str], adds: int) -> None:
    from ragloom.memory import MessageQuery, Turn
    from ragloom.services.retrieval import RetrievalQuery

    services, caller = bench.services, bench.caller
    services.embeddings.get("multilingual-e5-small@Builtin", caller.tenant_id).embed_query("warm up")

    def search(question: str) -> dict[str, float]:
        return services.memories.messages.timed_search(
            caller, MessageQuery(question, bench.memory_ids, top_n=10)
        ).timings

    def retrieve(question: str) -> dict[str, float]:
        query = RetrievalQuery(dataset_ids=[bench.dataset_id], question=question)
        return services.retrieval.retrieve(caller, query).timings

    cold_search, cold_retrieval = search(texts[0])["total"] * 1000, retrieve(texts[0])["total"] * 1000
    searches, retrievals, embeds, bare_searches, bare_retrievals = [], [], [], [], []
    for question in texts:
        searched, retrieved = search(question), retrieve(question)
        searches.append(searched["total"] * 1000)
        retrievals.append(retrieved["total"] * 1000)
        embeds.extend([searched["embed"] * 1000, retrieved["embed"] * 1000])
        bare_searches.append((searched["total"] - searched["embed"]) * 1000)
        bare_retrievals.append((retrieved["total"] - retrieved["embed"]) * 1000)
    target = bench.memory_ids[0]
    stats = services.index.message_stats(target)
    turn = Turn("agent", "session")
    additions = [
        timed(
            lambda: services.memories.messages.add_message(
                caller, [target], random.choice(pool), random.choice(pool), turn
            )
        )
        for _ in range(adds)
    ]
    print(f"  first memory search (loads the memories): {cold_search:.0f} ms; first retrieval: {cold_retrieval:.0f} ms")
    print(line(f"add_message ({stats.count} messages, {stats.size / 2**20:.1f} MiB)", additions))
    print(line(f"memory search ({len(bench.memory_ids)} memories)", searches))
    print(line("dataset retrieval (1 dataset)", retrievals))
    print(line("query embedding alone (in both)", embeds))
    print(line("memory search minus embedding", bare_searches))
    print(line("dataset retrieval minus embedding", bare_retrievals))
    ratio = percentile(searches, 0.5) / percentile(retrievals, 0.5)
    bare_ratio = percentile(bare_searches, 0.5) / percentile(bare_retrievals, 0.5)
    print(f"  memory search p50 / dataset retrieval p50: x{ratio:.2f}; without the embedding: x{bare_ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", type=Path, default=DEFAULT_COLLECTION)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--adds", type=int, default=100)
    options = parser.parse_args()
    random.seed(7)
    pool = sentences(options.collection)
    texts = questions(options.collection, options.queries)
    print(f"{len(pool)} sentences to build chunks and messages from, {len(texts)} questions")
    for size in (int(value) for value in options.sizes.split(",")):
        with tempfile.TemporaryDirectory() as scratch:
            bench = Bench(Path(scratch))
            try:
                started = time.perf_counter()
                bench.fill_dataset(size, pool)
                bench.fill_memories(size, pool)
                print(f"\n{size} messages and {size} chunks: filled in {time.perf_counter() - started:.0f}s")
                measure(bench, texts, pool, options.adds)
            finally:
                bench.close()


if __name__ == "__main__":
    main()
