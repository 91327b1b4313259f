"""The search path under concurrent clients, with one BLAS/OpenMP thread per computation or the libraries' own.

One dataset of ``--size`` chunks is filled as ``benchmarks/retrieval_latency.py`` fills it (SciFact
sentences, random unit vectors). Per round, for each variant, a ``ragloom serve`` answers
``--questions`` SciFact questions once (their vectors go to the question cache), then ``--clients``
threads ask those questions again and again for ``--seconds`` (hybrid retrieval, top_k 1024: no
embedding, only the search and scoring), and then one client does. Printed per variant: requests/s,
client p50 and the server process's CPU time per request (``/proc/PID/stat``), which the machine's
other work disturbs far less than the wall clock.

Variants: ``one`` is ragloom's default (its entry point sets ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``
to 1: :mod:`ragloom.math_threads`); ``libraries`` (the baseline) sets them to the cores' count, what
OpenBLAS and OpenMP start when told nothing. Rounds alternate the variants.

Usage: ``python benchmarks/search_concurrency.py [--size 100000] [--questions 50] [--clients 16]
[--seconds 15] [--rounds 2]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.query_path import all_questions, rate
from benchmarks.retrieval_latency import ask, fill, sentences
from benchmarks.retrieval_quality import DEFAULT_COLLECTION, Server

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)


def asking(server: Server, dataset_id: str, questions: list[str]) -> Callable[[int], float]:
    session = threading.local()

    def request(number: int) -> float:
        if not hasattr(session, "http"):
            session.http = requests.Session()
        payload = {"dataset_ids": [dataset_id], "question": questions[number % len(questions)]}
        answer = session.http.post(f"{server.api}/retrieval", json=payload, headers=server.headers, timeout=120)
        if answer.json().get("code") != 0:
            raise RuntimeError(answer.text)
        return 0.0

    return request


def measure(server: Server, dataset_id: str, questions: list[str], clients: int, seconds: float) -> str:
    request = asking(server, dataset_id, questions)
    started = cpu_seconds(server.process.pid)
    per_second, p50, answered = rate(clients, seconds, request)
    cpu = (cpu_seconds(server.process.pid) - started) / max(len(answered), 1) * 1000
    return f"{per_second:6.1f} requests/s, p50 {p50:6.1f} ms, server CPU {cpu:5.1f} ms/request"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    cores = str(os.cpu_count() or 1)
    variants = {
        "one": {},
        "libraries": {"OPENBLAS_NUM_THREADS": cores, "OMP_NUM_THREADS": cores, "MKL_NUM_THREADS": cores},
    }
    questions = all_questions(DEFAULT_COLLECTION)[: options.questions]
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(
        f"{options.size:,} chunks, {len(questions)} cached questions, hybrid top_k 1024; {options.clients} clients "
        f"then 1, {options.seconds:g}s each; {cores} cores; load average at start {' '.join(load)}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        fill(data_dir, options.size, sentences(DEFAULT_COLLECTION))
        dataset_id = (data_dir / "dataset-id").read_text()
        for number in range(1, options.rounds + 1):
            names = list(variants) if number % 2 else list(reversed(variants))
            print(f"\nround {number} (load {' '.join(Path('/proc/loadavg').read_text().split()[:3])})")
            for name in names:
                server = Server(data_dir, variants[name])
                try:
                    for question in questions:  # embedded once: every request below is answered from the cache
                        ask(server, dataset_id, question)
                    crowd = measure(server, dataset_id, questions, options.clients, options.seconds)
                    alone = measure(server, dataset_id, questions, 1, options.seconds)
                finally:
                    server.stop()
                label = "one thread (ragloom)" if name == "one" else f"{cores} threads (libraries' default)"
                print(f"  {label:<32} {options.clients} clients: {crowd}")
                print(f"  {'':<32} 1 client:   {alone}")


if __name__ == "__main__":
    main()
