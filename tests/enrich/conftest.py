"""Enrichment in-process on the scripted model server: a test scripts what the chat model answers
for each enricher (by its system prompt) and reads what the server was asked."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from ragloom.enrich import keywords, metadata, mind_map, questions, raptor, toc
from ragloom.enrich.graph import build as graph_build
from ragloom.enrich.graph import extraction as graph_extraction
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.task_ledger import Standing
from ragloom.services.tenants import Caller
from ragloom.storage.metadata.tables import Document
from ragloom.workers.handlers import task_handlers
from ragloom.workers.runner import TaskRunner
from tests.conftest import SCRIPTED_EMBEDDING_MODEL
from tests.openai_server import OpenAIStyleServer

TEXT = (
    "Giant pandas live in the mountains of Sichuan and eat bamboo for most of the day.\n\n"
    "Volcanoes erupt when magma rises through the crust and reaches the surface of the earth.\n\n"
    "Lava from a volcano flows downhill and cools into black basalt rock over many weeks.\n"
)
MARKERS = ("pandas", "Volcanoes erupt", "Lava")
"""A word of each chunk of :data:`TEXT`, in order (each paragraph is a chunk)."""

SYSTEMS = {
    keywords.SYSTEM: "auto_keywords",
    questions.SYSTEM: "auto_questions",
    toc.SYSTEM: "toc_extraction",
    metadata.SYSTEM: "auto_metadata",
    graph_extraction.SYSTEM: "graph",
    graph_extraction.GLEAN_SYSTEM: "graph_glean",
    graph_extraction.NER_SYSTEM: "graph_ner",
    graph_build.COMMUNITY_SYSTEM: "graph_community",
    raptor.SYSTEM: "raptor",
    mind_map.SYSTEM: "mind_map",
}

Answer = Callable[[str], str]
"""What the scripted model answers an enricher, given the user message."""


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


class ScriptedModel:
    """Routes each chat request to the answer scripted for its enricher, and counts requests."""

    def __init__(self, server: OpenAIStyleServer) -> None:
        self.answers: dict[str, Answer] = {}
        self.asked: list[tuple[str, str]] = []
        self._server = server
        server.chat_reply = self._reply

    def _reply(self, body: dict[str, Any]) -> dict[str, Any]:
        system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
        enricher = SYSTEMS.get(system, "?")
        self.asked.append((enricher, user))
        return {"content": self.answers[enricher](user)}

    def calls(self, enricher: str) -> int:
        return sum(1 for name, _user in self.asked if name == enricher)


@pytest.fixture
def model(chat_server: OpenAIStyleServer) -> ScriptedModel:
    return ScriptedModel(chat_server)


def by_marker(table: dict[str, str]) -> Answer:
    """Answers with ``table[marker]`` for the first marker found in the passage."""

    def answer(user: str) -> str:
        passage = user.split(">>>")[0]
        return next(reply for marker, reply in table.items() if marker in passage)

    return answer


def new_dataset(services: Services, caller: Caller, **parser_config: Any) -> str:
    config = {"chunk_token_num": 20, **parser_config}
    spec = NewDataset(name="kb", embedding_model=SCRIPTED_EMBEDDING_MODEL, parser_config=config)
    return services.datasets.create(caller, spec).record.id


def upload(services: Services, caller: Caller, dataset_id: str, text: str = TEXT, name: str = "nature.txt") -> str:
    data = text.encode()
    (document,) = services.documents.upload(caller, dataset_id, [IncomingFile(name, io.BytesIO(data), len(data))])
    return document.id


def parse(services: Services, caller: Caller, dataset_id: str, document_id: str) -> Standing:
    """Queue a parse and run it to its end on this thread."""
    services.parsing.start(caller, dataset_id, [document_id], refuse_running=False)
    task = services.ledger.claim("w1")
    assert task is not None
    return TaskRunner(services.ledger, task_handlers(services), "w1", lease_seconds=30).run(task)


def document(services: Services, document_id: str) -> Document:
    with services.store.reading() as tx:
        found = tx.documents.get(document_id)
    assert found is not None
    return found
