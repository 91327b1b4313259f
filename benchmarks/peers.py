"""ragloom side by side with the embedded engines a user would pick instead for a light local RAG
store: LanceDB and txtai, on BEIR SciFact with the same vectors.

The collection's documents (title, blank line, text: one chunk each, as
``benchmarks/retrieval_quality.py`` ingests them) and its 300 test questions are embedded once
with one of ragloom's built-in models (``--model e5`` by default; the vectors are kept in
``--cache``), and every engine is given those same vectors, so what differs is the engines.
Each engine runs in a process of its own (its peak RSS is its own) and, in that process:

- sets up (timed apart: the engine's imports and an empty store; for ragloom also its metadata
  database, a tenant, a dataset and a document) and builds its index from the texts and vectors
  (timed: text analysis, full-text and vector index, ready to answer);
- answers every question once in its hybrid mode (text + vector), 10 results, one client:
  p50/p95, and nDCG@10 against SciFact's judgments (:mod:`ragloom.rag.metrics`);
- answers questions from ``--clients`` threads for ``--seconds``: requests/s.

Each phase also counts the process's CPU time per question: on a machine shared with other jobs the
scheduler gives a process more of the cores the more of its threads are runnable, so an engine
whose search releases the GIL gets a bigger share under 16 clients; CPU per question does not
depend on that share.

The engines, each as its documentation sets it up:

- **ragloom**: its own path without HTTP: the chunks analysed as ingestion analyses them
  (``build_records``) and written through the embedded chunk index (``upsert``, then ``warm``),
  questions answered by ``RetrievalService.retrieve`` (metadata reads, ``match``, RAGFlow's
  hybrid scoring with ``vector_similarity_weight`` 0.3, the default, ``top_k`` 1024) with the
  question's vector given. The HTTP API cannot take a vector, and the peers are libraries
  called in-process, so the request layer would be a cost only ragloom pays.
- **lancedb**: a table of id, text and vector; its native full-text index on the text
  (defaults); ``search(query_type="hybrid")`` (vector search, exact without a vector index, and
  BM25, fused by its default reciprocal-rank reranker).
- **txtai**: ``Embeddings`` with ``method: external`` (a transform that looks the given vectors
  up), ``hybrid: true`` (its BM25 index beside the vectors, scores combined) and a flat
  (exact) faiss index, as ragloom's search is exact at this size.

Printed: a table of the figures and ragloom's ratio to each peer (build time, p50, p95,
requests/s, peak RSS; nDCG@10 as a difference). ``--rounds N`` runs the engines N times in
turn (A/B/C, A/B/C, ...) and reports each figure's median.

Usage: ``python benchmarks/peers.py [--model e5|use] [--engines ragloom,lancedb,txtai] [--rounds N]``
(the peers' packages: ``pip install -r benchmarks/requirements-peers.txt``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.retrieval_quality import DEFAULT_COLLECTION, MODELS, load_collection
from ragloom.math_threads import MATH_THREAD_VARIABLES
from ragloom.rag.metrics import document_ranking, ndcg_at

ENGINES = ("ragloom", "lancedb", "txtai")
TOP = 10  # results asked for per question
EMBED_BATCH = 32
Vectors = npt.NDArray[np.float32]
Search = Callable[[str, Vectors], list[int]]  # question and its vector -> document numbers, best first
Builder = Callable[[list[str], Vectors, dict[str, Vectors], Path, list[float]], Search]


# ---- the shared input ---------------------------------------------------------------------------


def embedded(collection: Path, model_key: str, cache: Path) -> Path:
    """A ``.npz`` of the collection's texts, questions, judgments and their vectors by the model,
    computed once and kept in ``cache``."""
    target = cache / f"{collection.name}-{model_key}.npz"
    if target.exists():
        return target
    from ragloom.providers.embedding.builtin import load_builtin_embedding

    documents, queries, relevant = load_collection(collection, None)
    model = load_builtin_embedding(MODELS[model_key], threads=2)
    ids, texts = list(documents), list(documents.values())
    started = time.perf_counter()
    parts = []
    for first in range(0, len(texts), EMBED_BATCH):
        parts.append(model.embed_documents(texts[first : first + EMBED_BATCH]))
        if first % (EMBED_BATCH * 20) == 0:
            print(f"  embedding documents: {first}/{len(texts)}", file=sys.stderr)
    question_ids = list(queries)
    question_vectors = np.vstack([model.embed_query(queries[key]) for key in question_ids])
    print(
        f"  {len(texts)} documents and {len(question_ids)} questions embedded in {time.perf_counter() - started:.0f}s",
        file=sys.stderr,
    )
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(
        target,
        document_ids=np.array(ids),
        texts=np.array(texts),
        vectors=np.vstack(parts).astype(np.float32),
        questions=np.array([queries[key] for key in question_ids]),
        question_vectors=question_vectors.astype(np.float32),
        relevant=np.array([json.dumps(sorted(relevant[key])) for key in question_ids]),
    )
    return target


# ---- the engines (each in its own process) ------------------------------------------------------


def ragloom_engine(
    texts: list[str], vectors: Vectors, questions: dict[str, Vectors], scratch: Path, ready: list[float]
) -> Search:
    """ragloom's embedded stores in ``scratch``: one dataset, one document, a chunk per text."""
    import io

    from ragloom.ingest.model import ChunkDraft
    from ragloom.ingest.records import Target, build_records
    from ragloom.services.container import Services
    from ragloom.services.datasets import NewDataset
    from ragloom.services.documents import IncomingFile
    from ragloom.services.retrieval import RetrievalQuery, RetrievalService
    from ragloom.services.tenants import Caller
    from ragloom.settings import load_settings

    services = Services.build(load_settings(data_dir=scratch))
    issued = services.tenants.issue_key(new_tenant=True)
    caller = Caller(issued.tenant_id, issued.id)
    dataset = services.datasets.create(caller, NewDataset(name="peers")).record
    (document,) = services.documents.upload(caller, dataset.id, [IncomingFile("scifact.txt", io.BytesIO(b"x"), 1)])
    target = Target(dataset.id, document.id, "scifact.txt")
    ready.append(time.perf_counter())
    records = build_records(target, [ChunkDraft(text) for text in texts], services.analyzer)
    for number, record in enumerate(records):
        record.id = f"{number:016x}"
        record.order = number
        record.vector = vectors[number]
    for first in range(0, len(records), 2000):
        services.index.upsert(records[first : first + 2000])
    services.index.warm([dataset.id], wait=True)
    retrieval = RetrievalService(
        services.store,
        services.index,
        GivenVectors(questions),
        services.rerank_models,
        services.analyzer,
        tenants=services.tenants,
    )

    def search(question: str, vector: Vectors) -> list[int]:  # noqa: ARG001 - the service looks the vector up
        query = RetrievalQuery([dataset.id], question, page_size=TOP, similarity_threshold=0.0)
        return [int(hit.record.id, 16) for hit in retrieval.retrieve(caller, query).hits]

    return search


