"""A question's round trip to a model process, against the same call made in this process.

The server runs its built-in models in model processes (:mod:`ragloom.providers.isolated`), so that
native code cannot take it down. This prints, per round, the p50 of ``embed_queries([question])`` for
``--questions`` SciFact questions with multilingual-e5-small (2 threads) in this process and through a
model process, the two calls alternating, and what the round trip adds.

Usage: ``python benchmarks/model_round_trip.py [--questions 100] [--rounds 2]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.retrieval_quality import DEFAULT_COLLECTION
from ragloom.providers.embedding.builtin import BUILTIN_E5
from ragloom.providers.embedding.builtin_e5 import MultilingualE5
from ragloom.providers.isolated.embedding import IsolatedEmbedding


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    with open(DEFAULT_COLLECTION / "queries.jsonl", encoding="utf-8") as lines:
        questions = [json.loads(line)["text"] for line in lines][: options.questions]
    apart = IsolatedEmbedding(BUILTIN_E5, MultilingualE5.dimension, threads=2, stall_seconds=60)
    here = MultilingualE5(BUILTIN_E5, threads=2)
    try:
        apart.embed_queries(questions[:1])
        here.embed_queries(questions[:1])
        for number in range(options.rounds):
            local: list[float] = []
            remote: list[float] = []
            for question in questions:
                started = time.perf_counter()
                here.embed_queries([question])
                local.append(time.perf_counter() - started)
                started = time.perf_counter()
                apart.embed_queries([question])
                remote.append(time.perf_counter() - started)
            mine, theirs = statistics.median(local) * 1000, statistics.median(remote) * 1000
            print(
                f"round {number + 1}: in this process p50 {mine:.2f} ms, through a model process p50 "
                f"{theirs:.2f} ms: the round trip adds {theirs - mine:.2f} ms (x{theirs / mine:.2f})"
            )
    finally:
        apart.close()


if __name__ == "__main__":
    main()
