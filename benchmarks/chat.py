"""Chat streaming through ragloom's API against calling llama.cpp directly, in the same run.

Needs the ``local`` extra. A ``ragloom serve`` answers with the built-in SmolLM2-135M model;
the baseline loads the same GGUF in this process with the same thread count and sends it
the same messages. Printed: time to first token and decode tokens/s (median over the
questions) for llama.cpp alone, for a chat without datasets (pure API overhead: HTTP, SSE
framing, session bookkeeping) and for a chat over a dataset (adds retrieval and a longer
prompt), our overhead as ratios; then 16 concurrent streaming sessions: wall time, TTFT
p50/p95 and aggregate tokens/s (one llama.cpp context generates one answer at a time, so
sessions queue); finally how long an unrelated request takes while 60 chats wait for the model.

Usage: ``python benchmarks/chat.py [--questions 10] [--tokens 64] [--clients 16] [--crowd 60]``
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.retrieval_quality import Server

SYSTEM = "You are a helpful assistant. Answer briefly."
QUESTIONS = [
    "What is the capital of France?",
    "Name three colours of the rainbow.",
    "Why is the sky blue?",
    "What do bees make?",
    "How many legs does a spider have?",
    "What is water made of?",
    "Who wrote Romeo and Juliet?",
    "What is the largest planet?",
    "What language is spoken in Brazil?",
    "What is the boiling point of water?",
]
FACTS = "\n".join(
    [
        "Paris is the capital of France and sits on the river Seine.",
        "Bees make honey from the nectar of flowers.",
        "Spiders have eight legs; insects have six.",
        "Water is made of hydrogen and oxygen.",
        "Jupiter is the largest planet of the solar system.",
    ]
)


def direct(questions: list[str], tokens: int, threads: int) -> list[tuple[float, float, int]]:
    """(time to first token, decode tokens/s, tokens) per question, llama.cpp called in-process."""
    from llama_cpp import Llama

    from ragloom.providers.chat.local_llama import CONTEXT_WINDOW, packaged_gguf

    llama = Llama(model_path=str(packaged_gguf()), n_ctx=CONTEXT_WINDOW, n_threads=threads, verbose=False)
    results = []
    for question in questions:
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
        started = time.perf_counter()
        moments = []
        for chunk in llama.create_chat_completion(messages=messages, stream=True, max_tokens=tokens, temperature=0.0):
            if chunk["choices"][0]["delta"].get("content"):
                moments.append(time.perf_counter())
        results.append(_figures(started, moments))
    llama.close()
    return results


def through_api(server: Server, chat_id: str, question: str) -> tuple[float, float, int]:
    """(time to first token, decode tokens/s, tokens) of one streamed answer through the API."""
    started = time.perf_counter()
    moments = []
    with requests.post(
        f"{server.api}/chats/{chat_id}/completions",
        json={"question": question, "stream": True},
        headers=server.headers,
        stream=True,
        timeout=600,
    ) as response:
        for line in response.iter_lines(chunk_size=1, decode_unicode=True):
            if not line.startswith("data:"):
                continue
            data = json.loads(line[5:])["data"]
            if isinstance(data, dict) and not data.get("final") and data.get("answer"):
                moments.append(time.perf_counter())
    return _figures(started, moments)


def _figures(started: float, moments: list[float]) -> tuple[float, float, int]:
    if not moments:
        return float("nan"), float("nan"), 0
    first = moments[0] - started
    decode = (len(moments) - 1) / (moments[-1] - moments[0]) if len(moments) > 1 and moments[-1] > moments[0] else 0.0
    return first, decode, len(moments)


def crowd(server: Server, chat_id: str, streams: int) -> None:
    """How long an unrelated request (list datasets) takes while ``streams`` chats wait for the model."""
    with concurrent.futures.ThreadPoolExecutor(streams) as pool:
        jobs = [pool.submit(through_api, server, chat_id, "Say something.") for _ in range(streams)]
        time.sleep(2.0)
        started = time.perf_counter()
        server.call("GET", "/datasets")
        elapsed = (time.perf_counter() - started) * 1000
        waiting = sum(not job.done() for job in jobs)
        for job in jobs:
            job.result()
    print(f"  GET /datasets while {waiting} of {streams} streaming chats wait for the model: {elapsed:.0f} ms")


def summary(label: str, results: list[tuple[float, float, int]]) -> tuple[float, float]:
    ttft = statistics.median(result[0] for result in results) * 1000
    rate = statistics.median(result[1] for result in results)
    tokens = sum(result[2] for result in results)
    print(f"  {label:<34} TTFT p50 {ttft:7.1f} ms   decode {rate:6.1f} tokens/s   ({tokens} tokens)")
    return ttft, rate


def make_chat(server: Server, name: str, tokens: int, dataset_id: str | None) -> str:
    body: dict[str, Any] = {
        "name": name,
        "dataset_ids": [dataset_id] if dataset_id else [],
        "llm_setting": {"temperature": 0.0, "max_tokens": tokens},
        "prompt_config": {"system": SYSTEM + ("\n{knowledge}" if dataset_id else ""), "quote": bool(dataset_id)},
        "similarity_threshold": 0.0,
    }
    if dataset_id:
        body["prompt_config"]["parameters"] = [{"key": "knowledge", "optional": False}]
    created, _ = server.call("POST", "/chats", json=body)
    return str(created["id"])


def make_dataset(server: Server) -> str:
    created, _ = server.call(
        "POST",
        "/datasets",
        json={"name": "facts", "embedding_model": "universal-sentence-encoder-multilingual@Builtin"},
    )
    dataset_id = str(created["id"])
    uploaded, _ = server.call(
        "POST", f"/datasets/{dataset_id}/documents", files=[("file", ("facts.txt", FACTS.encode()))]
    )
    server.call("POST", f"/datasets/{dataset_id}/chunks", json={"document_ids": [uploaded[0]["id"]]})
    while True:
        listed, _ = server.call("GET", f"/datasets/{dataset_id}/documents")
        if listed["docs"][0]["run"] in ("DONE", "FAIL"):
            return dataset_id
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--crowd", type=int, default=60, help="chats waiting while an unrelated request is timed")
    parser.add_argument("--threads", type=int, default=2, help="llama.cpp threads (the server's models.chat_threads)")
    options = parser.parse_args()
    questions = (QUESTIONS * (options.questions // len(QUESTIONS) + 1))[: options.questions]
    print(f"{len(questions)} questions, at most {options.tokens} tokens each, llama.cpp threads {options.threads}")
    baseline = summary("llama.cpp in-process (baseline)", direct(questions, options.tokens, options.threads))
    with tempfile.TemporaryDirectory() as scratch:
        server = Server(Path(scratch))
        try:
            plain = make_chat(server, "plain", options.tokens, None)
            grounded = make_chat(server, "grounded", options.tokens, make_dataset(server))
            through_api(server, plain, "warm up")  # loads the model in the server
            api_plain = summary(
                "ragloom API, chat without datasets", [through_api(server, plain, q) for q in questions]
            )
            api_rag = summary("ragloom API, chat over a dataset", [through_api(server, grounded, q) for q in questions])
            for label, (ttft, rate) in (("without datasets", api_plain), ("over a dataset", api_rag)):
                print(
                    f"  overhead {label:<18} TTFT x{ttft / baseline[0]:.2f}, decode rate x{rate / baseline[1]:.2f} "
                    "of the baseline"
                )
            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(options.clients) as pool:
                jobs = [
                    pool.submit(through_api, server, plain, questions[number % len(questions)])
                    for number in range(options.clients)
                ]
                results = [job.result() for job in jobs]
            wall = time.perf_counter() - started
            ttfts = sorted(result[0] * 1000 for result in results)
            tokens = sum(result[2] for result in results)
            complete = all(result[2] > 0 for result in results)
            print(
                f"  {options.clients} concurrent streaming sessions: wall {wall:.1f} s, "
                f"TTFT p50 {ttfts[len(ttfts) // 2]:.0f} ms / p95 {ttfts[int(len(ttfts) * 0.95)]:.0f} ms, "
                f"{tokens / wall:.1f} tokens/s in all, every stream complete: {complete}"
            )
            crowd(server, plain, options.crowd)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
