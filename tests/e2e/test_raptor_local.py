"""RAPTOR end to end with the built-in local model (SmolLM2 through llama.cpp) and the built-in
embedding: a dataset created through ragflow-sdk with ``raptor`` on (``scope: "file"``) parses to its
chunks followed by their summaries, which retrieval finds."""

from __future__ import annotations

from typing import Any

import pytest
from ragflow_sdk import DataSet

from ragloom.providers.chat.local_llama import SMOLLM2_ID, local_chat_available
from tests.e2e.test_enrichment_local import wait_done

PARAGRAPHS = (
    "Giant pandas live in the bamboo forests of Sichuan and eat bamboo most of the day.",
    "Red pandas also eat bamboo and sleep in the trees of the Himalayan forests.",
    "The Rhine flows from the Swiss Alps through Germany and the Netherlands into the North Sea.",
)


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(not local_chat_available(), reason="the local extra is not installed")
def test_the_built_in_model_builds_retrievable_summaries(rag: Any, unique_name: str) -> None:
    raptor = {"use_raptor": True, "scope": "file", "max_token": 48, "random_seed": 0}
    dataset = rag.create_dataset(
        name=unique_name,
        embedding_model="multilingual-e5-small@Builtin",
        parser_config=DataSet.ParserConfig(rag, {"chunk_token_num": 24, "raptor": raptor}),
    )
    text = "\n\n".join(PARAGRAPHS) + "\n"
    (document,) = dataset.upload_documents([{"display_name": "nature.txt", "blob": text.encode()}])
    dataset.async_parse_documents([document.id])
    parsed = wait_done(dataset, document.id, timeout=840)
    assert parsed.run == "DONE", parsed.progress_msg
    assert "raptor failed" not in parsed.progress_msg, parsed.progress_msg
    assert f"raptor: asking {SMOLLM2_ID}." in parsed.progress_msg
    contents = [chunk.content for chunk in parsed.list_chunks()]
    assert contents[:3] == list(PARAGRAPHS)
    summaries = contents[3:]  # listed after the chunks they summarise
    assert summaries, parsed.progress_msg
    assert all(summary.strip() for summary in summaries)
    top = summaries[-1]
    hits = rag.retrieve(dataset_ids=[dataset.id], question=top, similarity_threshold=0.0)
    assert hits[0].content == top
