"""Asking a chat model about many pieces of content for one enricher: cached, concurrent, counted.

An enricher hands over its :class:`Ask` s and a reader for the answers. Answers already kept for
the same enricher, model, prompt and content (by hash, :class:`~ragloom.storage.metadata.tables.
EnrichmentResult`) are reused without a call; the rest are asked at most ``concurrency`` at a time,
and readable answers are kept as they arrive (:data:`SAVE_EVERY` per write, the rest when the calls
end, also on a cancel or failure), so a retry pays only for what was not answered yet. A cancelled
task stops at the next checkpoint: pending calls are dropped and running ones stop reading their
stream.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from ragloom.clock import now_ms
from ragloom.enrich.errors import EnrichmentFailedError, UnreadableReplyError
from ragloom.enrich.usage import EnricherUsage, UsageMeter
from ragloom.errors import ProviderError
from ragloom.ingest.context import IngestCancelledError, IngestContext
from ragloom.nlp import count_tokens
from ragloom.nlp.token_count import truncate_to_tokens
from ragloom.providers.chat import ChatMessage, ChatModel, GenerationOptions
from ragloom.storage.metadata import MetadataStore

WAIT_SECONDS = 0.2
"""How often the waiting thread passes a cancellation checkpoint."""
SAVE_EVERY = 16
"""Answers kept per cache write (one transaction each; the rest are kept when the calls end)."""

Reader = Callable[[str], Any]
"""Turns an answer into a JSON-able result, or raises :class:`UnreadableReplyError`."""


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def prompt_hash(settings: Mapping[str, Any]) -> str:
    """A hash of everything besides the content an answer depends on (prompt text, N, schema…)."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Ask:
    """One question about one piece of ``content`` (hashed for the cache; ``messages`` hold it)."""

    content: str
    messages: tuple[ChatMessage, ...]


@dataclass(frozen=True)
class Prompting:
    """How an enricher asks: its name, the settings its answers depend on, and generation options."""

    enricher: str
    settings: Mapping[str, Any]
    options: GenerationOptions


class EnrichmentModel:
    """One chat model as enrichers use it, with its cache and call limits."""

    def __init__(
        self,
        model: ChatModel,
        store: MetadataStore,
        *,
        concurrency: int,
        max_tokens: int,
        max_chunk_tokens: int,
    ) -> None:
        self._model = model
        self._store = store
        self._concurrency = concurrency
        self._max_tokens = max_tokens
        self._max_chunk_tokens = max_chunk_tokens
        self._meters: dict[str, UsageMeter] = {}

    @property
    def model_id(self) -> str:
        return self._model.model_id

    @property
    def max_chunk_tokens(self) -> int:
        """The most tokens one piece of content may take in a prompt."""
        return self._max_chunk_tokens

    def usage(self, enricher: str) -> EnricherUsage:
        """What ``enricher``'s calls through this model cost so far."""
        return self._meters.setdefault(enricher, UsageMeter()).usage

    def fit(self, text: str, limit: int | None = None) -> str:
        """``text`` cut to the most tokens one piece of content may take in a prompt."""
        return truncate_to_tokens(text, limit or self._max_chunk_tokens)

    def ask_all(
        self, prompting: Prompting, asks: Sequence[Ask], read: Reader, context: IngestContext
    ) -> list[Any | None]:
        """The read answers of ``asks`` in order (``None`` where an answer was unreadable).

        Raises :class:`EnrichmentFailedError` when the model fails or no answer at all is readable,
        :class:`IngestCancelledError` when the task is cancelled.
        """
        meter = self._meters.setdefault(prompting.enricher, UsageMeter())
        limit = min(prompting.options.max_tokens or self._max_tokens, self._max_tokens)
        options = GenerationOptions(
            temperature=prompting.options.temperature, max_tokens=limit, json_schema=prompting.options.json_schema
        )
        settings_hash = prompt_hash({**prompting.settings, "max_tokens": limit})
        hashes = [content_hash(ask.content) for ask in asks]
        with self._store.reading() as tx:
            kept = tx.enrichment.cached(prompting.enricher, self.model_id, settings_hash, set(hashes))
        results: list[Any | None] = [kept.get(digest) for digest in hashes]
        missing = [number for number, digest in enumerate(hashes) if digest not in kept]
        meter.cached(len(asks) - len(missing))
        if not missing:
            return results
        stop = threading.Event()
        reasons: list[str] = []
        unsaved: list[tuple[str, Any]] = []

        def one(number: int) -> tuple[int, Any | None]:
            answer = self._answer(asks[number], options, meter, stop)
            try:
                return number, read(answer)
            except UnreadableReplyError as error:
                meter.unreadable()
                reasons.append(str(error))
                return number, None

        def save() -> None:
            if unsaved:
                with self._store.writing() as tx:
                    for digest, result in unsaved:
                        tx.enrichment.keep(prompting.enricher, self.model_id, settings_hash, digest, result, now_ms())
                unsaved.clear()

        done = len(asks) - len(missing)
        pool = ThreadPoolExecutor(max_workers=self._concurrency, thread_name_prefix="enrich")
        pending: set[Future[tuple[int, Any | None]]] = {pool.submit(one, number) for number in missing}
        try:
            while pending:
                finished, pending = wait(pending, timeout=WAIT_SECONDS, return_when=FIRST_COMPLETED)
                for future in finished:
                    number, result = future.result()
                    results[number] = result
                    if result is not None:
                        unsaved.append((hashes[number], result))
                    done += 1
                if len(unsaved) >= SAVE_EVERY:
                    save()
                context.progress(done / len(asks))
        except (IngestCancelledError, ProviderError):
            stop.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            for future in pending:  # answers that arrived as the task stopped were paid for: keep them
                if future.done() and not future.cancelled() and future.exception() is None:
                    number, result = future.result()
                    if result is not None:
                        unsaved.append((hashes[number], result))
            save()
        if all(result is None for result in results):
            raise EnrichmentFailedError(f"chat model {self.model_id} gave {reasons[0]}")
        return results

    def _answer(self, ask: Ask, options: GenerationOptions, meter: UsageMeter, stop: threading.Event) -> str:
        if stop.is_set():
            raise IngestCancelledError
        started = time.perf_counter()
        pieces: list[str] = []
        usage = None
        try:
            for delta in self._model.stream(ask.messages, options):
                if stop.is_set():
                    raise IngestCancelledError
                pieces.append(delta.content)
                usage = delta.usage or usage
        except ProviderError as error:
            raise EnrichmentFailedError(f"chat model {self.model_id} failed: {error.message}") from None
        answer = "".join(pieces)
        if usage is not None:
            meter.called(usage.prompt_tokens, usage.completion_tokens, time.perf_counter() - started)
        else:
            prompt = sum(count_tokens(message.content) for message in ask.messages)
            meter.called(prompt, count_tokens(answer), time.perf_counter() - started)
        return answer
