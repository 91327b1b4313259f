"""RAPTOR while parsing (``scope: "file"``): on the scripted model, the summaries are exactly what it
answered, arranged in the tree the clustering makes — levels, and which nodes each summary covers —
and they are chunks of the document that normal retrieval finds."""

from __future__ import annotations

from typing import Any

import pytest

from ragloom.enrich.raptor import RaptorSettings, is_summary
from ragloom.services.container import Services
from ragloom.services.retrieval import RetrievalQuery
from ragloom.services.tenants import Caller
from ragloom.storage.index import ChunkRecord
from tests.enrich.conftest import ScriptedModel, document, new_dataset, parse, upload
from tests.openai_server import OpenAIStyleServer

PANDAS = (
    "Giant pandas eat bamboo in the bamboo forests of Sichuan.",
    "Giant pandas sleep in the bamboo forests of Sichuan.",
    "Giant pandas climb in the bamboo forests of Sichuan.",
)
VOLCANOES = (
    "Hot volcanoes erupt lava and magma over volcanic rock.",
    "Hot volcanoes pour lava and magma over volcanic rock.",
    "Hot volcanoes spit lava and magma over volcanic rock.",
)
TEXT = "\n\n".join(PANDAS + VOLCANOES) + "\n"
PROMPT = "Sum up these passages:\n{cluster_content}\nThat is all."
SUMMARIES = {
    "bamboo": "Pandas live on bamboo in Sichuan.",
    "magma": "Volcanoes pour out lava and magma.",
}
TOP = "Nature holds pandas and volcanoes."
RAPTOR = {"use_raptor": True, "scope": "file", "prompt": PROMPT, "max_token": 100, "random_seed": 0}


def summarise(user: str) -> str:
    """The top when the content names both topics, else the summary of the one it names."""
    if "Pandas live" in user and "Volcanoes pour" in user:
        return TOP
    return next(summary for word, summary in SUMMARIES.items() if word in user)


def chunks_of(services: Services, dataset_id: str, document_id: str) -> list[ChunkRecord]:
    return services.index.page(dataset_id, document_id)[0]


def test_the_summary_tree_of_a_document(
    services: Services, caller: Caller, model: ScriptedModel, chat_server: OpenAIStyleServer
) -> None:
    model.answers = {"raptor": summarise}
    dataset_id = new_dataset(services, caller, raptor=RAPTOR)
    document_id = upload(services, caller, dataset_id, TEXT)
    parse(services, caller, dataset_id, document_id)
    listed = chunks_of(services, dataset_id, document_id)
    chunks = [chunk for chunk in listed if not is_summary(chunk)]
    assert [chunk.content for chunk in chunks] == list(PANDAS + VOLCANOES)
    summaries = listed[len(chunks) :]  # listed after the chunks, in the order they were made
    tree = [
        (summary.extra["raptor_layer_int"], summary.content, summary.extra["raptor_covers"]) for summary in summaries
    ]
    ids = [chunk.id for chunk in chunks]
    assert tree == [
        (1, SUMMARIES["bamboo"], ids[:3]),
        (1, SUMMARIES["magma"], ids[3:]),
        (2, TOP, [summaries[0].id, summaries[1].id]),
    ]
    assert all(summary.extra["raptor_kwd"] == "raptor" for summary in summaries)
    # asked once per cluster, with the configured prompt holding the cluster's texts and max_token
    assert model.calls("raptor") == 3
    asked = chat_server.chat_requests
    level_one = {body["messages"][-1]["content"] for body in asked[:2]}  # asked two at a time: either order
    assert level_one == {PROMPT.replace("{cluster_content}", "\n".join(topic)) for topic in (PANDAS, VOLCANOES)}
    assert asked[2]["messages"][-1]["content"] == PROMPT.replace(
        "{cluster_content}", f"{SUMMARIES['bamboo']}\n{SUMMARIES['magma']}"
    )
    assert {body["max_tokens"] for body in asked} == {100}
    parsed = document(services, document_id)
    assert parsed.chunk_count == 9
    assert "raptor: 3 summaries in 2 level(s) over 6 chunks." in parsed.progress_msg


def test_retrieval_finds_a_summary(services: Services, caller: Caller, model: ScriptedModel) -> None:
    model.answers = {"raptor": summarise}
    dataset_id = new_dataset(services, caller, raptor=RAPTOR)
    document_id = upload(services, caller, dataset_id, TEXT)
    parse(services, caller, dataset_id, document_id)
    query = RetrievalQuery(dataset_ids=[dataset_id], question="What holds pandas and volcanoes?")
    hits = services.retrieval.retrieve(caller, query).hits
    assert hits[0].record.content == TOP
    assert hits[0].record.document_id == document_id


