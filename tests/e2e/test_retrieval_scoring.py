"""The ``bm25`` scoring mode end to end: chosen per request, per dataset (``parser_config.scoring``) or by the
server's ``retrieval.scoring``; the default ``ragflow`` mode unchanged; refusals; comparison in one evaluation.

Chunks are added by hand to placeholder documents (no parsing); vectors come from the built-in model."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LiveServer, ragloom, start_server, stop_server

TIMEOUT = 60
# "banana" three times in three words, once in three words: RAGFlow's term similarity cannot tell them
# apart (both hold the question's only term); BM25 saturates the count: with k1 1.2 and equal lengths
# the second scores (1 * 2.2 / 2.2) / (3 * 2.2 / 4.2) = 4.2 / 6.6 of the first.
CHUNKS = [
    "bananas bananas bananas",
    "bananas grow tall",
    "cherries blossom in spring",
    "dates come from palm trees",
]
QUESTION = "bananas"


def call(method: str, url: str, auth: dict[str, str], **options: Any) -> dict[str, Any]:
    answer: dict[str, Any] = requests.request(method, url, headers=auth, timeout=TIMEOUT, **options).json()
    return answer


def make_dataset(api: str, auth: dict[str, str], name: str, *, chunks: Sequence[str] = CHUNKS, **fields: Any) -> str:
    """A dataset of ``fields`` whose one placeholder document holds ``chunks``."""
    created = call("POST", f"{api}/datasets", auth, json={"name": name, **fields})
    assert created["code"] == 0, created
    dataset_id = str(created["data"]["id"])
    uploaded = call("POST", f"{api}/datasets/{dataset_id}/documents", auth, files=[("file", ("f.txt", b"x"))])
    document_id = uploaded["data"][0]["id"]
    for text in chunks:
        added = call(
            "POST", f"{api}/datasets/{dataset_id}/documents/{document_id}/chunks", auth, json={"content": text}
        )
        assert added["code"] == 0, added
    return dataset_id


def retrieve(api: str, auth: dict[str, str], dataset_id: str, **options: Any) -> dict[str, dict[str, float]]:
    """Each chunk's (similarity, term, vector) by content."""
    body = {"dataset_ids": [dataset_id], "question": QUESTION, "similarity_threshold": 0, **options}
    answer = call("POST", f"{api}/retrieval", auth, json=body)
    assert answer["code"] == 0, answer
    return {
        hit["content"]: {key: hit[key] for key in ("similarity", "term_similarity", "vector_similarity")}
        for hit in answer["data"]["chunks"]
    }


E5_SHARES = {0.3: 0.6, 0.6: 0.84}
"""The vector's share in the bm25 modes with multilingual-e5-small (scale 3.5) for a weight:
0.3 * 3.5 / (0.3 * 3.5 + 0.7) and 0.6 * 3.5 / (0.6 * 3.5 + 0.4)."""


def assert_bm25(found: dict[str, dict[str, float]], weight: float = E5_SHARES[0.3]) -> None:
    assert set(found) == set(CHUNKS)
    assert found[CHUNKS[0]]["term_similarity"] == pytest.approx(1.0)
    assert found[CHUNKS[1]]["term_similarity"] == pytest.approx(4.2 / 6.6)
    assert found[CHUNKS[2]]["term_similarity"] == found[CHUNKS[3]]["term_similarity"] == 0.0
    vectors = sorted(hit["vector_similarity"] for hit in found.values())
    assert (vectors[0], vectors[-1]) == (pytest.approx(0.0), pytest.approx(1.0))  # scaled to the candidates
    for hit in found.values():
        expected = (1 - weight) * hit["term_similarity"] + weight * hit["vector_similarity"]
        assert hit["similarity"] == pytest.approx(expected)


def assert_ragflow(found: dict[str, dict[str, float]]) -> None:
    assert found[CHUNKS[0]]["term_similarity"] == found[CHUNKS[1]]["term_similarity"] == pytest.approx(1.0)
    assert all(0.5 < hit["vector_similarity"] < 1 for hit in found.values())  # raw cosines of the model