class GivenVectors:
    """Stands in for a ``RetrievalService``'s embedding models: each question's vector, computed before."""

    def __init__(self, vectors: dict[str, Vectors]) -> None:
        self.vectors = vectors

    def get(self, model_id: str, tenant_id: str | None = None) -> GivenVectors:  # noqa: ARG002 - one for all
        return self

    def embed_query(self, question: str) -> Vectors:
        return self.vectors[question]


def lancedb_engine(
    texts: list[str],
    vectors: Vectors,
    questions: dict[str, Vectors],  # noqa: ARG001 - each question's vector is given to the search
    scratch: Path,
    ready: list[float],
) -> Search:
    """A LanceDB table in ``scratch`` with its full-text index; hybrid search with its default reranker."""
    import lancedb
    import pyarrow as pa

    database = lancedb.connect(str(scratch))
    ready.append(time.perf_counter())
    flat = pa.array(vectors.reshape(-1), type=pa.float32())
    data = pa.table(
        {
            "number": pa.array(range(len(texts)), type=pa.int64()),
            "text": pa.array(texts),
            "vector": pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1]),
        }
    )
    table = database.create_table("scifact", data=data)
    table.create_fts_index("text")

    def search(question: str, vector: Vectors) -> list[int]:
        found = (
            table.search(query_type="hybrid")
            .vector(vector)
            .text(question)
            .distance_type("cosine")
            .select(["number"])
            .limit(TOP)
            .to_arrow()
        )
        return [int(value) for value in found.column("number").to_pylist()]

    return search


