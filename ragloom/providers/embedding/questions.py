"""Questions embedded at the model's cost: remembered, and batched when they arrive together.

A search embeds one short question and waits for it, so a model serving many searches at once
would run many batches of one. :class:`QuestionBatches` wraps a model so that
``embed_query`` goes through two steps:

1. :class:`QuestionCache`, a bounded least-recently-used map from (model key, text) to the
   vector, shared by every model of a process (the key keeps two models' vectors apart, also two
   tenants' remote models of one id). A question asked again costs nothing.
2. :class:`QuestionBatcher`: a thread whose question finds the model idle embeds it at once,
   alone (no added wait); questions that arrive while a batch runs queue up and become the next
   batch, so under load the model runs full batches. Before running a batch that others already
   share, the thread leading it waits up to ``wait_seconds`` for stragglers. Each caller gets
   its own row back; when the model fails, every caller of that batch gets the error.

Documents are passed through untouched: ingestion already embeds in batches.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ragloom.providers.embedding.protocol import EmbeddingModel

if TYPE_CHECKING:
    from ragloom.providers.embedding.protocol import Vectors

DEFAULT_CACHE_SIZE = 4096
DEFAULT_MAX_BATCH = 32
DEFAULT_WAIT_SECONDS = 0.002


class QuestionCache:
    """Question vectors by (model key, text), at most ``size`` of them (0: remember nothing)."""

    def __init__(self, size: int = DEFAULT_CACHE_SIZE) -> None:
        self._size = size
        self._vectors: OrderedDict[tuple[Hashable, str], Vectors] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, model: Hashable, text: str) -> Vectors | None:
        """The vector remembered for ``text`` under ``model`` (a read-only array), or ``None``."""
        key = (model, text)
        with self._lock:
            vector = self._vectors.get(key)
            if vector is not None:
                self._vectors.move_to_end(key)
            return vector

    def put(self, model: Hashable, text: str, vector: Vectors) -> None:
        """Remember ``vector``, forgetting the least recently used one beyond the bound."""
        if self._size <= 0:
            return
        vector.setflags(write=False)  # shared by every caller that asks the question again
        with self._lock:
            self._vectors[(model, text)] = vector
            self._vectors.move_to_end((model, text))
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)


@dataclass(eq=False)
class _Question:
    text: str
    done: bool = False
    vector: Vectors | None = None
    error: BaseException | None = field(default=None, repr=False)


class QuestionBatcher:
    """Runs ``embed_many`` over the questions of concurrent callers; see the module docstring."""

    def __init__(
        self,
        embed_many: Callable[[list[str]], Vectors],
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
    ) -> None:
        self._embed_many = embed_many
        self._max_batch = max(1, max_batch)
        self._wait_seconds = wait_seconds
        self._condition = threading.Condition()
        self._queue: list[_Question] = []
        self._running = False

    def embed(self, text: str) -> Vectors:
        """The vector of ``text``, computed in whichever batch it joins; the model's error if it failed."""
        question = _Question(text)
        with self._condition:
            self._queue.append(question)
            self._condition.notify_all()  # a leader waiting for stragglers may have a full batch now
        while True:
            with self._condition:
                while self._running and not question.done:
                    self._condition.wait()
                if question.done:
                    break
                self._running = True  # this caller leads the next batch (first come, first served:
                batch = self._take()  # its own question may be in a later one, which it leads too)
            self._run(batch)
        if question.error is not None:
            raise question.error
        assert question.vector is not None
        return question.vector

    def _take(self) -> list[_Question]:
        """The next batch (called holding the condition, as the leader)."""
        if 1 < len(self._queue) < self._max_batch and self._wait_seconds > 0:
            deadline = time.monotonic() + self._wait_seconds
            while len(self._queue) < self._max_batch and (remaining := deadline - time.monotonic()) > 0:
                self._condition.wait(remaining)
        batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
        return batch

    def _run(self, batch: list[_Question]) -> None:
        texts = list(dict.fromkeys(question.text for question in batch))  # one row per distinct text
        try:
            vectors = self._embed_many(texts)
            if vectors.shape[0] != len(texts):
                raise ValueError(f"the model returned {vectors.shape[0]} vectors for {len(texts)} questions")
            row_of = {text: vectors[number].copy() for number, text in enumerate(texts)}  # not views of the batch
            for question in batch:
                question.vector = row_of[question.text]
        except BaseException as error:  # every caller of the batch learns why, and raises it itself
            for question in batch:
                question.error = error
        finally:
            with self._condition:
                for question in batch:
                    question.done = True
                self._running = False
                self._condition.notify_all()  # the done return; one of the others leads the next batch


class QuestionBatches:
    """``model`` with its questions cached and batched (an :class:`EmbeddingModel` itself)."""

    def __init__(
        self,
        model: EmbeddingModel,
        cache: QuestionCache,
        cache_key: Hashable,
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
    ) -> None:
        self.model = model
        self._cache = cache
        self._cache_key = cache_key
        self._batcher = QuestionBatcher(self._embed_questions, max_batch=max_batch, wait_seconds=wait_seconds)

    @property
    def model_id(self) -> str:
        return self.model.model_id

    @property
    def dimension(self) -> int:
        return self.model.dimension

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        return self.model.embed_documents(texts)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self.model.embed_queries(texts)

    def embed_query(self, text: str) -> Vectors:
        vector = self._cache.get(self._cache_key, text)
        if vector is None:
            vector = self._batcher.embed(text)
            self._cache.put(self._cache_key, text, vector)
        return vector

    def _embed_questions(self, texts: list[str]) -> Vectors:
        import numpy as np

        vectors: Vectors = np.asarray(self.model.embed_queries(texts), dtype=np.float32)
        return vectors

    def close(self) -> None:
        close = getattr(self.model, "close", None)
        if close is not None:
            close()