def test_a_request_chooses_bm25_and_the_default_is_unchanged(api, auth, unique_name):
    dataset_id = make_dataset(api, auth, unique_name)
    default = retrieve(api, auth, dataset_id)
    assert_ragflow(default)
    assert retrieve(api, auth, dataset_id, scoring="ragflow") == default
    assert_bm25(retrieve(api, auth, dataset_id, scoring="bm25"))
    assert_bm25(retrieve(api, auth, dataset_id, scoring="bm25", vector_similarity_weight=0.6), weight=E5_SHARES[0.6])
    keyword_only = retrieve(api, auth, dataset_id, scoring="bm25", vector_similarity_weight=0, similarity_threshold=0.1)
    assert set(keyword_only) == set(CHUNKS[:2])


def test_the_vector_share_follows_the_dataset_model(api, auth, unique_name):
    """The default model (multilingual-e5-small) has scale 3.5 in the bm25 modes; universal-sentence-encoder
    has scale 1: its share is the weight asked for. The ragflow mode uses the weight as given for both."""
    e5 = make_dataset(api, auth, unique_name)
    assert call("GET", f"{api}/datasets?id={e5}", auth)["data"][0]["embedding_model"] == "multilingual-e5-small@Builtin"
    use = make_dataset(
        api, auth, unique_name + "-use", embedding_model="universal-sentence-encoder-multilingual@Builtin"
    )
    assert_bm25(retrieve(api, auth, e5, scoring="bm25"), weight=E5_SHARES[0.3])
    assert_bm25(retrieve(api, auth, use, scoring="bm25"), weight=0.3)
    assert_bm25(retrieve(api, auth, use, scoring="bm25", vector_similarity_weight=0.6), weight=0.6)
    for dataset_id in (e5, use):
        for hit in retrieve(api, auth, dataset_id).values():  # ragflow: 0.7 * term + 0.3 * cosine
            assert hit["similarity"] == pytest.approx(0.7 * hit["term_similarity"] + 0.3 * hit["vector_similarity"])


def test_a_dataset_chooses_bm25_and_a_request_overrides_it(api, auth, unique_name):
    dataset_id = make_dataset(api, auth, unique_name, parser_config={"scoring": "bm25"})
    assert call("GET", f"{api}/datasets/{dataset_id}", auth)["data"]["parser_config"]["scoring"] == "bm25"
    assert_bm25(retrieve(api, auth, dataset_id))
    assert_ragflow(retrieve(api, auth, dataset_id, scoring="ragflow"))
    updated = call("PUT", f"{api}/datasets/{dataset_id}", auth, json={"parser_config": {"scoring": None}})
    assert updated["code"] == 0, updated
    assert "scoring" not in call("GET", f"{api}/datasets/{dataset_id}", auth)["data"]["parser_config"]
    assert_ragflow(retrieve(api, auth, dataset_id))


def test_a_ragflow_client_never_sees_the_extension(api, auth, unique_name):
    created = call(
        "POST", f"{api}/datasets", auth, json={"name": unique_name, "parser_config": {"chunk_token_num": 256}}
    )
    assert created["code"] == 0, created
    assert "scoring" not in created["data"]["parser_config"]
    documents = call(
        "POST", f"{api}/datasets/{created['data']['id']}/documents", auth, files=[("file", ("a.txt", b"x"))]
    )
    assert "scoring" not in documents["data"][0]["parser_config"]


