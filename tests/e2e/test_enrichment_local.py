"""Enrichment end to end with the built-in local model (SmolLM2 through llama.cpp, held to each
answer's JSON schema): a dataset created through ragflow-sdk with ``auto_keywords`` and
``auto_questions`` parses to chunks carrying them, as the chunk list shows."""

from __future__ import annotations

import time
from typing import Any

import pytest
from ragflow_sdk import DataSet

from ragloom.providers.chat.local_llama import SMOLLM2_ID, local_chat_available

TEXT = (
    "Giant pandas live in the bamboo forests of Sichuan, in the mountains of central China.\n\n"
    "The Rhine flows from the Swiss Alps through Germany and the Netherlands into the North Sea.\n"
)


def wait_done(dataset: Any, document_id: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        (document,) = dataset.list_documents(id=document_id)
        if document.run in ("DONE", "FAIL", "CANCEL"):
            return document
        assert time.monotonic() < deadline, f"parsing did not finish in {timeout}s: {document.progress_msg}"
        time.sleep(0.5)


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(not local_chat_available(), reason="the local extra is not installed")
def test_the_built_in_model_gives_chunks_keywords_and_questions(rag: Any, unique_name: str) -> None:
    dataset = rag.create_dataset(
        name=unique_name,
        embedding_model="multilingual-e5-small@Builtin",
        parser_config=DataSet.ParserConfig(rag, {"auto_keywords": 3, "auto_questions": 1, "chunk_token_num": 24}),
    )
    assert dataset.parser_config.auto_keywords == 3
    (document,) = dataset.upload_documents([{"display_name": "nature.txt", "blob": TEXT.encode()}])
    dataset.async_parse_documents([document.id])
    parsed = wait_done(dataset, document.id, timeout=840)
    assert parsed.run == "DONE", parsed.progress_msg
    assert "failed" not in parsed.progress_msg, parsed.progress_msg
    assert SMOLLM2_ID in parsed.progress_msg
    chunks = parsed.list_chunks()
    assert len(chunks) == 2
    for chunk in chunks:
        assert 1 <= len(chunk.important_keywords) <= 3, parsed.progress_msg
        assert all(keyword.strip() for keyword in chunk.important_keywords)
        assert len(chunk.questions) == 1, parsed.progress_msg
        assert chunk.questions[0].strip()
