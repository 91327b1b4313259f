"""Retrieval quality on public IR test collections, through the real HTTP API.

Starts ``ragloom serve`` on a data directory, uploads the collection's documents (one
text file each: title, blank line, text), parses them with the server's workers, then asks
every test query through ``POST /api/v1/retrieval`` with ``vector_similarity_weight`` 0
(keyword only), 1 (vector only) and the default 0.3 (hybrid), in each scoring mode (``--mode``,
default ``ragflow`` and ``bm25``; ``bm25_feedback`` adds pseudo-relevance feedback), and prints nDCG@10
and recall@100 at document level, for each built-in embedding model, beside the published figures where
there are some (``ANCHORS``).

By default the figures are computed by the server's evaluation API (``POST /api/v1/evaluations``,
the three weights as three runs of an evaluation of up to 1,000 queries). ``--direct`` computes them here instead, from
``POST /api/v1/retrieval``'s chunks (with the per-query timings); ``--compare`` does both and
fails unless they agree (a collection with a query of more than 100 relevant documents, which the
evaluation API refuses, is computed directly: CISI). Both use :mod:`ragloom.rag.metrics`: a
document ranks at its best chunk among the best 100. ``--reference`` also prints a plain BM25
computed here, the BM25 baseline of the collections without a published one.

``--collection`` names the collection's folder; its format is recognised by its files (``LOADERS``):
BEIR (SciFact: ``corpus.jsonl.gz``, ``queries.jsonl``, ``qrels/test.tsv`` or ``--split train``),
NFCorpus's own release (``test.docs``, ``test.titles.queries``, ``test.2-1-0.qrel``), Cranfield and
CISI (SMART-style ``.I``/``.T``/``.W`` files) and Vaswani (TREC). Only judged queries are asked;
graded judgements count as relevant when positive (Cranfield: codes 1-4). The default collection is
BEIR SciFact, read from ``../shared/benchmarks/data/scifact`` next to the repository. With
``--data-dir`` the ingested data is kept, and a later run with the same directory only asks the queries.

Usage: ``python benchmarks/retrieval_quality.py [--collection DIR] [--models e5,use] [--mode ragflow,bm25]
[--data-dir DIR] [--limit N] [--workers N] [--reference] [--weights 0,1,0.3] [--direct | --compare]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from ragloom.nlp import TextAnalyzer
from ragloom.rag.metrics import document_ranking, ndcg_at, recall_at
from ragloom.rag.query import QueryAnalyzer
from ragloom.services.evaluations import MAX_DOCUMENTS_PER_QUESTION, MAX_QUESTIONS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_COLLECTION = ROOT.parent / "shared" / "benchmarks" / "data" / "scifact"
MODELS = {"e5": "multilingual-e5-small@Builtin", "use": "universal-sentence-encoder-multilingual@Builtin"}
ANCHORS = {
    "scifact": {"BM25": 0.679, "bge-small-en-v1.5": 0.713},
    "nfcorpus": {"BM25 (BEIR's corpus, not comparable)": 0.322},
}
"""Published nDCG@10 figures to print beside ours."""
WEIGHTS = {"keyword only (w=0)": 0.0, "vector only (w=1)": 1.0, "hybrid (w=0.3, default)": 0.3}
TIMEOUT = 120
DEPTH = 100  # chunks a query's document ranking is drawn from (recall@100)


Collection = tuple[dict[str, str], dict[str, str], dict[str, set[str]]]
"""Documents (id -> text), test queries (id -> text) and the relevant documents of each query."""


def load_collection(folder: Path, limit: int | None, split: str = "test") -> Collection:
    """The collection in ``folder``, read by the loader of its format (judged queries only;
    graded judgements count as relevant when positive), its first ``limit`` queries if given;
    ``split`` names the qrels of a BEIR collection (the others have one set of queries)."""
    kind = _format_of(folder)
    if split != "test" and kind != "beir":
        raise SystemExit(f"{folder.name} has no {split} split")
    documents, queries, relevant = load_beir(folder, split) if kind == "beir" else LOADERS[kind](folder)
    queries = {key: text for key, text in queries.items() if relevant.get(key)}
    relevant = {key: relevant[key] for key in queries}
    if limit:
        kept = sorted(queries)[:limit]
        queries = {key: queries[key] for key in kept}
        relevant = {key: relevant[key] for key in kept}
    return documents, queries, relevant


def _format_of(folder: Path) -> str:
    for name, marker in FORMAT_MARKERS.items():
        if (folder / marker).exists():
            return name
    raise SystemExit(f"{folder}: not a known collection format (looked for {', '.join(FORMAT_MARKERS.values())})")


def load_beir(folder: Path, split: str = "test") -> Collection:
    """BEIR: ``corpus.jsonl.gz``, ``queries.jsonl``, ``qrels/{split}.tsv`` (SciFact)."""
    with gzip.open(folder / "corpus.jsonl.gz", "rt", encoding="utf-8") as lines:
        documents = {}
        for line in lines:
            record = json.loads(line)
            documents[record["_id"]] = f"{record.get('title', '')}\n\n{record.get('text', '')}".strip()
    relevant: dict[str, set[str]] = {}
    for row in (folder / "qrels" / f"{split}.tsv").read_text().splitlines()[1:]:
        query_id, document_id, score = row.split("\t")
        if int(score) > 0:
            relevant.setdefault(query_id, set()).add(document_id)
    queries = {}
    for line in (folder / "queries.jsonl").read_text().splitlines():
        record = json.loads(line)
        queries[record["_id"]] = record["text"]
    return documents, queries, relevant


def load_nfcorpus(folder: Path) -> Collection:
    """NFCorpus's own release: ``test.docs`` and ``test.titles.queries`` (``ID<TAB>text``) and
    ``test.2-1-0.qrel`` (TREC qrels)."""
    documents = dict(line.split("\t", 1) for line in (folder / "test.docs").read_text().splitlines() if line)
    queries = dict(line.split("\t", 1) for line in (folder / "test.titles.queries").read_text().splitlines() if line)
    return documents, queries, _trec_qrels(folder / "test.2-1-0.qrel")


def _trec_qrels(path: Path) -> dict[str, set[str]]:
    relevant: dict[str, set[str]] = {}
    for row in path.read_text().splitlines():
        if row.strip():
            query_id, _, document_id, score = row.split()
            if int(score) > 0:
                relevant.setdefault(query_id, set()).add(document_id)
    return relevant


def _smart_records(path: Path) -> list[tuple[str, dict[str, str]]]:
    """The records of a SMART-style file: ``.I id`` then fields ``.X`` each followed by its text."""
    records: list[tuple[str, dict[str, str]]] = []
    field = ""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        marker = re.match(r"^\.([A-Z])(?:\s+(.*))?$", line)
        if marker and marker.group(1) == "I":
            records.append((marker.group(2).strip(), {}))
            field = ""
        elif marker:
            field = marker.group(1)
        elif records and field:
            fields = records[-1][1]
            fields[field] = f"{fields.get(field, '')} {line.strip()}".strip()
    return records


def _smart_text(fields: dict[str, str]) -> str:
    return f"{fields.get('T', '')}\n\n{fields.get('W', '')}".strip()


def load_cranfield(folder: Path) -> Collection:
    """Cranfield: ``cran.all.1400``, ``cran.qry`` (its ``.I`` numbers are not the qrels' ids: those
    are the queries' positions) and ``cranqrel`` (codes 1-4 relevant, -1 not)."""
    documents = {key: _smart_text(fields) for key, fields in _smart_records(folder / "cran.all.1400")}
    queries = {str(number): fields["W"] for number, (_, fields) in enumerate(_smart_records(folder / "cran.qry"), 1)}
    relevant: dict[str, set[str]] = {}
    for row in (folder / "cranqrel").read_text().splitlines():
        if row.strip():
            query_id, document_id, code = row.split()
            if 1 <= int(code) <= 4:
                relevant.setdefault(query_id, set()).add(document_id)
    return documents, queries, relevant


def load_cisi(folder: Path) -> Collection:
    """CISI: ``CISI.ALL``, ``CISI.QRY`` and ``CISI.REL`` (``qid docid 0 0.0``, every row relevant)."""
    documents = {key: _smart_text(fields) for key, fields in _smart_records(folder / "CISI.ALL")}
    queries = {key: _smart_text(fields) for key, fields in _smart_records(folder / "CISI.QRY")}
    relevant: dict[str, set[str]] = {}
    for row in (folder / "CISI.REL").read_text().splitlines():
        if row.strip():
            query_id, document_id = row.split()[:2]
            relevant.setdefault(query_id, set()).add(document_id)
    return documents, queries, relevant


def load_vaswani(folder: Path) -> Collection:
    """Vaswani (TREC): ``doc-text.trec``, ``query-text.trec`` and ``qrels``."""
    text = (folder / "doc-text.trec").read_text()
    documents = {
        key: " ".join(body.split()) for key, body in re.findall(r"<DOC>\s*<DOCNO>(.*?)</DOCNO>(.*?)</DOC>", text, re.S)
    }
    topics = (folder / "query-text.trec").read_text()
    queries = {
        key.strip(): " ".join(title.split()).lower()
        for key, title in re.findall(r"<num>(.*?)</num>\s*<title>(.*?)</title>", topics, re.S)
    }
    return documents, queries, _trec_qrels(folder / "qrels")


LOADERS = {
    "beir": load_beir,
    "nfcorpus": load_nfcorpus,
    "cranfield": load_cranfield,
    "cisi": load_cisi,
    "vaswani": load_vaswani,
}
FORMAT_MARKERS = {
    "beir": "corpus.jsonl.gz",
    "nfcorpus": "test.docs",
    "cranfield": "cran.all.1400",
    "cisi": "CISI.ALL",
    "vaswani": "doc-text.trec",
}


class Server:
    """A ``ragloom serve`` process on a free port."""

    def __init__(self, data_dir: Path, settings: dict[str, str] | None = None) -> None:
        """``settings``: ``RAGLOOM_*`` variables to serve with (none are taken from this process)."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("RAGLOOM_")}
        env["RAGLOOM_LOG__LEVEL"] = "WARNING"
        env.update(settings or {})
        key_file = data_dir / "benchmark-key"
        if not key_file.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            command = [sys.executable, "-m", "ragloom", "apikey", "create", "--data-dir", str(data_dir)]
            key_file.write_text(subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout)
        self.headers = {"Authorization": f"Bearer {key_file.read_text().strip()}"}
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.api = f"http://127.0.0.1:{port}/api/v1"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ragloom", "serve", "--port", str(port), "--data-dir", str(data_dir)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                requests.get(f"{self.api}/system/ping", timeout=1)
                return
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or too busy starting
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def call(self, method: str, path: str, **options: Any) -> Any:
        answer = requests.request(method, f"{self.api}{path}", headers=self.headers, timeout=TIMEOUT, **options)
        body = answer.json()
        if body.get("code") != 0:
            raise RuntimeError(f"{method} {path}: {body}")
        return body.get("data"), answer.headers

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


def ingest(server: Server, name: str, model: str, documents: dict[str, str]) -> str:
    """The dataset holding the collection, created and parsed unless it already is."""
    existing, _ = server.call("GET", "/datasets", params={"page_size": 100})
    for dataset in existing:
        if dataset["name"] == name and dataset["document_count"] == len(documents):
            wait_for_parsing(server, name, str(dataset["id"]))
            return str(dataset["id"])
    config = {"chunk_token_num": 2048}
    created, _ = server.call(
        "POST", "/datasets", json={"name": name, "embedding_model": model, "parser_config": config}
    )
    dataset_id = str(created["id"])
    names = sorted(documents)
    started = time.perf_counter()
    for start in range(0, len(names), 200):
        files = [("file", (f"{doc_id}.txt", documents[doc_id].encode())) for doc_id in names[start : start + 200]]
        uploaded, _ = server.call("POST", f"/datasets/{dataset_id}/documents", files=files)
        server.call("POST", f"/datasets/{dataset_id}/chunks", json={"document_ids": [doc["id"] for doc in uploaded]})
    wait_for_parsing(server, name, dataset_id)
    print(f"  {name}: ingested {len(names)} documents in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    return dataset_id


def wait_for_parsing(server: Server, name: str, dataset_id: str) -> None:
    """Block until no document of the dataset is parsing (an earlier run may have been cut short)."""
    while True:
        running, _ = server.call("GET", f"/datasets/{dataset_id}/documents", params={"run": "RUNNING", "page_size": 1})
        if running["total"] == 0:
            return
        print(f"  {name}: {running['total']} documents still parsing", file=sys.stderr)
        time.sleep(15)


def evaluate_directly(
    server: Any, dataset_id: str, queries: dict[str, str], relevant: dict[str, set[str]], mode: str = "ragflow"
) -> dict[str, dict[str, float]]:
    """Each weight's figures in scoring ``mode``, computed here from ``POST /retrieval`` (plus median timings)."""
    results: dict[str, dict[str, float]] = {}
    for label, weight in WEIGHTS.items():
        ndcgs, recalls, embeds, searches = [], [], [], []
        for query_id, text in queries.items():
            body = {
                "dataset_ids": [dataset_id],
                "question": text,
                "page_size": DEPTH,
                "similarity_threshold": 0.0,
                "vector_similarity_weight": weight,
                "scoring": mode,
            }
            data, headers = server.call("POST", "/retrieval", json=body)
            ranking = document_ranking(re.sub(r"\.txt$", "", chunk["document_keyword"]) for chunk in data["chunks"])
            relevance = dict.fromkeys(relevant[query_id], 1.0)
            ndcgs.append(ndcg_at(ranking, relevance, 10))
            recalls.append(recall_at(ranking, relevance, DEPTH))
            timing = dict(part.split(";dur=") for part in headers.get("server-timing", "").split(", ") if part)
            embeds.append(float(timing.get("embed", 0)))
            searches.append(float(timing.get("search", 0)) + float(timing.get("fetch", 0)))
        results[label] = {
            "ndcg@10": statistics.mean(ndcgs),
            "recall@100": statistics.mean(recalls),
            "embed_ms": statistics.median(embeds),
            "search_ms": statistics.median(searches),
        }
    return results


def evaluate_through_api(
    server: Any,
    dataset_id: str,
    queries: dict[str, str],
    relevant: dict[str, set[str]],
    mode: str = "ragflow",
    *,
    poll: float = 2.0,
) -> dict[str, dict[str, float]]:
    """Each weight's figures in scoring ``mode`` from the server's evaluation API: a run per weight, the relevant
    documents named by file name, as many evaluations as the API's question limit asks for (their
    means weighted by their sizes); each evaluation is deleted once read."""
    started = time.perf_counter()
    sums: dict[str, dict[str, float]] = {label: {"ndcg@10": 0.0, "recall@100": 0.0} for label in WEIGHTS}
    query_ids = list(queries)
    for first in range(0, len(query_ids), MAX_QUESTIONS):
        batch = query_ids[first : first + MAX_QUESTIONS]
        for run in _evaluated(server, dataset_id, [(queries[key], relevant[key]) for key in batch], mode, poll):
            sums[run["name"]]["ndcg@10"] += run["metrics"]["ndcg@10"] * len(batch)
            sums[run["name"]]["recall@100"] += run["metrics"][f"recall@{DEPTH}"] * len(batch)
    seconds = time.perf_counter() - started
    return {
        label: {figure: total / len(query_ids) for figure, total in figures.items()} | {"seconds": seconds}
        for label, figures in sums.items()
    }


def _evaluated(
    server: Any, dataset_id: str, questions: list[tuple[str, set[str]]], mode: str, poll: float
) -> list[Any]:
    """The runs of one evaluation of ``questions``, once it is done."""
    body = {
        "dataset_id": dataset_id,
        "name": "retrieval_quality benchmark",
        "k": [10, DEPTH],
        "similarity_threshold": 0.0,
        "scoring": mode,
        "questions": [
            {"question": text, "documents": sorted(f"{doc_id}.txt" for doc_id in documents)}
            for text, documents in questions
        ],
        "runs": [{"name": label, "vector_similarity_weight": weight} for label, weight in WEIGHTS.items()],
    }
    created, _ = server.call("POST", "/evaluations", json=body)
    try:
        while True:
            listed, _ = server.call("GET", "/evaluations", params={"dataset_id": dataset_id, "page_size": 100})
            evaluation = next(item for item in listed["evaluations"] if item["id"] == created["id"])
            if evaluation["status"] == "done":
                return list(evaluation["runs"])
            if evaluation["status"] not in ("queued", "running"):
                raise RuntimeError(f"evaluation {evaluation['status']}: {evaluation['progress_msg']}")
            time.sleep(poll)
    finally:
        server.call("DELETE", "/evaluations", json={"ids": [created["id"]]})


def compared(direct: dict[str, dict[str, float]], through_api: dict[str, dict[str, float]]) -> float:
    """The largest difference between the two computations' figures."""
    return max(
        abs(direct[label][figure] - through_api[label][figure])
        for label in WEIGHTS
        for figure in ("ndcg@10", "recall@100")
    )


def report(collection: str, key: str, mode: str, results: dict[str, dict[str, float]]) -> None:
    anchors = ", ".join(f"{name} {value:.3f}" for name, value in ANCHORS.get(collection, {}).items())
    for label, figures in results.items():
        timing = (
            f"  median embed {figures['embed_ms']:.1f} ms, search {figures['search_ms']:.1f} ms"
            if "embed_ms" in figures
            else f"  (evaluation API, {figures['seconds']:.0f}s for all runs)"
        )
        print(
            f"{collection:<12} {key:<4} {mode:<13} {label:<26} nDCG@10 {figures['ndcg@10']:.4f}  "
            f"recall@100 {figures['recall@100']:.4f}{timing}" + (f"  [published: {anchors}]" if anchors else "")
        )


def reference_bm25(documents: dict[str, str], queries: dict[str, str], relevant: dict[str, set[str]]) -> None:
    """A plain BM25 computed here (Anserini's k1 0.9, b 0.4, over ragloom's analysed terms without
    stop words), as the BM25 baseline of collections without a published one."""
    analyzer = QueryAnalyzer(TextAnalyzer())
    tokens = {key: analyzer.analyse(text).words for key, text in documents.items()}
    lengths = {key: len(words) for key, words in tokens.items()}
    average = statistics.mean(lengths.values()) or 1.0
    postings: dict[str, dict[str, int]] = {}
    for key, words in tokens.items():
        for word, count in Counter(words).items():
            postings.setdefault(word, {})[key] = count
    total = len(documents)
    ndcgs, recalls = [], []
    for query_id, text in queries.items():
        scores: Counter[str] = Counter()
        for word in set(analyzer.analyse(text).words):
            found = postings.get(word, {})
            idf = math.log1p((total - len(found) + 0.5) / (len(found) + 0.5))
            for key, count in found.items():
                scores[key] += idf * count * 1.9 / (count + 0.9 * (0.6 + 0.4 * lengths[key] / average))
        ranking = [key for key, _ in scores.most_common(DEPTH)]
        relevance = dict.fromkeys(relevant[query_id], 1.0)
        ndcgs.append(ndcg_at(ranking, relevance, 10))
        recalls.append(recall_at(ranking, relevance, DEPTH))
    print(
        f"{'':<12} plain BM25 computed here (k1 0.9, b 0.4)      nDCG@10 {statistics.mean(ndcgs):.4f}  "
        f"recall@100 {statistics.mean(recalls):.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", type=Path, default=DEFAULT_COLLECTION)
    parser.add_argument("--models", default="e5,use")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the ingested data here for later runs")
    parser.add_argument("--limit", type=int, default=None, help="ask only the first N test queries")
    parser.add_argument("--workers", type=int, default=1, help="worker processes parsing the collection")
    parser.add_argument("--mode", default="ragflow,bm25", help="scoring modes to measure (comma-separated)")
    parser.add_argument("--split", default="test", help="the qrels of a BEIR collection (test or train)")
    parser.add_argument("--reference", action="store_true", help="also compute a plain BM25 here")
    parser.add_argument("--weights", default="0,1,0.3", help="the vector weights to ask (of 0, 1 and 0.3)")
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--direct", action="store_true", help="compute the figures here from /retrieval's chunks")
    how.add_argument("--compare", action="store_true", help="compute them both ways and check they agree")
    options = parser.parse_args()
    asked = {float(weight) for weight in options.weights.split(",")}
    if not asked <= set(WEIGHTS.values()):
        raise SystemExit(f"--weights takes some of {', '.join(str(weight) for weight in WEIGHTS.values())}")
    for label in [label for label, weight in WEIGHTS.items() if weight not in asked]:
        del WEIGHTS[label]  # every report and run below goes through WEIGHTS
    documents, queries, relevant = load_collection(options.collection, options.limit, options.split)
    collection = options.collection.name.split("-")[0]
    print(f"collection {options.collection.name}: {len(documents)} documents, {len(queries)} {options.split} queries")
    if options.reference:
        reference_bm25(documents, queries, relevant)
    if not options.direct and max(len(documents) for documents in relevant.values()) > MAX_DOCUMENTS_PER_QUESTION:
        # the evaluation API takes at most that many relevant documents a question (CISI has more)
        print(f"a query has more than {MAX_DOCUMENTS_PER_QUESTION} relevant documents: computing directly")
        options.direct, options.compare = True, False
    with tempfile.TemporaryDirectory() as scratch:
        workers = {"RAGLOOM_WORKERS__COUNT": str(options.workers), "RAGLOOM_WORKERS__POLL_INTERVAL_SECONDS": "0.05"}
        server = Server(options.data_dir or Path(scratch), workers)
        try:
            for key in options.models.split(","):
                dataset_id = ingest(server, f"{options.collection.name}-{key}", MODELS[key], documents)
                for mode in options.mode.split(","):
                    if options.direct or options.compare:
                        direct = evaluate_directly(server, dataset_id, queries, relevant, mode)
                        report(collection, key, mode, direct)
                    if not options.direct:
                        through_api = evaluate_through_api(server, dataset_id, queries, relevant, mode)
                        report(collection, key, mode, through_api)
                    if options.compare:
                        difference = compared(direct, through_api)
                        print(f"{key:<4} {mode}: largest difference between the two computations: {difference:.2e}")
                        if difference > 1e-9:
                            raise SystemExit("the evaluation API and the direct computation disagree")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
