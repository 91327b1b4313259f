"""``POST /retrieval`` end to end: every parameter's effect, the hit shape, errors and rerank (contract §7, §2.3d).

Datasets are built by adding chunks by hand to placeholder documents (no parsing), except for parent-child
chunking, which needs a real parse. Scores come from the built-in ``multilingual-e5-small`` model: its cosine
similarities sit around 0.7-0.9 for any pair of texts, so a chunk sharing no word with the question scores about
``0.3 * 0.8 = 0.24`` at the default weight, and one sharing all of them about ``0.7 + 0.3 * 0.85 = 0.95``.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from ragloom.providers.chat.local_llama import local_chat_available
from tests.e2e.conftest import LiveServer, free_port, ragloom, start_server, stop_server

EMPTY_RESULT = {"total": 0, "chunks": [], "doc_aggs": {}}
HIT_KEYS = {
    "id",
    "content",
    "content_ltks",
    "document_id",
    "document_keyword",
    "dataset_id",
    "important_keywords",
    "tag_kwd",
    "image_id",
    "positions",
    "similarity",
    "vector_similarity",
    "term_similarity",
    "doc_type_kwd",
    "mom_id",
    "row_id",
}
# Unspaced Chinese: retrieval-augmented generation, Beijing weather, a restaurant, a football match, a cat.
CHINESE = [
    "检索增强生成结合了知识库和大语言模型来回答问题。",
    "今天北京的天气非常晴朗适合去公园散步。",
    "这家餐厅的红烧肉味道很好价格也便宜。",
    "足球比赛在周六晚上八点开始。",
    "猫喜欢在阳光下睡觉。",
]
FRUIT = [
    "Apples grow in cold orchards and ripen in autumn.",
    "Bananas are rich in potassium and grow in tropical climates.",
    "Cherries blossom in spring before the fruit appears.",
    "Dates come from palm trees in hot deserts.",
    "Figs were among the first plants cultivated by farmers.",
]


# ---- helpers --------------------------------------------------------------------------------------


@dataclass
class Corpus:
    """A dataset built by hand: its documents by name and its chunk ids by content."""

    dataset: Any
    documents: dict[str, Any]
    chunk_ids: dict[str, str]

    @property
    def id(self) -> str:
        return str(self.dataset.id)

    def document_id(self, name: str) -> str:
        return str(self.documents[name].id)


def build(rag, name: str, documents: dict[str, list[str]], **dataset_fields: Any) -> Corpus:  # type: ignore[no-untyped-def]
    """A dataset holding one placeholder document per key, with the given chunks added to each."""
    dataset = rag.create_dataset(name=name, **dataset_fields)
    uploaded = dataset.upload_documents([{"display_name": doc, "blob": b"placeholder"} for doc in documents])
    by_name = {document.name: document for document in uploaded}
    jobs = [(by_name[doc], content) for doc, contents in documents.items() for content in contents]
    with ThreadPoolExecutor(4) as pool:
        chunks = list(pool.map(lambda job: job[0].add_chunk(job[1]), jobs))
    return Corpus(dataset, by_name, {chunk.content: chunk.id for chunk in chunks})


def post(api: str, auth: dict[str, str], body: Any) -> requests.Response:
    return requests.post(f"{api}/retrieval", json=body, headers=auth, timeout=60)


def retrieve(api: str, auth: dict[str, str], **body: Any) -> dict[str, Any]:
    """The ``data`` of a successful retrieval."""
    answer = post(api, auth, body).json()
    assert answer["code"] == 0, answer
    assert "message" not in answer  # envelope R
    data: dict[str, Any] = answer["data"]
    return data


def contents(data: dict[str, Any]) -> list[str]:
    return [hit["content"] for hit in data["chunks"]]


def error(api: str, auth: dict[str, str], body: Any) -> dict[str, Any]:
    response = post(api, auth, body)
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


# ---- similarity_threshold, document_ids, metadata_condition -------------------------------------


def test_threshold_drops_weak_hits_and_total_counts_what_is_left(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"fruit.txt": FRUIT})
    question = "bananas potassium"

    everything = retrieve(api, auth, dataset_ids=[corpus.id], question=question, similarity_threshold=0)
    assert everything["total"] == len(FRUIT)
    strong = [hit["id"] for hit in everything["chunks"] if hit["similarity"] >= 0.5]
    assert strong == [corpus.chunk_ids[FRUIT[1]]]

    filtered = retrieve(api, auth, dataset_ids=[corpus.id], question=question, similarity_threshold=0.5)
    assert filtered["total"] == 1
    assert [hit["id"] for hit in filtered["chunks"]] == strong
    assert filtered["doc_aggs"] == [{"doc_name": "fruit.txt", "doc_id": corpus.document_id("fruit.txt"), "count": 1}]

    # a threshold between the third and fourth best keeps exactly three
    similarities = [hit["similarity"] for hit in everything["chunks"]]
    between = (similarities[2] + similarities[3]) / 2
    three = retrieve(api, auth, dataset_ids=[corpus.id], question=question, similarity_threshold=between)
    assert three["total"] == 3
    assert [hit["id"] for hit in three["chunks"]] == [hit["id"] for hit in everything["chunks"][:3]]
    assert sum(doc["count"] for doc in three["doc_aggs"]) == 3

    nothing = retrieve(api, auth, dataset_ids=[corpus.id], question=question, similarity_threshold=0.99)
    assert (nothing["total"], nothing["chunks"]) == (0, [])

    by_default = retrieve(api, auth, dataset_ids=[corpus.id], question=question)
    assert all(hit["similarity"] >= 0.2 for hit in by_default["chunks"])
    assert by_default["total"] == len(by_default["chunks"])


def test_document_ids_restrict_the_search_and_keep_the_threshold(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"apples.txt": FRUIT[:1], "others.txt": FRUIT[1:4]})
    question = "apples orchards autumn"
    others = corpus.document_id("others.txt")

    unrestricted = retrieve(api, auth, dataset_ids=[corpus.id], question=question, similarity_threshold=0)
    assert unrestricted["chunks"][0]["content"] == FRUIT[0]

    restricted = retrieve(
        api, auth, dataset_ids=[corpus.id], document_ids=[others], question=question, similarity_threshold=0
    )
    assert restricted["total"] == 3
    assert {hit["document_id"] for hit in restricted["chunks"]} == {others}
    assert sorted(contents(restricted)) == sorted(FRUIT[1:4])

    # None of the other document's chunks share a word with the question: the threshold leaves nothing.
    thresholded = retrieve(
        api, auth, dataset_ids=[corpus.id], document_ids=[others], question=question, similarity_threshold=0.5
    )
    assert (thresholded["total"], thresholded["chunks"]) == (0, [])


def test_metadata_condition_keeps_matching_documents(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"a.txt": FRUIT[:2], "b.txt": FRUIT[2:4], "c.txt": FRUIT[4:]})
    corpus.documents["a.txt"].update({"meta_fields": {"author": "Alice", "year": 2021, "tags": ["red", "blue"]}})
    corpus.documents["b.txt"].update({"meta_fields": {"author": "Bob", "year": 2019}})
    corpus.documents["c.txt"].update({"meta_fields": {"author": "carol", "year": "2023"}})
    names = {document.id: name for name, document in corpus.documents.items()}

    def documents_found(logic: str, *conditions: tuple[str, str, Any]) -> set[str]:
        condition = {
            "logic": logic,
            "conditions": [{"name": n, "comparison_operator": o, "value": v} for n, o, v in conditions],
        }
        data = retrieve(
            api, auth, dataset_ids=[corpus.id], question="fruit", similarity_threshold=0, metadata_condition=condition
        )
        assert data["total"] == len(data["chunks"])
        assert {names[doc["doc_id"]] for doc in data["doc_aggs"]} == {names[h["document_id"]] for h in data["chunks"]}
        return {names[hit["document_id"]] for hit in data["chunks"]}

    assert documents_found("and", ("author", "is", "alice")) == {"a.txt"}  # strings: case-insensitive
    assert documents_found("and", ("year", ">", "2020")) == {"a.txt", "c.txt"}  # numbers: numerically
    assert documents_found("and", ("year", "≤", 2019)) == {"b.txt"}
    assert documents_found("and", ("author", "contains", "o"), ("year", "<", "2022")) == {"b.txt"}
    assert documents_found("or", ("author", "=", "bob"), ("year", "≥", "2023")) == {"b.txt", "c.txt"}
    assert documents_found("and", ("author", "in", "alice, carol")) == {"a.txt", "c.txt"}
    assert documents_found("and", ("author", "start with", "ca")) == {"c.txt"}
    assert documents_found("and", ("tags", "contains", "blue")) == {"a.txt"}
    assert documents_found("and", ("author", "≠", "alice")) == {"b.txt", "c.txt"}


def test_metadata_condition_matching_nothing_gives_the_empty_result(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"a.txt": FRUIT[:2]})
    corpus.documents["a.txt"].update({"meta_fields": {"author": "Alice"}})
    for condition in (
        {"logic": "and", "conditions": [{"name": "author", "comparison_operator": "is", "value": "zed"}]},
        {"conditions": [{"name": "missing_key", "comparison_operator": "not empty", "value": ""}]},
        {
            "logic": "and",
            "conditions": [
                {"name": "author", "comparison_operator": "is", "value": "alice"},
                {"name": "author", "comparison_operator": "is", "value": "bob"},
            ],
        },
    ):
        answer = post(
            api, auth, {"dataset_ids": [corpus.id], "question": "apples", "metadata_condition": condition}
        ).json()
        assert answer == {"code": 0, "data": EMPTY_RESULT}, condition


def test_reference_metadata_adds_the_requested_fields(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"a.txt": FRUIT[:1], "b.txt": FRUIT[1:2], "bare.txt": FRUIT[2:3]})
    corpus.documents["a.txt"].update({"meta_fields": {"author": "Alice", "year": 2021, "topic": "apples"}})
    corpus.documents["b.txt"].update({"meta_fields": {"author": "Bob", "year": 2019}})
    base = {"dataset_ids": [corpus.id], "question": "fruit", "similarity_threshold": 0}

    plain = retrieve(api, auth, **base)
    assert plain["total"] == 3
    assert all("document_metadata" not in hit for hit in plain["chunks"])

    limited = retrieve(api, auth, **base, reference_metadata={"include": True, "fields": ["author", "year"]})
    metadata = {hit["content"]: hit.get("document_metadata") for hit in limited["chunks"]}
    assert metadata == {
        FRUIT[0]: {"author": "Alice", "year": 2021},
        FRUIT[1]: {"author": "Bob", "year": 2019},
        FRUIT[2]: None,  # a document without metadata gets no key
    }

    everything = retrieve(api, auth, **base, reference_metadata={"include": True})
    metadata = {hit["content"]: hit.get("document_metadata") for hit in everything["chunks"]}
    assert metadata[FRUIT[0]] == {"author": "Alice", "year": 2021, "topic": "apples"}

    excluded = retrieve(api, auth, **base, reference_metadata={"include": False, "fields": ["author"]})
    assert all("document_metadata" not in hit for hit in excluded["chunks"])


# ---- highlight, paging, empty question, weights, top_k, availability, pagerank ------------------


def test_highlight_marks_stemmed_english_and_unspaced_chinese(rag, api, auth, unique_name):
    english = "The routers connected two office networks."
    corpus = build(rag, unique_name, {"mixed.txt": [english, CHINESE[0]]})
    base = {"dataset_ids": [corpus.id], "similarity_threshold": 0}

    data = retrieve(api, auth, **base, question="connecting a router", highlight=True)
    (hit,) = [hit for hit in data["chunks"] if hit["content"] == english]
    assert hit["highlight"] == "The <em>routers</em> <em>connected</em> two office networks."
    assert hit["content"] == english  # content itself stays unmarked

    data = retrieve(api, auth, **base, question="知识库", highlight=True)
    assert data["chunks"][0]["content"] == CHINESE[0]
    assert "<em>知识库</em>" in data["chunks"][0]["highlight"]
    assert data["chunks"][0]["highlight"].replace("<em>", "").replace("</em>", "") == CHINESE[0]

    as_string = retrieve(api, auth, **base, question="知识库", highlight="true")
    assert "<em>知识库</em>" in as_string["chunks"][0]["highlight"]

    for off in ({}, {"highlight": False}, {"highlight": "false"}):
        data = retrieve(api, auth, **base, question="知识库", **off)
        assert all("highlight" not in hit for hit in data["chunks"]), off


def test_pages_partition_the_ranked_list(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"fruit.txt": FRUIT})
    base = {"dataset_ids": [corpus.id], "question": "fruit grow in trees", "similarity_threshold": 0}

    whole = retrieve(api, auth, **base)
    ranked = [hit["id"] for hit in whole["chunks"]]
    assert len(ranked) == whole["total"] == len(FRUIT)

    pages = [retrieve(api, auth, **base, page=page, page_size=2) for page in (1, 2, 3, 4)]
    assert [page["total"] for page in pages] == [len(FRUIT)] * 4
    assert [len(page["chunks"]) for page in pages] == [2, 2, 1, 0]
    assert [hit["id"] for page in pages for hit in page["chunks"]] == ranked
    # doc_aggs count every hit, not just the page's
    assert pages[0]["doc_aggs"] == [{"doc_name": "fruit.txt", "doc_id": corpus.document_id("fruit.txt"), "count": 5}]


def test_empty_question_gives_the_empty_result(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"fruit.txt": FRUIT[:1]})
    for question in ("", "   "):
        answer = post(api, auth, {"dataset_ids": [corpus.id], "question": question}).json()
        assert answer == {"code": 0, "data": EMPTY_RESULT}, repr(question)


def test_vector_similarity_weight_sets_the_mix(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"fruit.txt": FRUIT})
    base = {"dataset_ids": [corpus.id], "question": "bananas grow in tropical orchards", "similarity_threshold": 0}

    terms_only = retrieve(api, auth, **base, vector_similarity_weight=0)
    assert any(hit["term_similarity"] > 0 for hit in terms_only["chunks"])
    for hit in terms_only["chunks"]:
        assert hit["similarity"] == pytest.approx(hit["term_similarity"], abs=1e-6)

    vectors_only = retrieve(api, auth, **base, vector_similarity_weight=1)
    assert vectors_only["total"] == len(FRUIT)
    for hit in vectors_only["chunks"]:
        assert hit["similarity"] == pytest.approx(hit["vector_similarity"], abs=1e-6)
    similarities = [hit["similarity"] for hit in vectors_only["chunks"]]
    assert similarities == sorted(similarities, reverse=True)

    mixed = retrieve(api, auth, **base, vector_similarity_weight=0.4)
    for hit in mixed["chunks"]:
        expected = 0.6 * hit["term_similarity"] + 0.4 * hit["vector_similarity"]
        assert hit["similarity"] == pytest.approx(expected, abs=1e-6)


def test_top_k_limits_the_candidate_pool(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"zh.txt": CHINESE})
    # No word of the question occurs in the (Chinese) chunks: only the vector search brings candidates.
    base = {"dataset_ids": [corpus.id], "question": "Where do cats like to sleep?", "similarity_threshold": 0}

    everything = retrieve(api, auth, **base)
    assert everything["total"] == len(CHINESE)
    ranked = [hit["id"] for hit in everything["chunks"]]
    for top_k in (1, 2):
        limited = retrieve(api, auth, **base, top_k=top_k)
        assert limited["total"] == top_k
        assert [hit["id"] for hit in limited["chunks"]] == ranked[:top_k]


def test_switched_off_chunks_never_come_back(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"fruit.txt": FRUIT[:3]})
    document = corpus.documents["fruit.txt"]
    (banana,) = document.list_chunks(id=corpus.chunk_ids[FRUIT[1]])
    banana.update({"available": False})
    question = "bananas potassium"

    for extra in ({}, {"document_ids": [document.id]}, {"vector_similarity_weight": 1}):
        data = retrieve(api, auth, dataset_ids=[corpus.id], question=question, similarity_threshold=0, **extra)
        assert FRUIT[1] not in contents(data), extra
        assert data["total"] == 2

    banana.update({"available": True})
    data = retrieve(api, auth, dataset_ids=[corpus.id], question=question, similarity_threshold=0)
    assert data["chunks"][0]["content"] == FRUIT[1]


def test_dataset_pagerank_puts_its_hits_first(rag, api, auth, unique_name):
    plain = build(rag, f"{unique_name}-plain", {"plain.txt": FRUIT[1:2]})
    ranked = build(rag, f"{unique_name}-ranked", {"ranked.txt": FRUIT[3:5]})
    body = {"dataset_ids": [plain.id, ranked.id], "question": "bananas potassium", "similarity_threshold": 0}

    before = retrieve(api, auth, **body)
    assert before["chunks"][0]["dataset_id"] == plain.id  # the best match, without page rank

    ranked.dataset.update({"pagerank": 50})
    after = retrieve(api, auth, **body)
    assert [hit["dataset_id"] for hit in after["chunks"]] == [ranked.id, ranked.id, plain.id]
    assert after["total"] == 3


# ---- language, shape, timing, parent-child ------------------------------------------------------


LANGUAGE_CASES = [
    ("How is the weather in Beijing today?", CHINESE[1]),
    ("When does the football match start?", CHINESE[3]),
    ("天气怎么样", CHINESE[1]),
    ("足球比赛什么时候开始", CHINESE[3]),
    ("红烧肉好吃吗", CHINESE[2]),
]


def test_english_and_chinese_questions_find_unspaced_chinese_text(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"zh.txt": CHINESE})
    for question, expected in LANGUAGE_CASES:
        data = retrieve(api, auth, dataset_ids=[corpus.id], question=question, similarity_threshold=0)
        assert data["chunks"][0]["content"] == expected, question
        if any("\u4e00" <= char <= "\u9fff" for char in question):
            # the Chinese words were segmented out of text with no spaces
            assert data["chunks"][0]["term_similarity"] > 0, question
            assert all(hit["term_similarity"] == 0 for hit in data["chunks"][1:]), question


def test_english_question_finds_english_text_through_stemming(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"fruit.txt": FRUIT})
    data = retrieve(api, auth, dataset_ids=[corpus.id], question="What comes from a palm tree?")
    assert data["chunks"][0]["content"] == FRUIT[3]
    assert data["chunks"][0]["term_similarity"] == pytest.approx(1.0)


def test_hit_shape_and_doc_aggs(rag, api, auth, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    many, few = dataset.upload_documents(
        [{"display_name": "many.txt", "blob": b"placeholder"}, {"display_name": "few.txt", "blob": b"placeholder"}]
    )
    asked = many.add_chunk(FRUIT[0], important_keywords=["apple", "orchard"], questions=["Where do apples grow?"])
    for content in FRUIT[1:3]:
        many.add_chunk(content)
    few.add_chunk(FRUIT[3])

    response = post(api, auth, {"dataset_ids": [dataset.id], "question": "apples", "similarity_threshold": 0})
    answer = response.json()
    assert set(answer) == {"code", "data"}
    assert answer["code"] == 0
    data = answer["data"]
    assert set(data) == {"total", "chunks", "doc_aggs"}
    assert data["total"] == 4
    for hit in data["chunks"]:
        expected_keys = HIT_KEYS | ({"questions"} if hit["id"] == asked.id else set())
        assert set(hit) == expected_keys
        assert hit["dataset_id"] == dataset.id
        for score in ("similarity", "vector_similarity", "term_similarity"):
            assert isinstance(hit[score], float)
        assert isinstance(hit["content_ltks"], str)
        assert hit["content_ltks"]
        assert isinstance(hit["positions"], list)
        assert hit["row_id"] is None
    first = data["chunks"][0]
    assert first["id"] == asked.id
    assert first["content"] == FRUIT[0]
    assert first["document_id"] == many.id
    assert first["document_keyword"] == "many.txt"
    assert first["important_keywords"] == ["apple", "orchard"]
    assert first["questions"] == ["Where do apples grow?"]
    assert first["tag_kwd"] == []
    assert first["mom_id"] == ""

    assert data["doc_aggs"] == [
        {"doc_name": "many.txt", "doc_id": many.id, "count": 3},
        {"doc_name": "few.txt", "doc_id": few.id, "count": 1},
    ]
    assert Counter(hit["document_id"] for hit in data["chunks"]) == {many.id: 3, few.id: 1}


def test_server_timing_header_names_each_stage(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"fruit.txt": FRUIT[:2]})
    response = post(api, auth, {"dataset_ids": [corpus.id], "question": "apples"})
    assert response.json()["code"] == 0
    stages = {}
    for part in response.headers["Server-Timing"].split(","):
        name, _, duration = part.strip().partition(";dur=")
        stages[name] = float(duration)
    assert {"embed", "search", "fetch", "total"} <= set(stages)
    assert all(value >= 0 for value in stages.values())
    assert stages["total"] >= max(stages["embed"], stages["search"], stages["fetch"])


def test_a_child_match_returns_the_whole_parent(rag, api, auth, unique_name):
    from ragflow_sdk import DataSet

    config = DataSet.ParserConfig(
        rag, {"delimiter": "`##`", "parent_child": {"use_parent_child": True, "children_delimiter": "\\n"}}
    )
    dataset = rag.create_dataset(name=unique_name, parser_config=config)
    nature = "Volcanoes erupt molten lava.\nGlaciers carve deep valleys.\nCoral reefs shelter small fish."
    money = "The stock market closed higher today.\nBond yields fell sharply.\nInflation slowed last month."
    (document,) = dataset.upload_documents([{"display_name": "two.txt", "blob": f"{nature}##{money}".encode()}])
    ((_, run, _, _),) = dataset.parse_documents([document.id])
    assert run == "DONE"

    data = retrieve(api, auth, dataset_ids=[dataset.id], question="glaciers carving valleys", similarity_threshold=0)
    assert data["chunks"][0]["content"].strip() == nature
    assert len({hit["id"] for hit in data["chunks"]}) == len(data["chunks"])  # children fold into one parent
    assert all(hit["content"].strip() in (nature, money) for hit in data["chunks"])

    data = retrieve(api, auth, dataset_ids=[dataset.id], question="bond yields", similarity_threshold=0)
    assert data["chunks"][0]["content"].strip() == money


# ---- errors -------------------------------------------------------------------------------------


def test_request_validation_errors(rag, api, auth, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    ok = {"dataset_ids": [dataset.id], "question": "apples"}
    cases = [
        ({"question": "apples"}, "`dataset_ids` is required."),
        ({"dataset_ids": [], "question": "apples"}, "`dataset_ids` is required."),
        ({"dataset_ids": dataset.id, "question": "apples"}, "`dataset_ids` should be a list"),
        ({"dataset_ids": [dataset.id]}, "`question` is required."),
        ({**ok, "document_ids": "abc"}, "`documents` should be a list"),
        ({**ok, "top_k": 0}, "`top_k` must be greater than 0"),
        ({**ok, "top_k": -3}, "`top_k` must be greater than 0"),
        ({**ok, "highlight": "maybe"}, "`highlight` should be a boolean"),
    ]
    for body, message in cases:
        assert error(api, auth, body) == {"code": 102, "message": message}, body


def test_numbers_that_are_not_numbers_raise_value_errors(rag, api, auth, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    ok = {"dataset_ids": [dataset.id], "question": "apples"}
    assert error(api, auth, {**ok, "page_size": 101}) == {
        "code": 100,
        "message": "ValueError('page_size must be less than or equal to 100')",
    }
    answer = error(api, auth, {**ok, "similarity_threshold": "high"})
    assert answer["code"] == 100
    assert answer["message"] == "ValueError(\"could not convert string to float: 'high'\")"
    answer = error(api, auth, {**ok, "page": "first"})
    assert answer["code"] == 100
    assert answer["message"].startswith("ValueError(")


def test_datasets_must_be_the_callers(rag, other_rag, api, auth, unique_name):
    mine = rag.create_dataset(name=unique_name)
    theirs = other_rag.create_dataset(name=unique_name)
    unknown = uuid.uuid4().hex
    for ids, culprit in (([unknown], unknown), ([theirs.id], theirs.id), ([mine.id, theirs.id], theirs.id)):
        answer = error(api, auth, {"dataset_ids": ids, "question": "apples"})
        assert answer == {"code": 102, "message": f"You don't own the dataset {culprit}."}, ids


def test_documents_must_belong_to_the_datasets(rag, api, auth, unique_name):
    searched = build(rag, f"{unique_name}-a", {"a.txt": FRUIT[:1]})
    other = build(rag, f"{unique_name}-b", {"b.txt": FRUIT[1:2]})
    foreign = other.document_id("b.txt")
    for document_ids in ([foreign], [searched.document_id("a.txt"), foreign]):
        answer = error(
            api,
            auth,
            {
                "dataset_ids": [searched.id],
                "document_ids": document_ids,
                "question": "apples",
                "similarity_threshold": 0,
            },
        )
        assert answer == {"code": 102, "message": f"The datasets don't own the document {foreign}"}


def test_datasets_with_different_embedding_models_are_refused(rag, api, auth, unique_name):
    e5 = rag.create_dataset(name=f"{unique_name}-e5")
    use = rag.create_dataset(
        name=f"{unique_name}-use", embedding_model="universal-sentence-encoder-multilingual@Builtin"
    )
    answer = error(api, auth, {"dataset_ids": [e5.id, use.id], "question": "apples"})
    assert answer == {"code": 102, "message": "Datasets use different embedding models."}


@pytest.mark.parametrize("extra", [{"keyword": True}, {"cross_languages": ["French"]}])
def test_options_using_the_chat_model_still_find_the_chunk(rag, api, auth, unique_name, extra):
    if not local_chat_available():
        pytest.skip("no chat model: the local extra is not installed (tests/services covers the error)")
    corpus = build(rag, unique_name, {"fruit.txt": FRUIT})
    answer = requests.post(
        f"{api}/retrieval",
        json={"dataset_ids": [corpus.dataset.id], "question": "Which fruit is rich in potassium?", **extra},
        headers=auth,
        timeout=120,
    )
    body = answer.json()
    assert body["code"] == 0
    assert "Bananas" in body["data"]["chunks"][0]["content"]
    assert "assist;dur=" in answer.headers["server-timing"]


def test_toc_enhance_without_tables_of_contents_ranks_as_without_it(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"fruit.txt": FRUIT[:2]})
    plain = rag.retrieve(dataset_ids=[corpus.dataset.id], question="apples")
    enhanced = rag.retrieve(dataset_ids=[corpus.dataset.id], question="apples", toc_enhance=True)
    assert [(chunk.id, chunk.similarity) for chunk in enhanced] == [(chunk.id, chunk.similarity) for chunk in plain]


def test_unknown_rerank_model_is_unsupported(rag, api, auth, unique_name):
    corpus = build(rag, unique_name, {"fruit.txt": FRUIT[:1]})
    for model in ("no-such-reranker@NoSuchFactory", "bge-reranker"):
        answer = error(api, auth, {"dataset_ids": [corpus.id], "question": "apples", "rerank_id": model})
        assert answer == {"code": 102, "message": f"Unsupported model: <{model}>"}


# ---- SDK ----------------------------------------------------------------------------------------


def test_sdk_retrieve_returns_scored_chunks(rag, unique_name):
    from ragflow_sdk.modules.chunk import Chunk

    corpus = build(rag, unique_name, {"fruit.txt": FRUIT})
    chunks = rag.retrieve(dataset_ids=[corpus.id], question="bananas potassium")
    assert chunks
    assert all(isinstance(chunk, Chunk) for chunk in chunks)
    best = chunks[0]
    assert best.content == FRUIT[1]
    assert best.id == corpus.chunk_ids[FRUIT[1]]
    assert best.document_id == corpus.document_id("fruit.txt")
    assert best.document_name == "fruit.txt"  # copied from document_keyword
    assert best.dataset_id == corpus.id
    assert 0 < best.term_similarity <= 1
    assert 0 < best.vector_similarity <= 1
    assert best.similarity == pytest.approx(0.7 * best.term_similarity + 0.3 * best.vector_similarity)
    scores = [chunk.similarity for chunk in chunks]
    assert scores == sorted(scores, reverse=True)

    only = rag.retrieve(
        dataset_ids=[corpus.id],
        document_ids=[corpus.document_id("fruit.txt")],
        question="bananas potassium",
        similarity_threshold=0.5,
        vector_similarity_weight=0.3,
        page_size=1,
    )
    assert [chunk.content for chunk in only] == [FRUIT[1]]


# ---- rerank -------------------------------------------------------------------------------------


class FakeReranker:
    """A Jina-style ``POST /rerank`` on a local port: each document's score is looked up by its first word."""

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores
        self.port = free_port()
        self.requests: list[dict[str, Any]] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(payload)
                results = [
                    {"index": index, "relevance_score": outer.scores.get(text.split()[0], 0.0)}
                    for index, text in enumerate(payload["documents"])
                ]
                body = json.dumps({"results": results}).encode()
                self.send_response(200 if self.path == "/rerank" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


RERANK_SCORES = {"Figs": 0.95, "Cherries": 0.7, "Apples": 0.4, "Dates": 0.2, "Bananas": 0.05}


@pytest.fixture(scope="module")
def reranker() -> Iterator[FakeReranker]:
    fake = FakeReranker(RERANK_SCORES)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def rerank_server(
    reranker: FakeReranker, tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]
) -> Iterator[LiveServer]:
    """A second server whose configuration names the fake rerank model (no workers: nothing is parsed)."""
    root = tmp_path_factory.mktemp("rerank")
    config = root / "ragloom.toml"
    config.write_text(
        "[workers]\ncount = 0\n\n"
        "[[models.remote]]\n"
        'kind = "rerank"\nname = "fake-reranker"\nfactory = "Jina"\n'
        f'base_url = "http://127.0.0.1:{reranker.port}"\nmax_retries = 0\ntimeout_seconds = 10\n'
    )
    env = {**server_env, "RAGLOOM_CONFIG": str(config)}
    data_dir = root / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=env).strip()
    process, base_url = start_server(data_dir, env, root / "server.log")
    yield LiveServer(base_url, f"{base_url}/api/v1", key, key, data_dir, process, root / "server.log", env)
    stop_server(process)