def test_unknown_modes_are_refused_listing_the_valid_ones(api, auth, unique_name):
    dataset_id = make_dataset(api, auth, unique_name)
    refused = call(
        "POST", f"{api}/retrieval", auth, json={"dataset_ids": [dataset_id], "question": "x", "scoring": "x"}
    )
    assert (refused["code"], refused["message"]) == (102, "`scoring` must be one of ragflow, bm25, bm25_feedback.")
    before = call("GET", f"{api}/datasets", auth, params={"page_size": 100})["data"]
    for config in ({"scoring": "fancy"}, {"ext": {"scoring": "fancy"}}):
        answer = call("POST", f"{api}/datasets", auth, json={"name": f"{unique_name}-x", "parser_config": config})
        assert answer["code"] != 0
        assert "'ragflow'" in answer["message"], answer
        assert "'bm25'" in answer["message"], answer
        changed = call("PUT", f"{api}/datasets/{dataset_id}", auth, json={"parser_config": config})
        assert changed["code"] != 0
        assert "'bm25'" in changed["message"], changed
    assert call("GET", f"{api}/datasets", auth, params={"page_size": 100})["data"] == before
    assert_ragflow(retrieve(api, auth, dataset_id))


def test_another_tenant_cannot_search_a_dataset_in_either_mode(api, auth, other_auth, unique_name):
    dataset_id = make_dataset(api, auth, unique_name, parser_config={"scoring": "bm25"})
    for mode in ("bm25", "ragflow"):
        body = {"dataset_ids": [dataset_id], "question": QUESTION, "scoring": mode}
        answer = call("POST", f"{api}/retrieval", other_auth, json=body)
        assert (answer["code"], answer["message"]) == (102, f"You don't own the dataset {dataset_id}.")


def test_one_evaluation_compares_the_two_modes(api, auth, unique_name):
    dataset_id = make_dataset(api, auth, unique_name)
    documents = call("GET", f"{api}/datasets/{dataset_id}/documents", auth)["data"]["docs"]
    body = {
        "dataset_id": dataset_id,
        "questions": [{"question": QUESTION, "documents": [documents[0]["id"]]}],
        "similarity_threshold": 0,
        "runs": [{"name": "ragflow", "scoring": "ragflow"}, {"name": "bm25", "scoring": "bm25"}],
    }
    created = call("POST", f"{api}/evaluations", auth, json=body)
    assert created["code"] == 0, created
    deadline = time.monotonic() + 120
    while (done := call("GET", f"{api}/evaluations/{created['data']['id']}", auth)["data"])["status"] != "done":
        assert done["status"] in {"queued", "running"}, done
        assert time.monotonic() < deadline, done
        time.sleep(0.2)
    assert [(run["name"], run["parameters"]["scoring"]) for run in done["runs"]] == [
        ("ragflow", "ragflow"),
        ("bm25", "bm25"),
    ]
    refused = call("POST", f"{api}/evaluations", auth, json={**body, "runs": [{"name": "x", "scoring": "x"}]})
    assert refused["code"] != 0
    assert "ragflow, bm25, bm25_feedback" in refused["message"], refused


@pytest.fixture(scope="module")
def bm25_server(tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]) -> Iterator[LiveServer]:
    """A server whose setting ``retrieval.scoring`` is ``bm25`` (no workers: nothing is parsed)."""
    root = tmp_path_factory.mktemp("bm25")
    env = {**server_env, "RAGLOOM_RETRIEVAL__SCORING": "bm25", "RAGLOOM_WORKERS__COUNT": "0"}
    data_dir = root / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=env).strip()
    process, base_url = start_server(data_dir, env, root / "server.log")
    yield LiveServer(base_url, f"{base_url}/api/v1", key, key, data_dir, process, root / "server.log", env)
    stop_server(process)


def test_the_server_setting_is_the_default_a_dataset_overrides(bm25_server: LiveServer, unique_name: str):
    auth = bm25_server.headers()
    plain = make_dataset(bm25_server.api_url, auth, unique_name)
    assert_bm25(retrieve(bm25_server.api_url, auth, plain))
    pinned = make_dataset(bm25_server.api_url, auth, f"{unique_name}-2", parser_config={"scoring": "ragflow"})
    assert_ragflow(retrieve(bm25_server.api_url, auth, pinned))
