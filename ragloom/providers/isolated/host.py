"""The model process: one built-in model, answering frames on its stdin and stdout.

Started by :class:`~ragloom.providers.isolated.supervisor.ModelProcess` as
``python -m ragloom.providers.isolated.host SPEC PARENT_PID``. The model is loaded at start;
requests are served one at a time, in order, on the main thread (llama.cpp keeps one OpenMP
team that way, and a model has one context); a reader thread takes requests off the pipe so
that a ``cancel`` reaches a generation while it runs. Anything printed to stdout — by native
code too — is sent to stderr, so frames are the only thing on the reply pipe. The process
ends when its stdin closes or its parent dies.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import sys
import threading
from typing import IO, Any

import numpy as np

from ragloom.errors import RagloomError
from ragloom.lifetime import die_with_parent
from ragloom.providers.isolated.frames import Frame, FrameError, read_frame, write_frame
from ragloom.providers.isolated.spec import HostedKind, HostSpec

log = logging.getLogger("ragloom.model_process")


class ModelHost:
    """Serves one model's requests from ``requests`` and writes replies to ``replies``."""

    def __init__(self, spec: HostSpec, replies: IO[bytes], *, model: Any = None) -> None:
        """``model`` stands in for the one ``spec`` names (loaded at :meth:`serve` when not given)."""
        self._spec = spec
        self._replies = replies
        self._queue: queue.Queue[Frame | None] = queue.Queue()
        self._lock = threading.Lock()
        self._waiting: set[int] = set()  # queued, not started
        self._active: int | None = None
        self._cancelled: set[int] = set()  # only ids that are waiting or active, so it stays small
        self._closing = False
        self._model: Any = model
        self._load_error = ""

    def serve(self, requests: IO[bytes]) -> None:
        """Answer requests until ``requests`` ends."""
        threading.Thread(target=self._read, args=(requests,), name="requests", daemon=True).start()
        if self._model is None:
            self._load()
        self._reply(0, "ready")  # loading is over (a failure is each request's answer)
        while (frame := self._queue.get()) is not None:
            with self._lock:
                self._waiting.discard(frame.id)
                if frame.id in self._cancelled or self._closing:
                    self._cancelled.discard(frame.id)
                    continue
                self._active = frame.id
            try:
                self._handle(frame)
            except RagloomError as error:
                self._reply(frame.id, "error", message=error.message)
            except Exception as error:  # process boundary: a failed request is that request's answer
                log.exception("request %s failed", frame.kind)
                self._reply(frame.id, "error", message=f"{type(error).__name__}: {error}")
            finally:
                with self._lock:
                    self._active = None
                    self._cancelled.discard(frame.id)
        if self._model is not None and hasattr(self._model, "close"):
            self._model.close()

    def _read(self, requests: IO[bytes]) -> None:
        try:
            while (frame := read_frame(requests)) is not None:
                with self._lock:
                    if frame.kind == "cancel":
                        if frame.id in self._waiting or frame.id == self._active:
                            self._cancelled.add(frame.id)
                        continue
                    self._waiting.add(frame.id)
                self._queue.put(frame)
        except (OSError, FrameError) as error:
            log.error("request pipe broken: %s", error)
        finally:
            with self._lock:
                self._closing = True  # the server is gone or closed us: stop whatever runs
            self._queue.put(None)

    def _is_cancelled(self, request_id: int) -> bool:
        with self._lock:
            return self._closing or request_id in self._cancelled

    def _load(self) -> None:
        try:
            if self._spec.kind is HostedKind.CHAT:
                from ragloom.providers.chat.local_llama import INSTALL_HINT, LlamaGenerator, packaged_gguf

                path = packaged_gguf()
                if path is None:
                    self._load_error = f"it is not installed: {INSTALL_HINT}"
                    return
                self._model = LlamaGenerator(path, threads=self._spec.threads)
            else:
                from ragloom.providers.embedding.builtin import load_builtin_embedding

                self._model = load_builtin_embedding(self._spec.model_id, threads=self._spec.threads)
        except RagloomError as error:
            self._load_error = error.message
        except Exception as error:  # process boundary: say why the model cannot serve
            log.exception("loading %s failed", self._spec.model_id)
            self._load_error = f"{type(error).__name__}: {error}"

    def _handle(self, frame: Frame) -> None:
        if self._model is None:
            self._reply(frame.id, "error", message=f"it could not be loaded: {self._load_error}")
        elif frame.kind == "generate" and self._spec.kind is HostedKind.CHAT:
            self._generate(frame)
        elif frame.kind == "embed" and self._spec.kind is HostedKind.EMBEDDING:
            self._embed(frame)
        else:
            self._reply(frame.id, "error", message=f"a {self._spec.kind} model cannot answer {frame.kind!r}")

    def _generate(self, frame: Frame) -> None:
        from ragloom.providers.chat.protocol import ToolCall

        messages = frame.header["messages"]
        written: list[str] = []
        tools = frame.header.get("tools")
        extra = {"tools": tools, "tool_choice": frame.header.get("tool_choice")} if tools else {}
        for piece in self._model.generate(
            messages, frame.header.get("options") or {}, lambda: self._is_cancelled(frame.id), **extra
        ):
            if isinstance(piece, ToolCall):
                written.append(piece.arguments)
                self._reply(
                    frame.id, "tool_call", call={"id": piece.id, "name": piece.name, "arguments": piece.arguments}
                )
            else:
                written.append(piece)
                self._reply(frame.id, "text", text=piece)
        usage = self._model.usage(messages, "".join(written))
        self._reply(
            frame.id, "done", usage={"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens}
        )

    def _embed(self, frame: Frame) -> None:
        texts = [str(text) for text in frame.header["texts"]]
        embed = self._model.embed_queries if frame.header.get("query") else self._model.embed_documents
        vectors = embed(texts)
        rows = np.ascontiguousarray(vectors, dtype="<f4")
        self._reply(frame.id, "vectors", payload=rows.tobytes(), shape=list(rows.shape))

    def _reply(self, request_id: int, kind: str, *, payload: bytes = b"", **fields: Any) -> None:
        write_frame(self._replies, Frame({"id": request_id, "kind": kind, **fields}, payload))


def main(arguments: list[str]) -> int:
    spec, parent_pid = HostSpec.from_json(arguments[0]), int(arguments[1])
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # native code printing to stdout must not corrupt the frames
    sys.stdout = sys.stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when this process ends
    die_with_parent(parent_pid)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    ModelHost(spec, replies).serve(sys.stdin.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