def _rerank_corpus(server: LiveServer, name: str) -> Corpus:
    from ragflow_sdk import RAGFlow

    return build(RAGFlow(server.key, server.base_url), name, {"fruit.txt": FRUIT})


def test_rerank_scores_replace_the_vector_part(rerank_server: LiveServer, reranker: FakeReranker, unique_name):
    corpus = _rerank_corpus(rerank_server, unique_name)
    question = "bananas potassium"
    reranker.requests.clear()
    data = retrieve(
        rerank_server.api_url,
        rerank_server.headers(),
        dataset_ids=[corpus.id],
        question=question,
        rerank_id="fake-reranker@Jina",
        vector_similarity_weight=1,
        similarity_threshold=0,
    )
    expected = sorted(FRUIT, key=lambda text: -RERANK_SCORES[text.split()[0]])
    assert contents(data) == expected
    for hit in data["chunks"]:
        score = RERANK_SCORES[hit["content"].split()[0]]
        assert hit["vector_similarity"] == pytest.approx(score)
        assert hit["similarity"] == pytest.approx(score)
    (sent,) = reranker.requests
    assert sent["query"] == question
    assert sorted(sent["documents"]) == sorted(FRUIT)

    # the threshold applies to the reranked similarity
    data = retrieve(
        rerank_server.api_url,
        rerank_server.headers(),
        dataset_ids=[corpus.id],
        question=question,
        rerank_id="fake-reranker@Jina",
        vector_similarity_weight=1,
        similarity_threshold=0.5,
    )
    assert contents(data) == expected[:2]
    assert data["total"] == 2


