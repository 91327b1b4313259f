"""Questions cached per model and batched across threads (ragloom.providers.embedding.questions)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pytest

from ragloom.errors import ProviderError
from ragloom.providers.catalog import ModelCatalog
from ragloom.providers.embedding import EmbeddingModels
from ragloom.providers.embedding.questions import QuestionBatcher, QuestionBatches, QuestionCache
from ragloom.settings import ModelSettings, RemoteModel

if TYPE_CHECKING:
    from ragloom.providers.embedding import Vectors

DIMENSION = 4


def vector_of(text: str) -> Vectors:
    """A vector that says which text it belongs to."""
    return np.array([len(text), ord(text[0]), ord(text[-1]), 1.0], dtype=np.float32)


class CountingModel:
    """An embedding model that records every batch of questions it is given; ``gate`` holds the
    first batch until the test opens it, so other questions pile up meanwhile."""

    dimension = DIMENSION

    def __init__(self, model_id: str = "counting@Test", *, failure: str | None = None) -> None:
        self.model_id = model_id
        self.batches: list[list[str]] = []
        self.failure = failure
        self.gate = threading.Event()
        self.gate.set()
        self.started = threading.Event()

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        return np.stack([vector_of(text) for text in texts])

    def embed_query(self, text: str) -> Vectors:
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        self.batches.append(list(texts))
        self.started.set()
        self.gate.wait(10)
        if self.failure is not None:
            raise ProviderError(self.failure)
        return np.stack([vector_of(text) for text in texts])


def ask_in_threads(embed: object, texts: list[str]) -> list[Vectors | BaseException]:
    answers: list[Vectors | BaseException] = [ProviderError("not answered")] * len(texts)

    def ask(number: int) -> None:
        try:
            answers[number] = embed(texts[number])  # type: ignore[operator]
        except BaseException as error:  # the test looks at what each caller got
            answers[number] = error

    threads = [threading.Thread(target=ask, args=(number,)) for number in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return answers


def test_a_question_alone_is_embedded_at_once_as_a_batch_of_one() -> None:
    model = CountingModel()
    batcher = QuestionBatcher(model.embed_queries, wait_seconds=5.0)  # an idle model never waits
    np.testing.assert_array_equal(batcher.embed("cats"), vector_of("cats"))
    assert model.batches == [["cats"]]


def test_questions_arriving_while_the_model_works_share_the_next_batch_and_each_gets_its_own_row() -> None:
    model = CountingModel()
    model.gate.clear()
    batcher = QuestionBatcher(model.embed_queries, wait_seconds=0.0)
    first = threading.Thread(target=batcher.embed, args=("first",))
    first.start()
    assert model.started.wait(10)
    texts = [f"question {number}" for number in range(12)] + ["question 3"]  # one asked twice
    answers: list[Vectors | BaseException] = []
    asking = threading.Thread(target=lambda: answers.extend(ask_in_threads(batcher.embed, texts)))
    asking.start()
    while sum(len(batch) for batch in model.batches) < 1 or len(batcher._queue) < len(texts):
        threading.Event().wait(0.01)
    model.gate.set()
    asking.join(10)
    first.join(10)
    assert model.batches[0] == ["first"]
    assert sorted(model.batches[1]) == sorted(set(texts))  # one batch, each distinct text once
    for text, answer in zip(texts, answers, strict=True):
        assert isinstance(answer, np.ndarray)
        np.testing.assert_array_equal(answer, vector_of(text))


def test_a_batch_holds_at_most_max_batch_questions() -> None:
    model = CountingModel()
    model.gate.clear()
    batcher = QuestionBatcher(model.embed_queries, max_batch=4, wait_seconds=0.0)
    first = threading.Thread(target=batcher.embed, args=("first",))
    first.start()
    assert model.started.wait(10)
    texts = [f"q{number}" for number in range(10)]
    answers: list[Vectors | BaseException] = []
    asking = threading.Thread(target=lambda: answers.extend(ask_in_threads(batcher.embed, texts)))
    asking.start()
    while len(batcher._queue) < len(texts):
        threading.Event().wait(0.01)
    model.gate.set()
    asking.join(10)
    first.join(10)
    assert [len(batch) for batch in model.batches] == [1, 4, 4, 2]
    assert all(np.array_equal(answer, vector_of(text)) for text, answer in zip(texts, answers, strict=True))


def test_every_caller_of_a_failed_batch_gets_the_error_and_the_next_batch_runs() -> None:
    model = CountingModel(failure="the model fell over")
    batcher = QuestionBatcher(model.embed_queries, wait_seconds=0.0)
    answers = ask_in_threads(batcher.embed, ["a", "b", "c"])
    assert all(isinstance(answer, ProviderError) and "fell over" in str(answer) for answer in answers)
    model.failure = None
    np.testing.assert_array_equal(batcher.embed("again"), vector_of("again"))


def test_a_wrong_number_of_rows_is_an_error_not_a_wrong_vector() -> None:
    batcher = QuestionBatcher(lambda texts: np.zeros((0, DIMENSION), dtype=np.float32), wait_seconds=0.0)
    with pytest.raises(ValueError, match="returned 0 vectors for 1"):
        batcher.embed("a")


def test_the_cache_keeps_models_apart_and_forgets_the_least_recently_used() -> None:
    cache = QuestionCache(size=2)
    cache.put("model a", "cats", vector_of("cats"))
    cache.put("model b", "cats", vector_of("dogs"))
    assert np.array_equal(cache.get("model a", "cats"), vector_of("cats"))  # type: ignore[arg-type]
    assert np.array_equal(cache.get("model b", "cats"), vector_of("dogs"))  # type: ignore[arg-type]
    cache.get("model a", "cats")  # now the most recently used
    cache.put("model a", "birds", vector_of("birds"))
    assert cache.get("model b", "cats") is None
    assert cache.get("model a", "cats") is not None
    assert len(cache) == 2


def test_a_cached_vector_cannot_be_changed_by_a_caller() -> None:
    cache = QuestionCache()
    cache.put("m", "cats", vector_of("cats"))
    vector = cache.get("m", "cats")
    assert vector is not None
    with pytest.raises(ValueError, match="read-only"):
        vector[0] = 5.0


def test_a_question_asked_again_is_not_embedded_again_and_size_zero_remembers_nothing() -> None:
    model = CountingModel()
    batches = QuestionBatches(model, QuestionCache(), "key")
    for _ in range(3):
        np.testing.assert_array_equal(batches.embed_query("cats"), vector_of("cats"))
    assert model.batches == [["cats"]]

    uncached = CountingModel()
    plain = QuestionBatches(uncached, QuestionCache(size=0), "key")
    plain.embed_query("cats")
    plain.embed_query("cats")
    assert uncached.batches == [["cats"], ["cats"]]


def test_the_registry_caches_per_model_configuration() -> None:
    """Two remote models of one name but different servers never share a cached question."""
    first = RemoteModel(name="m", factory="VLLM", base_url="http://first.invalid/v1", dimension=DIMENSION)
    second = RemoteModel(name="m", factory="VLLM", base_url="http://second.invalid/v1", dimension=DIMENSION)
    one = EmbeddingModels(ModelCatalog.configured(ModelSettings(remote=[first])))
    other = EmbeddingModels(ModelCatalog.configured(ModelSettings(remote=[second])))
    model_one, model_other = one.get("m@VLLM"), other.get("m@VLLM")
    assert isinstance(model_one, QuestionBatches)
    assert isinstance(model_other, QuestionBatches)
    assert model_one._cache_key != model_other._cache_key
    one.close()
    other.close()
