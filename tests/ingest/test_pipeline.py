"""The ingest pipeline's embedding and writing steps: one document or several together, progress
between model calls and index writes, and cancellation at each of them."""

from __future__ import annotations

import io

import numpy as np
import pytest

from ragloom.ingest import pipeline as pipeline_module
from ragloom.ingest.context import IngestCancelledError, IngestContext
from ragloom.ingest.pipeline import IngestPipeline
from ragloom.ingest.pipeline_batch import run_many
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.tenants import Caller

CONFIG = {"delimiter": "\n\n", "chunk_token_num": 8}
"""One chunk per paragraph."""


@pytest.fixture
def pipeline(services: Services, monkeypatch: pytest.MonkeyPatch) -> IngestPipeline:
    # small model calls and index writes, so that a short document needs several of each
    monkeypatch.setattr(pipeline_module, "EMBED_BATCH", 4)
    monkeypatch.setattr(pipeline_module, "INDEX_BATCH", 3)
    return IngestPipeline(services.store, services.blobs, services.index, services.embeddings, services.analyzer)


@pytest.fixture
def dataset(services: Services, caller: Caller) -> str:
    return services.datasets.create(caller, NewDataset(name="kb")).record.id


def upload(services: Services, caller: Caller, dataset: str, name: str, paragraphs: int) -> str:
    text = "\n\n".join(f"Paragraph {n} of {name} is about subject {n * 7} and nothing else." for n in range(paragraphs))
    data = text.encode()
    (document,) = services.documents.upload(caller, dataset, [IncomingFile(name, io.BytesIO(data), len(data))])
    services.documents.update(caller, dataset, document.id, {"parser_config": CONFIG})
    return document.id


def test_a_long_document_reports_progress_between_model_calls_and_index_writes(
    services: Services, caller: Caller, dataset: str, pipeline: IngestPipeline
) -> None:
    document = upload(services, caller, dataset, "long.txt", 10)
    reported: list[float] = []
    result = pipeline.run(document, IngestContext(lambda fraction, _message: reported.append(fraction)))
    chunks = result.chunk_count
    assert chunks >= 10
    embedding = [fraction for fraction in reported if 0.75 < fraction < 0.9]
    writing = [fraction for fraction in reported if 0.9 < fraction < 0.99]
    # the title and the chunks in model calls of 4, the chunks in writes of 3: each call or write
    # that leaves the document unfinished says how far it got
    assert embedding == pytest.approx([0.75 + 0.15 * done / (chunks + 1) for done in range(4, chunks + 1, 4)])
    assert writing == pytest.approx([0.9 + 0.09 * done / chunks for done in range(3, chunks, 3)])
    assert reported == sorted(reported)


@pytest.mark.parametrize("stage", ["embedding", "writing"])
def test_a_task_cancelled_between_two_calls_stops_there_and_keeps_its_earlier_chunks(
    services: Services, caller: Caller, dataset: str, pipeline: IngestPipeline, stage: str
) -> None:
    document = upload(services, caller, dataset, "long.txt", 10)
    pipeline.run(document, IngestContext())
    before = sorted(record.id for record in services.index.page(dataset, document)[0])
    low, high = (0.75, 0.9) if stage == "embedding" else (0.9, 0.99)
    seen: list[float] = []

    def report(fraction: float, _message: str) -> None:
        if low < fraction < high:
            seen.append(fraction)

    with pytest.raises(IngestCancelledError):
        pipeline.run(document, IngestContext(report, cancelled=lambda: bool(seen)))
    assert len(seen) == 1  # stopped at the first check after the first call
    records = services.index.page(dataset, document)[0]
    if stage == "embedding":  # nothing was deleted yet: the earlier parse's chunks stay
        assert sorted(record.id for record in records) == before
    else:  # the first write of 3 records landed before the cancel
        assert len(records) == 3


def test_documents_embedded_together_get_the_vectors_they_get_alone(
    services: Services, caller: Caller, dataset: str, pipeline: IngestPipeline
) -> None:
    documents = [upload(services, caller, dataset, f"d{n}.txt", paragraphs) for n, paragraphs in enumerate((6, 1, 3))]
    alone = []
    for document in documents:
        prepared = pipeline.prepare(document, IngestContext())
        pipeline.embed([prepared])
        alone.append(np.vstack([record.vector for record in prepared.records]))
    together = [pipeline.prepare(document, IngestContext()) for document in documents]
    pipeline.embed(together)
    for prepared, vectors in zip(together, alone, strict=True):
        assert prepared.seconds["embed"] >= 0
        np.testing.assert_allclose(np.vstack([record.vector for record in prepared.records]), vectors, atol=1e-5)


def test_run_many_indexes_each_document_and_a_cancelled_one_alone_stays_out(
    services: Services, caller: Caller, dataset: str, pipeline: IngestPipeline
) -> None:
    documents = [upload(services, caller, dataset, f"d{n}.txt", paragraphs) for n, paragraphs in enumerate((5, 2, 1))]
    contexts = [IngestContext(), IngestContext(cancelled=lambda: True), IngestContext()]
    outcomes = run_many(pipeline, documents, contexts)
    assert isinstance(outcomes[1], IngestCancelledError)
    counts = [services.index.document_stats(dataset, document).chunk_count for document in documents]
    assert counts[1] == 0
    assert counts[0] > counts[2] > 0
    assert [getattr(outcome, "chunk_count", None) for outcome in outcomes] == [counts[0], None, counts[2]]