def txtai_engine(
    texts: list[str],
    vectors: Vectors,
    questions: dict[str, Vectors],
    scratch: Path,  # noqa: ARG001 - an in-memory index
    ready: list[float],
) -> Search:
    """txtai ``Embeddings`` over the given vectors, hybrid (BM25 + vectors), exact faiss index."""
    from txtai import Embeddings

    lookup = dict(zip(texts, vectors, strict=True)) | questions

    def transform(inputs: list[str]) -> Vectors:
        return np.vstack([lookup[text] for text in inputs])

    config = {
        "method": "external",
        "transform": transform,
        "hybrid": True,
        "backend": "faiss",
        "faiss": {"components": "IDMap,Flat"},
    }
    embeddings = Embeddings(config)
    ready.append(time.perf_counter())
    embeddings.index([(number, text, None) for number, text in enumerate(texts)])

    def search(question: str, vector: Vectors) -> list[int]:  # noqa: ARG001 - the transform looks it up
        return [int(number) for number, _score in embeddings.search(question, TOP)]

    return search


BUILDERS: dict[str, Builder] = {
    "ragloom": ragloom_engine,
    "lancedb": lancedb_engine,
    "txtai": txtai_engine,
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_engine(name: str, inputs: Path, clients: int, seconds: float) -> dict[str, float]:
    """One engine's figures (this process is that engine's alone)."""
    loaded = np.load(inputs)
    document_ids = [str(value) for value in loaded["document_ids"]]
    texts = [str(value) for value in loaded["texts"]]
    vectors = loaded["vectors"]
    questions = [str(value) for value in loaded["questions"]]
    question_vectors = loaded["question_vectors"]
    relevant = [json.loads(str(value)) for value in loaded["relevant"]]
    by_question = dict(zip(questions, question_vectors, strict=True))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as scratch:
        started, ready = time.perf_counter(), []
        search = BUILDERS[name](texts, vectors, by_question, Path(scratch), ready)
        build = time.perf_counter() - ready[0]
        search(questions[0], question_vectors[0])  # first question: lazy state a user's first query would pay
        latencies, ndcgs, answers = [], [], []
        cpu = cpu_seconds()
        for question, vector, documents in zip(questions, question_vectors, relevant, strict=True):
            mark = time.perf_counter()
            numbers = search(question, vector)
            latencies.append((time.perf_counter() - mark) * 1000)
            answers.append(numbers)
            ranking = document_ranking(document_ids[number] for number in numbers)
            ndcgs.append(ndcg_at(ranking, dict.fromkeys(documents, 1.0), 10))
        cpu_single = (cpu_seconds() - cpu) / len(questions) * 1000
        cpu = cpu_seconds()
        rate, answered, differing = concurrent_rate(search, questions, question_vectors, answers, clients, seconds)
        cpu_concurrent = (cpu_seconds() - cpu) / answered * 1000
    return {
        "setup_s": ready[0] - started,
        "build_s": build,
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
        "rate": rate,
        "cpu_ms": cpu_single,
        "cpu_16_ms": cpu_concurrent,
        "differing": differing / answered,
        "ndcg@10": statistics.mean(ndcgs),
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mib": rss_before,
    }


def cpu_seconds() -> float:
    """CPU time this process has used (all its threads, user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def concurrent_rate(
    search: Search, questions: list[str], vectors: Vectors, answers: list[list[int]], clients: int, seconds: float
) -> tuple[float, int, int]:
    """Questions answered per second by ``clients`` threads asking in turn for ``seconds``, how many, and
    how many of those answers differ from the one-client ``answers``."""
    done = [0] * clients
    differing = [0] * clients
    failures: list[BaseException] = []
    deadline = time.perf_counter() + seconds

    def client(number: int) -> None:
        position = number
        try:
            while time.perf_counter() < deadline:
                asked = position % len(questions)
                differing[number] += search(questions[asked], vectors[asked]) != answers[asked]
                done[number] += 1
                position += clients
        except BaseException as error:  # reported after the run
            failures.append(error)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} clients failed: {failures[0]!r}") from failures[0]
    return sum(done) / (time.perf_counter() - started), sum(done), sum(differing)


# ---- the comparison ------------------------------------------------------------------------------


def measured(name: str, inputs: Path, clients: int, seconds: float) -> dict[str, float]:
    """One engine's figures from a process of its own."""
    command = [sys.executable, __file__, "--engine", name, "--inputs", str(inputs)]
    command += ["--clients", str(clients), "--seconds", str(seconds)]
    env = os.environ.copy()
    if name == "ragloom":  # as `ragloom serve` computes: one BLAS/OpenMP thread per search (ragloom/math_threads.py)
        env.update({variable: env.get(variable, "1") for variable in MATH_THREAD_VARIABLES})
    finished = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if finished.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{finished.stderr[-3000:]}")
    result: dict[str, float] = json.loads(finished.stdout.strip().splitlines()[-1])
    return result


COLUMNS = (
    ("setup_s", "setup s", "{:8.2f}"),
    ("build_s", "build s", "{:8.2f}"),
    ("p50_ms", "p50 ms", "{:7.2f}"),
    ("p95_ms", "p95 ms", "{:7.2f}"),
    ("rate", "req/s", "{:7.1f}"),
    ("cpu_ms", "CPU ms/q", "{:7.1f}"),
    ("cpu_16_ms", "CPU16 ms", "{:7.1f}"),
    ("ndcg@10", "nDCG@10", "{:7.4f}"),
    ("differing", "differ16", "{:7.1%}"),
    ("rss_mib", "RSS MiB", "{:7.0f}"),
)


def report(results: dict[str, dict[str, float]], clients: int) -> None:
    print(f"\n{'engine':<9}" + "".join(f"{title:>10}" for _key, title, _format in COLUMNS))
    for name, figures in results.items():
        print(f"{name:<9}" + "".join(f"{form.format(figures[key]):>10}" for key, _title, form in COLUMNS))
    print(f"(req/s: {clients} client threads; CPU ms/q: the process's CPU time per question, one client and {clients};")
    print(f" differ16: share of the {clients} clients' answers unlike the one-client answer to the same question;")
    print(" RSS: peak of the engine's process, data and question vectors loaded")
    print(" before the engine: " + ", ".join(f"{n} {f['rss_before_mib']:.0f} MiB" for n, f in results.items()) + ")")
    if "ragloom" not in results:
        return
    ours = results["ragloom"]
    for name, theirs in results.items():
        if name == "ragloom":
            continue
        print(
            f"ragloom against {name}: build x{ours['build_s'] / theirs['build_s']:.2f}, "
            f"p50 x{ours['p50_ms'] / theirs['p50_ms']:.2f}, p95 x{ours['p95_ms'] / theirs['p95_ms']:.2f}, "
            f"req/s x{ours['rate'] / theirs['rate']:.2f}, CPU/q x{ours['cpu_ms'] / theirs['cpu_ms']:.2f} "
            f"(16 clients x{ours['cpu_16_ms'] / theirs['cpu_16_ms']:.2f}), "
            f"nDCG@10 {ours['ndcg@10'] - theirs['ndcg@10']:+.4f}, "
            f"RSS x{ours['rss_mib'] / theirs['rss_mib']:.2f}  (times: < 1 is ragloom faster; req/s: > 1)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", type=Path, default=DEFAULT_COLLECTION)
    parser.add_argument("--model", choices=sorted(MODELS), default="e5")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "ragloom-peers")
    parser.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)  # one engine's process
    parser.add_argument("--inputs", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.engine:
        print(json.dumps(run_engine(options.engine, options.inputs, options.clients, options.seconds)))
        return
    names = options.engines.split(",")
    unknown = sorted(set(names) - set(ENGINES))
    if unknown:
        raise SystemExit(f"unknown engines {unknown}; valid: {', '.join(ENGINES)}")
    inputs = embedded(options.collection, options.model, options.cache)
    print(f"{options.collection.name}, vectors of {MODELS[options.model]}; {options.rounds} round(s) of {names}")
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for number in range(options.rounds):
        for name in names:
            figures = measured(name, inputs, options.clients, options.seconds)
            rounds[name].append(figures)
            figures_line = ", ".join(f"{key} {value:.4g}" for key, value in figures.items())
            print(f"  round {number + 1} {name}: {figures_line}", flush=True)
    report(
        {name: {key: statistics.median(run[key] for run in runs) for key in runs[0]} for name, runs in rounds.items()},
        options.clients,
    )


if __name__ == "__main__":
    main()
