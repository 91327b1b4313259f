"""Tag features: tagging text against tag datasets, and the score they add."""

from __future__ import annotations

import io

import pytest

from ragloom.ingest.context import IngestContext
from ragloom.ingest.pipeline import IngestPipeline
from ragloom.nlp import TextAnalyzer
from ragloom.rag.tags import Tagger, tag_scores
from ragloom.services.container import Services
from ragloom.services.datasets import DatasetChanges, NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.retrieval import RetrievalQuery
from ragloom.services.tenants import Caller
from ragloom.storage.index import ChunkRecord
from ragloom.testing.chunk_index import chunk

ANALYZER = TextAnalyzer()
TAG_ROWS = [
    ("How do I reset my password", ["account"]),
    ("My login keeps failing", ["account"]),
    ("Two factor authentication codes", ["account", "security"]),
    ("Travel expense limits per day", ["finance"]),
    ("Reimbursement of hotel costs", ["finance"]),
]


@pytest.fixture
def tag_dataset(services: Services, caller: Caller) -> str:
    tag_dataset = services.datasets.create(caller, NewDataset(name="tags", chunk_method="tag")).record.id
    (document,) = services.documents.upload(caller, tag_dataset, [IncomingFile("tags.csv", io.BytesIO(b"x"), 1)])
    services.index.upsert(
        [
            chunk(f"t{n}", text, dataset_id=tag_dataset, document_id=document.id, tag_keywords=tags)
            for n, (text, tags) in enumerate(TAG_ROWS)
        ]
    )
    return tag_dataset


@pytest.fixture
def tagger(services: Services, caller: Caller, tag_dataset: str) -> Tagger:
    return Tagger(services.store, services.index, [tag_dataset], tenant_id=caller.tenant_id)


def test_text_gets_the_tags_of_similar_tag_rows(tagger: Tagger) -> None:
    tags = tagger.tags(ANALYZER.terms("password reset and login problems"), 2)
    assert list(tags) == ["account"]
    assert tags["account"] > 0
    assert list(tagger.tags(ANALYZER.terms("hotel expense"), 3)) == ["finance"]
    assert tagger.tags(ANALYZER.terms("volcanoes"), 3) == {}


def test_tag_scores_are_ten_times_the_cosine() -> None:
    records = [
        ChunkRecord("a", "d", "doc", "n", "x", tag_features={"account": 2.0}),
        ChunkRecord("b", "d", "doc", "n", "y", tag_features={"finance": 1.0}),
        ChunkRecord("c", "d", "doc", "n", "z"),
    ]
    scores = tag_scores({"account": 1.0}, records)
    assert scores.tolist() == pytest.approx([10.0, 0.0, 0.0])
    assert tag_scores({}, records).tolist() == [0.0, 0.0, 0.0]


def test_tagged_datasets_get_tagged_chunks_and_tag_ranked_retrieval(
    services: Services, caller: Caller, tag_dataset: str
) -> None:
    dataset = services.datasets.create(caller, NewDataset(name="kb")).record.id
    services.datasets.update(caller, dataset, DatasetChanges({"parser_config": {"tag_kb_ids": [tag_dataset]}}))
    text = b"Resetting a forgotten password takes two minutes.\n\nHotel costs are reimbursed within a week."
    config = {"tag_kb_ids": [tag_dataset], "delimiter": "\n\n", "chunk_token_num": 12}
    (document,) = services.documents.upload(caller, dataset, [IncomingFile("guide.txt", io.BytesIO(text), len(text))])
    services.documents.update(caller, dataset, document.id, {"parser_config": config})
    pipeline = IngestPipeline(services.store, services.blobs, services.index, services.embeddings, services.analyzer)
    pipeline.run(document.id, IngestContext())
    records, _total = services.index.page(dataset, document.id)
    tags = {record.content.split()[0]: set(record.tag_features) for record in records}
    assert "account" in tags["Resetting"]
    assert "finance" not in tags["Resetting"]
    assert tags["Hotel"] == {"finance"}

    query = RetrievalQuery(dataset_ids=[dataset], question="login password trouble", similarity_threshold=0.0)
    result = services.retrieval.retrieve(caller, query)
    assert result.hits[0].record.content.startswith("Resetting")
    assert result.hits[0].similarity > 5  # the tag feature (10 x cosine) is added
    assert result.labels is not None
    assert list(result.labels) == ["account"]


def test_another_tenants_tag_dataset_is_never_used(
    services: Services, caller: Caller, other_caller: Caller, tag_dataset: str
) -> None:
    foreign = Tagger(services.store, services.index, [tag_dataset], tenant_id=other_caller.tenant_id)
    assert not foreign.usable
    assert foreign.tags(ANALYZER.terms("password reset"), 3) == {}
    dataset = services.datasets.create(other_caller, NewDataset(name="kb")).record.id
    services.datasets.update(other_caller, dataset, DatasetChanges({"parser_config": {"tag_kb_ids": [tag_dataset]}}))
    query = RetrievalQuery(dataset_ids=[dataset], question="password reset", similarity_threshold=0.0)
    assert services.retrieval.retrieve(other_caller, query).labels is None