def test_rerank_mixes_with_term_similarity(rerank_server: LiveServer, unique_name):
    corpus = _rerank_corpus(rerank_server, unique_name)
    data = retrieve(
        rerank_server.api_url,
        rerank_server.headers(),
        dataset_ids=[corpus.id],
        question="bananas potassium",
        rerank_id="fake-reranker@Jina",
        vector_similarity_weight=0.3,
        similarity_threshold=0,
    )
    for hit in data["chunks"]:
        assert hit["vector_similarity"] == pytest.approx(RERANK_SCORES[hit["content"].split()[0]])
        assert hit["similarity"] == pytest.approx(0.7 * hit["term_similarity"] + 0.3 * hit["vector_similarity"])
    # the banana chunk matches every word, which outweighs its low rerank score
    assert data["chunks"][0]["content"] == FRUIT[1]


def test_rerank_provider_down_is_a_clear_error(rerank_server: LiveServer, reranker: FakeReranker, unique_name):
    corpus = _rerank_corpus(rerank_server, unique_name)
    body = {"dataset_ids": [corpus.id], "question": "apples", "rerank_id": "fake-reranker@Jina"}
    reranker.stop()
    try:
        response = post(rerank_server.api_url, rerank_server.headers(), body)
    finally:
        reranker.start()
    assert response.status_code == 200
    answer = response.json()
    assert answer["code"] == 400
    assert "fake-reranker@Jina" in answer["message"]
    assert "Traceback" not in answer["message"]
    # and it recovers once the provider is back
    assert post(rerank_server.api_url, rerank_server.headers(), body).json()["code"] == 0