def test_a_reparse_asks_nothing_again_and_replaces_the_summaries(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers = {"raptor": summarise}
    dataset_id = new_dataset(services, caller, raptor=RAPTOR)
    document_id = upload(services, caller, dataset_id, TEXT)
    parse(services, caller, dataset_id, document_id)
    first = [chunk.id for chunk in chunks_of(services, dataset_id, document_id)]
    parse(services, caller, dataset_id, document_id)
    assert [chunk.id for chunk in chunks_of(services, dataset_id, document_id)] == first
    assert model.calls("raptor") == 3  # all three answers came from the cache
    assert "raptor: 3 summaries in 2 level(s) over 6 chunks. (0 model calls, 3 from cache" in (
        document(services, document_id).progress_msg
    )


def test_ragflows_default_config_builds_nothing_while_parsing(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    # the naive default holds use_raptor: true with no scope: RAGFlow builds those summaries on request
    dataset_id = new_dataset(services, caller, raptor={"use_raptor": True})
    with services.store.writing() as tx:
        dataset = tx.datasets.get(dataset_id)
        assert dataset is not None
        dataset.parser_config = {**dataset.parser_config, "raptor": {"use_raptor": True}}
    document_id = upload(services, caller, dataset_id, TEXT)
    with services.store.writing() as tx:
        stored = tx.documents.get(document_id)
        assert stored is not None
        stored.parser_config = {**stored.parser_config, "raptor": {"use_raptor": True}}
    parse(services, caller, dataset_id, document_id)
    assert model.asked == []
    assert len(chunks_of(services, dataset_id, document_id)) == 6


def test_a_model_that_answers_nothing_leaves_the_chunks_indexed(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers = {"raptor": lambda _user: "   "}
    dataset_id = new_dataset(services, caller, raptor=RAPTOR)
    document_id = upload(services, caller, dataset_id, TEXT)
    parse(services, caller, dataset_id, document_id)
    parsed = document(services, document_id)
    assert parsed.run == "3"
    assert parsed.chunk_count == 6
    assert "raptor failed: chat model parrot@OpenAI-API-Compatible gave an empty summary" in parsed.progress_msg


def test_settings_take_either_name_of_the_threshold_and_bound_the_rest() -> None:
    assert RaptorSettings.from_config({"raptor": {"clustering_threshold": 0.3, "threshold": 0.2}}).threshold == 0.3
    assert RaptorSettings.from_config({"raptor": {"threshold": 0.2}}).threshold == 0.2
    read: dict[str, Any] = {"raptor": {"max_token": 9999, "max_cluster": 0, "prompt": " ", "scope": "dataset"}}
    settings = RaptorSettings.from_config(read)
    assert (settings.max_token, settings.max_cluster, settings.scope) == (2048, 1, "dataset")
    assert settings.prompt.startswith("Please summarize the following paragraphs.")
    assert RaptorSettings().skips("table.xlsx")
    assert not RaptorSettings().skips("notes.txt")


@pytest.mark.parametrize("way", [{"clustering_method": "ahc"}, {"tree_builder": "psi"}])
def test_the_other_ways_of_building_the_tree(
    services: Services, caller: Caller, model: ScriptedModel, way: dict[str, str]
) -> None:
    """Agglomerative clustering per level, or the Psi tree from the chunks' own similarities: on two
    clear topics both make the same tree as the mixtures — a summary per topic, then the top."""
    model.answers = {"raptor": summarise}
    dataset_id = new_dataset(services, caller, raptor={**RAPTOR, **way})
    document_id = upload(services, caller, dataset_id, TEXT)
    parse(services, caller, dataset_id, document_id)
    listed = chunks_of(services, dataset_id, document_id)
    ids = [chunk.id for chunk in listed if not is_summary(chunk)]
    summaries = {chunk.content: chunk for chunk in listed if is_summary(chunk)}
    assert sorted(summaries) == sorted([SUMMARIES["bamboo"], SUMMARIES["magma"], TOP])
    bamboo, magma, top = (summaries[text] for text in (SUMMARIES["bamboo"], SUMMARIES["magma"], TOP))
    assert (bamboo.extra["raptor_layer_int"], bamboo.extra["raptor_covers"]) == (1, ids[:3])
    assert (magma.extra["raptor_layer_int"], magma.extra["raptor_covers"]) == (1, ids[3:])
    assert top.extra["raptor_layer_int"] == 2
    assert sorted(top.extra["raptor_covers"]) == sorted([bamboo.id, magma.id])
    assert model.calls("raptor") == 3


def test_settings_read_the_clustering_method_and_the_tree_builder() -> None:
    settings = RaptorSettings.from_config({"raptor": {"clustering_method": "ahc", "tree_builder": "psi"}})
    assert (settings.clustering_method, settings.tree_builder) == ("ahc", "psi")
    assert (RaptorSettings().clustering_method, RaptorSettings().tree_builder) == ("gmm", "raptor")


def test_a_psi_summary_that_cannot_be_written_leaves_its_parent_covering_its_children(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    def answer(user: str) -> str:  # nothing for the pandas alone
        return " " if "Giant pandas" in user and "Volcanoes" not in user else summarise(user)

    model.answers = {"raptor": answer}
    dataset_id = new_dataset(services, caller, raptor={**RAPTOR, "tree_builder": "psi"})
    document_id = upload(services, caller, dataset_id, TEXT)
    parse(services, caller, dataset_id, document_id)
    listed = chunks_of(services, dataset_id, document_id)
    ids = [chunk.id for chunk in listed if not is_summary(chunk)]
    summaries = {chunk.content: chunk for chunk in listed if is_summary(chunk)}
    assert sorted(summaries) == sorted([SUMMARIES["magma"], "Pandas live on bamboo in Sichuan."])
    # the top was asked over the pandas' own chunks and the volcanoes' summary: the pandas one answers
    top = summaries["Pandas live on bamboo in Sichuan."]
    assert sorted(top.extra["raptor_covers"]) == sorted([*ids[:3], summaries[SUMMARIES["magma"]].id])
    assert top.extra["raptor_layer_int"] == 2
