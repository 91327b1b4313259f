"""``auto_keywords`` / ``auto_questions``: each chunk gets exactly what the model answered for it,
searchable by those terms, embedded by its questions; one call per chunk."""

from __future__ import annotations

import json

import numpy as np

from ragloom.services.container import Services
from ragloom.services.retrieval import RetrievalQuery
from ragloom.services.task_ledger import Standing
from ragloom.services.tenants import Caller
from tests.enrich.conftest import MARKERS, ScriptedModel, by_marker, new_dataset, parse, upload
from tests.openai_server import hashed_vector

KEYWORDS = {
    "pandas": '["giant panda", "bamboo", "Sichuan"]',
    "Volcanoes erupt": 'Keywords: magma, crust, eruption, "surface"',  # prose and commas are read too
    "Lava": '```json\n["lava", "basalt", "lava"]\n```',
}
QUESTIONS = {
    "pandas": json.dumps(["What do giant pandas eat?", "Where do giant pandas live?"]),
    "Volcanoes erupt": "1. Why do volcanoes erupt?\n2. What reaches the surface in an eruption?",
    "Lava": json.dumps(["What rock does cooled lava form?"]),
}


def chunks_of(services: Services, dataset_id: str, document_id: str) -> list[tuple[str, list[str], list[str]]]:
    records, _total = services.index.page(dataset_id, document_id)
    return [(record.content, record.important_keywords, record.questions) for record in records]


def parsed(services: Services, caller: Caller, model: ScriptedModel) -> tuple[str, str]:
    """A dataset asking for 3 keywords and 2 questions, and its document parsed."""
    model.answers = {"auto_keywords": by_marker(KEYWORDS), "auto_questions": by_marker(QUESTIONS)}
    dataset_id = new_dataset(services, caller, auto_keywords=3, auto_questions=2)
    document_id = upload(services, caller, dataset_id)
    assert parse(services, caller, dataset_id, document_id) is Standing.HELD
    return dataset_id, document_id


def test_each_chunk_gets_the_keywords_and_questions_the_model_gave_it(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    dataset_id, document_id = parsed(services, caller, model)
    chunks = chunks_of(services, dataset_id, document_id)
    assert [marker in content for (content, _k, _q), marker in zip(chunks, MARKERS, strict=True)] == [True] * 3
    assert [(keywords, questions) for _content, keywords, questions in chunks] == [
        (["giant panda", "bamboo", "Sichuan"], ["What do giant pandas eat?", "Where do giant pandas live?"]),
        (["magma", "crust", "eruption"], ["Why do volcanoes erupt?", "What reaches the surface in an eruption?"]),
        (["lava", "basalt"], ["What rock does cooled lava form?"]),
    ]
    assert (model.calls("auto_keywords"), model.calls("auto_questions")) == (3, 3)


def test_a_chunk_is_found_by_its_keywords_and_embedded_by_its_questions(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    dataset_id, document_id = parsed(services, caller, model)
    found = services.retrieval.retrieve(
        caller, RetrievalQuery([dataset_id], "eruption", vector_similarity_weight=0.0, similarity_threshold=0.1)
    )
    assert [hit.record.content.split()[0] for hit in found.hits] == ["Volcanoes"]
    panda = next(record for record in services.index.page(dataset_id, document_id)[0] if "pandas" in record.content)
    stored = services.index.get(dataset_id, panda.id, with_vector=True)
    assert stored is not None
    assert stored.vector is not None
    # the questions' vector (blended with the title's, weight 0.1), not the content's
    blended = 0.9 * np.array(hashed_vector("\n".join(panda.questions))) + 0.1 * np.array(hashed_vector("nature"))
    blended /= np.linalg.norm(blended)
    assert abs(float(stored.vector @ blended) - 1.0) < 1e-5


def test_the_prompt_asks_for_the_configured_number(services: Services, caller: Caller, model: ScriptedModel) -> None:
    model.answers = {"auto_keywords": by_marker(KEYWORDS)}
    dataset_id = new_dataset(services, caller, auto_keywords=7)
    parse(services, caller, dataset_id, upload(services, caller, dataset_id))
    users = [user for enricher, user in model.asked if enricher == "auto_keywords"]
    assert len(users) == 3
    assert all("the 7 most important keywords" in user for user in users)
    assert sorted(next(marker for marker in MARKERS if marker in user) for user in users) == sorted(MARKERS)
