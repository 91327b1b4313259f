"""Reasoning never reaches the answer: a remote model that thinks aloud in ``<think>`` tags, end to end.

The model is a scripted OpenAI-compatible server (a fake at the edge: what matters here is what ragloom
does with a thinking model's stream, which SmolLM2 never produces). Its tags arrive split across chunks.
Through RAGFlow's stream the reasoning comes between ``start_to_think``/``end_to_think`` markers as
``reasoning_content`` with an empty ``answer``; through the OpenAI route it comes as ``reasoning_content``
with ``content`` null; stored sessions and non-stream answers hold only the answer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.e2e.conftest import free_port, ragloom, start_server, stop_server

PIECES = ["<thi", "nk>Let me think", " about it.</th", "ink>The answer", " is 42."]
ANSWER = "The answer is 42."
REASONING = "Let me think about it."
MODEL = "thinker@DeepSeek"


class ThinkingModel(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for piece in PIECES:
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())

    def log_message(self, *_arguments: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]) -> Iterator[tuple[str, str]]:
    model = ThreadingHTTPServer(("127.0.0.1", free_port()), ThinkingModel)
    threading.Thread(target=model.serve_forever, daemon=True).start()
    folder = tmp_path_factory.mktemp("thinking")
    config = folder / "ragloom.toml"
    config.write_text(
        f'[[models.remote]]\nname = "thinker"\nfactory = "DeepSeek"\nkind = "chat"\n'
        f'base_url = "http://127.0.0.1:{model.server_address[1]}/v1"\n'
    )
    env = {**server_env, "RAGLOOM_CONFIG": str(config)}
    key = ragloom("apikey", "create", "--data-dir", str(folder / "data"), env=env).strip()
    process, base_url = start_server(folder / "data", env, folder / "server.log")
    try:
        yield f"{base_url}/api/v1", key
    finally:
        stop_server(process)
        model.shutdown()
        model.server_close()


def events(response: requests.Response) -> list[Any]:
    return [json.loads(line[5:]) for line in response.iter_lines(decode_unicode=True) if line.startswith("data:")]


def test_reasoning_is_kept_out_of_answers_on_every_route(server: tuple[str, str]) -> None:
    api, key = server
    headers = {"Authorization": f"Bearer {key}"}
    created = requests.post(f"{api}/chats", json={"name": "thinking", "llm_id": MODEL}, headers=headers, timeout=30)
    chat_id = created.json()["data"]["id"]

    with requests.post(
        f"{api}/chats/{chat_id}/completions", json={"question": "Why?"}, headers=headers, stream=True, timeout=60
    ) as response:
        streamed = [event["data"] for event in events(response)]
    assert streamed[-1] is True
    deltas = streamed[:-1]
    assert deltas[0]["start_to_think"] is True
    assert "".join(delta.get("reasoning_content", "") for delta in deltas) == REASONING
    assert any(delta.get("end_to_think") for delta in deltas)
    assert "".join(delta["answer"] for delta in deltas) == ANSWER
    session_id = deltas[0]["session_id"]

    answer = requests.post(
        f"{api}/chats/{chat_id}/completions",
        json={"question": "Why?", "stream": False, "session_id": session_id},
        headers=headers,
        timeout=60,
    ).json()["data"]
    assert answer["answer"] == ANSWER
    assert answer["reasoning_content"] == REASONING
    stored = requests.get(f"{api}/chats/{chat_id}/sessions/{session_id}", headers=headers, timeout=30).json()
    assert [message["content"] for message in stored["data"]["messages"] if message["role"] == "assistant"][1:] == [
        ANSWER,
        ANSWER,
    ]

    url = f"{api}/openai/{chat_id}/chat/completions"
    body = {"model": "model", "messages": [{"role": "user", "content": "Why?"}]}
    message = requests.post(url, json=body, headers=headers, timeout=60).json()["choices"][0]["message"]
    assert message["content"] == ANSWER
    assert message["reasoning_content"] == REASONING
    with requests.post(url, json={**body, "stream": True}, headers=headers, stream=True, timeout=60) as response:
        lines = [line for line in response.iter_lines(decode_unicode=True) if line.startswith("data:")]
    assert lines[-1] == "data:[DONE]"
    chunks = [json.loads(line[5:])["choices"][0]["delta"] for line in lines[:-1]]
    assert "".join(chunk["content"] or "" for chunk in chunks) == ANSWER
    assert "".join(chunk["reasoning_content"] or "" for chunk in chunks) == REASONING
    assert all(not (chunk["content"] and chunk["reasoning_content"]) for chunk in chunks)
