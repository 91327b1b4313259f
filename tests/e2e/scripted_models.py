"""An OpenAI-compatible model server the test controls: embeddings as slow as it says, and chat
answers that stall, so a parse or a streamed answer is in flight for as long as a test needs.

``embedding_delay`` is how long each ``/embeddings`` request waits before answering (changed
while the server runs); ``embedding_calls`` counts requests, so a test knows a worker is
embedding. ``/chat/completions`` streams ``CHAT_PIECES`` then stalls until the server closes —
or, with ``chat_answer`` set, waits while ``chat_stall`` is true and then streams what
``chat_answer`` returns for the request's last message, whole.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DIMENSION = 8
CHAT_PIECES = ["Pandas ", "eat ", "bamboo"]


class ScriptedModels(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.embedding_delay = 0.0
        self.embedding_calls = 0
        self.chat_calls = 0
        self.chat_answer: Callable[[str], str] | None = None
        self.chat_stall = False
        self.closing = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def config(self, path: Path, extra: str = "") -> Path:
        """A ragloom TOML file naming this server's models ``slow-embed`` and ``stalling-chat``."""
        path.write_text(
            f"{extra}\n"
            "[[models.remote]]\n"
            'name = "slow-embed"\nfactory = "OpenAI-API-Compatible"\n'
            f'base_url = "{self.base_url}"\ndimension = {DIMENSION}\nbatch_size = 1\n'
            "max_retries = 0\ntimeout_seconds = 120\n\n"
            "[[models.remote]]\n"
            'name = "stalling-chat"\nfactory = "OpenAI-API-Compatible"\nkind = "chat"\n'
            f'base_url = "{self.base_url}"\nmax_retries = 0\ntimeout_seconds = 120\n'
        )
        return path

    def wait_for_chat_calls(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.chat_calls < count:
            assert time.monotonic() < deadline, f"only {self.chat_calls} chat calls in {timeout}s"
            time.sleep(0.05)

    def wait_for_embedding_calls(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.embedding_calls < count:
            assert time.monotonic() < deadline, f"only {self.embedding_calls} embedding calls in {timeout}s"
            time.sleep(0.05)

    def close(self) -> None:
        self.closing.set()
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: ScriptedModels

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        if self.path.endswith("/embeddings"):
            self._embed(body)
        elif self.server.chat_answer is not None:
            self._answer(body, self.server.chat_answer)
        else:
            self._chat()

    def _embed(self, body: dict[str, Any]) -> None:
        self.server.embedding_calls += 1
        self.server.closing.wait(self.server.embedding_delay)
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [
            {"index": n, "embedding": [1.0 + (len(text) % 7) / 10] + [0.5] * (DIMENSION - 1)}
            for n, text in enumerate(texts)
        ]
        self._send(json.dumps({"data": data}).encode(), "application/json")

    def _chat(self) -> None:
        self.server.chat_calls += 1
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for piece in CHAT_PIECES:
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.server.closing.wait()  # the model stalls mid-answer

    def _answer(self, body: dict[str, Any], answer: Callable[[str], str]) -> None:
        self.server.chat_calls += 1
        while self.server.chat_stall and not self.server.closing.wait(0.05):
            pass
        text = answer(str(body["messages"][-1]["content"]))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        chunk = {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode())
        self.wfile.flush()

    def _send(self, payload: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_arguments: Any) -> None:
        pass
