"""``toc_extraction`` and auto-metadata: the document's table of contents and metadata are exactly
what the model answered, within what the document and the configured fields allow."""

from __future__ import annotations

import json
from typing import Any

from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from tests.enrich.conftest import ScriptedModel, document, new_dataset, parse, upload

OUTLINE = """# Pandas

Giant pandas live in the mountains of Sichuan and eat bamboo for most of the day.

# Volcanoes

Volcanoes erupt when magma rises through the crust and reaches the surface of the earth.

## Lava

Lava from a volcano flows downhill and cools into black basalt rock over many weeks.
"""
HEADINGS = [
    {"title": "Pandas", "level": 1, "chunk": 0},
    {"title": "Volcanoes", "level": 1, "chunk": "2"},
    {"title": "Lava", "level": 2, "chunk": 4},
    {"title": "Beyond the end", "level": 1, "chunk": 99},
]


def toc_of(services: Services, document_id: str) -> list[dict[str, Any]] | None:
    with services.store.reading() as tx:
        toc = tx.enrichment.toc(document_id)
    return None if toc is None else list(toc.entries)


def test_the_table_of_contents_maps_each_heading_to_the_chunks_of_its_section(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers = {"toc_extraction": lambda _user: "Here you go:\n" + json.dumps(HEADINGS)}
    dataset_id = new_dataset(services, caller, toc_extraction=True)
    document_id = upload(services, caller, dataset_id, OUTLINE, "nature.md")
    parse(services, caller, dataset_id, document_id)
    ids = [record.id for record in services.index.page(dataset_id, document_id)[0]]
    assert len(ids) == 6  # each heading and each paragraph is a chunk
    assert toc_of(services, document_id) == [
        {"level": 1, "title": "Pandas", "chunk_ids": ids[0:2]},
        {"level": 1, "title": "Volcanoes", "chunk_ids": ids[2:6]},
        {"level": 2, "title": "Lava", "chunk_ids": ids[4:6]},
    ]
    ((_enricher, user),) = model.asked
    assert "[0] Pandas\n[1] Giant pandas live in the mountains" in user
    # the chunk list does not show the table of contents
    assert services.index.document_stats(dataset_id, document_id).chunk_count == 6


def test_a_reparse_without_toc_extraction_removes_the_old_one(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers = {"toc_extraction": lambda _user: json.dumps(HEADINGS)}
    dataset_id = new_dataset(services, caller, toc_extraction=True)
    document_id = upload(services, caller, dataset_id, OUTLINE, "nature.md")
    parse(services, caller, dataset_id, document_id)
    with services.store.writing() as tx:
        stored = tx.documents.get(document_id)
        assert stored is not None
        stored.parser_config = {**stored.parser_config, "toc_extraction": False}
    parse(services, caller, dataset_id, document_id)
    assert toc_of(services, document_id) is None


FIELDS = [
    {"key": "author", "type": "string", "description": "who wrote the document", "enum": None},
    {"key": "topics", "type": "list", "description": None, "enum": ["animals", "geology", "weather"]},
    {"key": "year", "type": "number", "description": "year written", "enum": None},
    {"key": "published", "type": "time", "description": None, "enum": None},
    {"key": "mood", "type": "string", "description": None, "enum": ["calm", "angry"]},
]
ANSWER = {
    "author": "Jane Roe",
    "topics": ["Geology", "animals", "cooking"],
    "year": "2021",
    "published": "2021-03-04",
    "mood": "sleepy",
    "unasked": "ignored",
}


def test_configured_metadata_fields_are_filled_as_their_types_allow(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers = {"auto_metadata": lambda _user: f"```json\n{json.dumps(ANSWER)}\n```"}
    dataset_id = new_dataset(services, caller)
    services.datasets.set_metadata_config(caller, dataset_id, {"metadata": FIELDS, "built_in_metadata": []})
    document_id = upload(services, caller, dataset_id)
    with services.store.writing() as tx:
        stored = tx.documents.get(document_id)
        assert stored is not None
        stored.meta_fields = {"source": "web", "mood": "calm"}
    parse(services, caller, dataset_id, document_id)
    assert document(services, document_id).meta_fields == {
        "source": "web",
        "mood": "calm",  # the model's value is not one of the field's: the old one stays
        "author": "Jane Roe",
        "topics": ["geology", "animals"],
        "year": 2021,
        "published": "2021-03-04",
    }
    ((_enricher, user),) = model.asked
    assert "- topics (list). One of: animals, geology, weather" in user
    assert "- author (string): who wrote the document" in user
    assert "Giant pandas live in the mountains" in user
    assert "auto_metadata: Metadata from" in document(services, document_id).progress_msg


def test_toc_enhance_lifts_the_chunks_of_the_section_the_question_names(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    from ragloom.rag.toc import TOC_WEIGHT
    from ragloom.services.retrieval import RetrievalQuery

    model.answers = {"toc_extraction": lambda _user: json.dumps(HEADINGS)}
    dataset_id = new_dataset(services, caller, toc_extraction=True)
    document_id = upload(services, caller, dataset_id, OUTLINE, "nature.md")
    parse(services, caller, dataset_id, document_id)
    ids = [record.id for record in services.index.page(dataset_id, document_id)[0]]

    def similarities(toc_enhance: bool) -> dict[str, float]:
        query = RetrievalQuery([dataset_id], "volcanoes", similarity_threshold=0.0, toc_enhance=toc_enhance)
        return {hit.record.id: hit.similarity for hit in services.retrieval.retrieve(caller, query).hits}

    plain, enhanced = similarities(False), similarities(True)
    assert set(plain) == set(enhanced) == set(ids)
    gains = [round(enhanced[chunk_id] - plain[chunk_id], 6) for chunk_id in ids]
    assert gains == [0.0, 0.0, TOC_WEIGHT, TOC_WEIGHT, TOC_WEIGHT, TOC_WEIGHT]
    lava_paragraph = ids[5]  # never says "volcanoes", ranks above the panda chunks only with the contents
    assert sorted(enhanced, key=lambda chunk_id: -enhanced[chunk_id]).index(lava_paragraph) < 4
