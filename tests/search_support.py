"""Helpers shared by the search-app tests: searchable datasets and reading SSE answers."""

from __future__ import annotations

import io
import json
from typing import Any

from ragloom.services.chunks import NewChunk
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.tenants import Caller
from tests.conftest import SCRIPTED_EMBEDDING_MODEL

FACT = "Bananas are rich in potassium and grow in tropical climates."
OTHER = "Sourdough bread needs a starter of flour and water."


def searchable_dataset(
    services: Services, caller: Caller, name: str, texts: tuple[str, ...] = (FACT, OTHER)
) -> tuple[str, str]:
    """A dataset of ``caller`` (embedded by the scripted server) whose one document holds one
    chunk per text, added directly (no parsing); its id and the document's."""
    dataset = services.datasets.create(caller, NewDataset(name=name, embedding_model=SCRIPTED_EMBEDDING_MODEL))
    dataset_id = dataset.record.id
    (document,) = services.documents.upload(
        caller, dataset_id, [IncomingFile(name="notes.txt", stream=io.BytesIO(b"x"), size=1)]
    )
    for text in texts:
        services.chunks.add(caller, dataset_id, document.id, NewChunk(content=text))
    return dataset_id, document.id


def sse_payloads(text: str) -> list[Any]:
    """The JSON of every ``data:`` event of a RAGFlow stream."""
    return [json.loads(line[len("data:") :]) for line in text.splitlines() if line.startswith("data:")]


def chat_over_a_dataset(client: Any, headers: dict[str, str], services: Services, caller: Caller) -> str:
    """The id of a chat (created through the API) over a :func:`searchable_dataset` of ``caller``."""
    dataset_id, _ = searchable_dataset(services, caller, "fruit")
    answer = client.post("/api/v1/chats", json={"name": "fruit", "dataset_ids": [dataset_id]}, headers=headers)
    return str(answer.json()["data"]["id"])
