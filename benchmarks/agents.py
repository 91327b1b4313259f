"""Agents through the API against baselines measured in the same run.

1. The runtime's own overhead: an echo agent (Begin -> Message ``{sys.query}``) answered through
   ``POST /agents/chat/completions`` (non-stream, in a session), p50 and p95, against a bare
   ``GET /system/ping`` on the same server, and the same canvas run in-process by the runtime.
2. An LLM flow (Begin -> LLM -> Message) with the built-in local model (needs the ``local``
   extra): time to the first streamed token through the API against calling the model directly
   (llama.cpp in this process, same messages, same threads). Target: at most 1.1x.
3. 16 concurrent streaming sessions on the LLM flow: wall time, time-to-first-token p50/p95 and
   answers completed (one llama.cpp context answers one at a time, so sessions queue).

Usage: ``python benchmarks/agents.py [--requests 200] [--questions 8] [--tokens 32] [--clients 16]``
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
from ragloom.agents import Canvas, Runner, RunRequest, RunState, builtin_components

QUESTIONS = [
    "What is the capital of France?",
    "Name three colours of the rainbow.",
    "Why is the sky blue?",
    "What do bees make?",
    "How many legs does a spider have?",
    "What is water made of?",
    "Who wrote Romeo and Juliet?",
    "What is the largest planet?",
]
SYSTEM = "You are a helpful assistant. Answer briefly."


def echo_dsl() -> dict[str, Any]:
    return {
        "components": {
            "begin": {"obj": {"component_name": "Begin", "params": {}}, "downstream": ["Message:1"]},
            "Message:1": {"obj": {"component_name": "Message", "params": {"content": ["{sys.query}"]}}},
        }
    }


def llm_dsl(tokens: int) -> dict[str, Any]:
    settings = {"temperature": 0.0, "temperatureEnabled": True, "max_tokens": tokens, "maxTokensEnabled": True}
    return {
        "components": {
            "begin": {"obj": {"component_name": "Begin", "params": {}}, "downstream": ["LLM:1"]},
            "LLM:1": {
                "obj": {
                    "component_name": "LLM",
                    "params": {"llm_id": "SmolLM2-135M-Instruct@Builtin", "sys_prompt": SYSTEM, **settings},
                },
                "downstream": ["Message:1"],
            },
            "Message:1": {"obj": {"component_name": "Message", "params": {"content": ["{LLM:1@content}"]}}},
        }
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed_ms(action: Any) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def agent_with_session(server: Server, title: str, dsl: dict[str, Any]) -> tuple[str, str]:
    agent, _ = server.call("POST", "/agents", json={"title": title, "dsl": dsl})
    session, _ = server.call("POST", f"/agents/{agent['id']}/sessions", json={})
    return str(agent["id"]), str(session["id"])


def overhead(server: Server, count: int) -> None:
    agent_id, session_id = agent_with_session(server, "echo", echo_dsl())
    http = requests.Session()
    http.headers.update(server.headers)
    body = {"agent_id": agent_id, "session_id": session_id, "query": "hello", "stream": False}
    url = f"{server.api}/agents/chat/completions"
    for _ in range(10):  # warm up
        http.post(url, json=body, timeout=60)
        http.get(f"{server.api}/system/ping", timeout=60)
    agent_ms = [timed_ms(lambda: http.post(url, json=body, timeout=60).json()) for _ in range(count)]
    ping_ms = [timed_ms(lambda: http.get(f"{server.api}/system/ping", timeout=60)) for _ in range(count)]
    canvas = Canvas.build(echo_dsl(), builtin_components())
    state = RunState.fresh(echo_dsl())
    runtime_ms = [
        timed_ms(lambda: list(Runner(canvas, state, _NoModels()).run(RunRequest(query="hello")))) for _ in range(count)
    ]
    print(f"echo agent, {count} requests")
    for label, values in (
        ("GET /system/ping", ping_ms),
        ("agent turn through the API", agent_ms),
        ("runtime alone, in-process", runtime_ms),
    ):
        print(f"  {label:<28} p50 {statistics.median(values):7.2f} ms  p95 {percentile(values, 0.95):7.2f} ms")
    print(f"  API turn / ping: {statistics.median(agent_ms) / statistics.median(ping_ms):.2f}x")


class _NoModels:
    tenant_id = "benchmark"

    def chat_model(self, model_id: str) -> Any:
        raise RuntimeError(f"the echo agent calls no model (asked for {model_id!r})")


def first_token_through_api(server: Server, agent_id: str, session_id: str, question: str) -> float:
    body = {"agent_id": agent_id, "session_id": session_id, "query": question}
    started = time.perf_counter()
    with requests.post(
        f"{server.api}/agents/chat/completions", json=body, headers=server.headers, stream=True, timeout=300
    ) as response:
        first = None
        for line in response.iter_lines(decode_unicode=True):
            is_message = line.startswith("data:") and '"event":"message"' in line
            if first is None and is_message and json.loads(line[5:])["data"].get("content"):
                first = time.perf_counter() - started
        return (first or 0.0) * 1000


def first_token_direct(questions: list[str], tokens: int, threads: int) -> list[float]:
    from ragloom.providers.chat.local_llama import LlamaGenerator, packaged_gguf

    path = packaged_gguf()
    assert path is not None, "needs the local extra"
    generator = LlamaGenerator(path, threads=threads)
    settings = {"temperature": 0.0, "max_tokens": tokens}
    times = []
    for question in questions:
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
        started = time.perf_counter()
        pieces = generator.generate(messages, settings, lambda: False)
        next(pieces)
        times.append((time.perf_counter() - started) * 1000)
        for _ in pieces:
            pass
    generator.close()
    return times


def llm_flow(server: Server, questions: list[str], tokens: int, clients: int) -> None:
    agent_id, _ = agent_with_session(server, "llm", llm_dsl(tokens))
    warm = server.call("POST", f"/agents/{agent_id}/sessions", json={})[0]["id"]
    first_token_through_api(server, agent_id, warm, "Hello")  # loads the model in its process
    api_ms = []
    for question in questions:
        session, _ = server.call("POST", f"/agents/{agent_id}/sessions", json={})
        api_ms.append(first_token_through_api(server, agent_id, session["id"], question))
    direct_ms = first_token_direct(questions, tokens, threads=2)
    print(f"LLM flow, {len(questions)} questions, {tokens} tokens, SmolLM2-135M")
    print(f"  llama.cpp called directly   TTFT p50 {statistics.median(direct_ms):7.1f} ms")
    print(f"  agent through the API       TTFT p50 {statistics.median(api_ms):7.1f} ms")
    print(f"  ratio: {statistics.median(api_ms) / statistics.median(direct_ms):.2f}x (target <= 1.1x)")

    sessions = [server.call("POST", f"/agents/{agent_id}/sessions", json={})[0]["id"] for _ in range(clients)]
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        firsts = list(
            pool.map(
                lambda pair: first_token_through_api(server, agent_id, pair[1], QUESTIONS[pair[0] % len(QUESTIONS)]),
                enumerate(sessions),
            )
        )
    wall = time.perf_counter() - started
    done = sum(1 for value in firsts if value > 0)
    print(f"{clients} concurrent streaming sessions: {done}/{clients} answered, wall {wall:.1f} s,")
    print(f"  TTFT p50 {statistics.median(firsts) / 1000:.1f} s  p95 {percentile(firsts, 0.95) / 1000:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--skip-llm", action="store_true", help="only the runtime's overhead")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = Server(Path(folder) / "data")
        try:
            overhead(server, options.requests)
            if not options.skip_llm:
                llm_flow(server, QUESTIONS[: options.questions], options.tokens, options.clients)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
