"""The ``bm25_feedback`` scoring mode end to end: pseudo-relevance feedback chosen per request or per dataset
changes the ranking (a chunk without the question's word but sharing the best chunks' words is lifted),
is refused for another tenant's dataset, and never brings another tenant's chunks.

Chunks are added by hand to placeholder documents (no parsing); with ``vector_similarity_weight`` 0 the
ranking depends on the terms alone."""

from __future__ import annotations

from typing import Any

from tests.e2e import test_retrieval_scoring as scoring_tests
from tests.e2e.test_retrieval_scoring import call

# "bananas" is in the first two; the third shares "tropical" and "plantations" with the first, the last two
# nothing: the bm25 mode scores the last three 0 by terms, feedback lifts the third above the other two.
CHUNKS = [
    "bananas grow on tropical plantations",
    "bananas ripen after the harvest",
    "tropical plantations need rain",
    "cherries blossom in spring",
    "dates come from palm trees",
]
QUESTION = "bananas"


def make_dataset(api: str, auth: dict[str, str], name: str, **fields: Any) -> str:
    return scoring_tests.make_dataset(api, auth, name, chunks=CHUNKS, **fields)


def ranked(api: str, auth: dict[str, str], dataset_ids: list[str], **options: Any) -> list[dict[str, Any]]:
    body = {
        "dataset_ids": dataset_ids,
        "question": QUESTION,
        "similarity_threshold": 0,
        "vector_similarity_weight": 0,
        **options,
    }
    answer = call("POST", f"{api}/retrieval", auth, json=body)
    assert answer["code"] == 0, answer
    return list(answer["data"]["chunks"])


def term_scores(chunks: list[dict[str, Any]]) -> dict[str, float]:
    return {chunk["content"]: chunk["term_similarity"] for chunk in chunks}


def test_feedback_lifts_a_chunk_sharing_the_best_chunks_words(api, auth, unique_name):
    dataset_id = make_dataset(api, auth, unique_name)
    plain = term_scores(ranked(api, auth, [dataset_id], scoring="bm25"))
    assert plain[CHUNKS[0]] > 0
    assert plain[CHUNKS[1]] > 0
    assert plain[CHUNKS[2]] == plain[CHUNKS[3]] == plain[CHUNKS[4]] == 0.0
    expanded = ranked(api, auth, [dataset_id], scoring="bm25_feedback")
    scores = term_scores(expanded)
    assert set(scores) == set(CHUNKS)
    assert scores[CHUNKS[0]] == 1.0  # the best by terms, as without feedback
    assert scores[CHUNKS[2]] > 0
    assert scores[CHUNKS[3]] == scores[CHUNKS[4]] == 0.0
    assert {chunk["content"] for chunk in expanded[:3]} == set(CHUNKS[:3])
    assert expanded[0]["content"] == CHUNKS[0]
    # a threshold above 0 keeps the lifted chunk, not the unrelated ones
    kept = ranked(api, auth, [dataset_id], scoring="bm25_feedback", similarity_threshold=0.01)
    assert {chunk["content"] for chunk in kept} == set(CHUNKS[:3])


def test_a_dataset_chooses_feedback_and_a_request_overrides_it(api, auth, unique_name):
    dataset_id = make_dataset(api, auth, unique_name, parser_config={"scoring": "bm25_feedback"})
    assert call("GET", f"{api}/datasets/{dataset_id}", auth)["data"]["parser_config"]["scoring"] == "bm25_feedback"
    assert term_scores(ranked(api, auth, [dataset_id]))[CHUNKS[2]] > 0
    assert term_scores(ranked(api, auth, [dataset_id], scoring="bm25"))[CHUNKS[2]] == 0.0


def test_feedback_stays_within_the_callers_datasets(api, auth, other_auth, unique_name):
    mine = make_dataset(api, auth, unique_name)
    theirs = make_dataset(api, other_auth, f"{unique_name}-other")
    found = ranked(api, auth, [mine], scoring="bm25_feedback")
    assert {chunk["dataset_id"] for chunk in found} == {mine}
    body = {"dataset_ids": [theirs], "question": QUESTION, "scoring": "bm25_feedback"}
    refused = call("POST", f"{api}/retrieval", auth, json=body)
    assert (refused["code"], refused["message"]) == (102, f"You don't own the dataset {theirs}.")
