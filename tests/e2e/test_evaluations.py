"""``/evaluations`` end to end, through the live server and its workers: exact figures on a small
collection whose retrieval order follows from its words, the same figures as the benchmark's own
computation, tenant isolation and refusals; cancelling and resuming after a server kill run on a
site whose embedding model answers as slowly as the test says."""

from __future__ import annotations

import gzip
import importlib.util
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from tests.e2e.worker_site import EMBEDDING_MODEL, Site
from tests.evaluation_support import DISCOUNT_2, DOCUMENTS, EXPECTED, MEANS, ranks_by_id
from tests.evaluation_support import QUESTIONS as EVALUATED

TIMEOUT = 60
BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "retrieval_quality.py"
# Lists where every relevance is 1, graded objects otherwise: both forms of the request.
QUESTIONS = [
    {"question": text, "documents": list(relevant) if set(relevant.values()) == {1.0} else relevant}
    for text, relevant in EVALUATED
]
KEYWORD_ONLY = {"vector_similarity_weight": 0, "similarity_threshold": 0.1}
# questions are embedded (keyword-only ones are not): the scripted model's delay paces them
HYBRID = {"vector_similarity_weight": 0.3, "similarity_threshold": 0.1}


def call(method: str, url: str, auth: dict[str, str], **options: Any) -> dict[str, Any]:
    answer: dict[str, Any] = requests.request(method, url, headers=auth, timeout=TIMEOUT, **options).json()
    return answer


def words_dataset(
    api: str, auth: dict[str, str], name: str, embedding_model: str | None = None
) -> tuple[str, dict[str, str]]:
    """A dataset of :data:`DOCUMENTS`, one chunk each added by hand: its id and the documents' ids."""
    settings = {"name": name, **({"embedding_model": embedding_model} if embedding_model else {})}
    dataset_id = call("POST", f"{api}/datasets", auth, json=settings)["data"]["id"]
    files = [("file", (document, b"placeholder")) for document in DOCUMENTS]
    uploaded = call("POST", f"{api}/datasets/{dataset_id}/documents", auth, files=files)["data"]
    ids = {item["name"]: item["id"] for item in uploaded}
    for document, text in DOCUMENTS.items():
        path = f"{api}/datasets/{dataset_id}/documents/{ids[document]}/chunks"
        assert call("POST", path, auth, json={"content": text})["code"] == 0
    return dataset_id, ids


def wait_until(api: str, auth: dict[str, str], evaluation_id: str, done: Any, limit: float = 120) -> dict[str, Any]:
    """Poll an evaluation until ``done(evaluation)``; returns it."""
    deadline = time.monotonic() + limit
    while True:
        answer = call("GET", f"{api}/evaluations/{evaluation_id}", auth)
        assert answer["code"] == 0, answer
        if done(answer["data"]):
            return dict(answer["data"])
        assert time.monotonic() < deadline, answer["data"]
        time.sleep(0.2)


def finished(evaluation: dict[str, Any]) -> bool:
    return evaluation["status"] in {"done", "failed", "cancelled"}


def test_a_known_collection_gets_exact_figures_and_two_runs_are_compared(
    api: str, auth: dict[str, str], unique_name: str
) -> None:
    dataset_id, ids = words_dataset(api, auth, unique_name)
    body = {
        "dataset_id": dataset_id,
        "questions": QUESTIONS,
        "k": [1, 10],
        **KEYWORD_ONLY,
        "runs": [{"name": "loose"}, {"name": "strict", "similarity_threshold": 0.99}],
    }
    created = call("POST", f"{api}/evaluations", auth, json=body)
    assert created["code"] == 0, created
    done = wait_until(api, auth, created["data"]["id"], finished)
    assert done["status"] == "done", done["progress_msg"]
    loose = [question["runs"]["loose"] for question in done["questions"]]
    assert [result["ranks"] for result in loose] == ranks_by_id(ids)
    for figure, values in EXPECTED.items():
        assert [result[figure] for result in loose] == pytest.approx(values, abs=1e-12), figure
    metrics = done["runs"][0]["metrics"]
    assert metrics == pytest.approx(MEANS, abs=1e-12)
    # Only full matches pass 0.99: gamma (2nd for "violin canyon") drops out of the strict run.
    assert done["questions"][1]["runs"]["strict"]["ranks"] == {ids["gamma.txt"]: None}
    assert done["questions"][1]["deltas"]["strict"]["ndcg@10"] == pytest.approx(-DISCOUNT_2)
    assert done["comparison"]["deltas"]["strict"]["mrr"] == pytest.approx(-0.5 / 3)
    listed = call("GET", f"{api}/evaluations", auth, params={"dataset_id": dataset_id})["data"]
    assert listed["total"] == 1
    assert listed["evaluations"][0]["runs"][0]["metrics"] == metrics


def test_another_tenant_sees_and_touches_nothing(
    api: str, auth: dict[str, str], other_auth: dict[str, str], unique_name: str
) -> None:
    dataset_id, _ = words_dataset(api, auth, unique_name)
    body = {"dataset_id": dataset_id, "questions": QUESTIONS, **KEYWORD_ONLY}
    refused = call("POST", f"{api}/evaluations", other_auth, json=body)
    assert (refused["code"], refused["message"]) == (102, f"You don't own the dataset {dataset_id}.")
    mine = call("POST", f"{api}/evaluations", auth, json=body)["data"]["id"]
    assert all(item["id"] != mine for item in call("GET", f"{api}/evaluations", other_auth)["data"]["evaluations"])
    for method, path, payload in (
        ("GET", f"{api}/evaluations/{mine}", None),
        ("POST", f"{api}/evaluations/{mine}/cancel", None),
        ("DELETE", f"{api}/evaluations", {"ids": [mine]}),
    ):
        answer = call(method, path, other_auth, json=payload)
        assert (answer["code"], f"No evaluation {mine}" in answer["message"]) == (102, True), (method, answer)
    assert wait_until(api, auth, mine, finished)["status"] == "done"
    assert call("DELETE", f"{api}/evaluations", auth, json={"ids": [mine]})["data"] == {"deleted": 1}


def test_refusals_are_clear_and_change_nothing(api: str, auth: dict[str, str], unique_name: str) -> None:
    dataset_id, _ = words_dataset(api, auth, unique_name)
    before = call("GET", f"{api}/evaluations", auth)["data"]["total"]
    for body, code, message in (
        (
            {"dataset_id": dataset_id, "questions": [{"question": "q", "documents": ["nope.txt", "x"]}]},
            102,
            "nope.txt, x",
        ),
        ({"dataset_id": dataset_id, "questions": QUESTIONS * 334}, 101, "1002 questions, at most 1000"),
        ({"dataset_id": dataset_id, "questions": QUESTIONS, "top_k": -1}, 102, "`top_k` must be greater than 0"),
        ({"dataset_id": dataset_id, "questions": QUESTIONS, "page_size": 5}, 101, "does not take `page_size`"),
    ):
        answer = call("POST", f"{api}/evaluations", auth, json=body)
        assert (answer["code"], message in answer["message"]) == (code, True), answer
    assert call("GET", f"{api}/evaluations", auth)["data"]["total"] == before


# ---- the benchmark's own computation ------------------------------------------------------------


def benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("retrieval_quality", BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BenchmarkClient:
    """What the benchmark's functions need of its server, on the live server."""

    def __init__(self, api: str, auth: dict[str, str]) -> None:
        self.api, self.auth = api, auth

    def call(self, method: str, path: str, **options: Any) -> tuple[Any, Any]:
        answer = requests.request(method, f"{self.api}{path}", headers=self.auth, timeout=TIMEOUT, **options)
        body = answer.json()
        assert body["code"] == 0, body
        return body.get("data"), answer.headers


def beir_collection(folder: Path) -> Path:
    """A tiny collection in BEIR's layout (what the benchmark reads)."""
    corpus = {
        "d1": ("Volcanoes", "Lava flows from volcanoes after an eruption and cools into basalt rock."),
        "d2": ("Glaciers", "Glaciers carve valleys as the ice moves slowly downhill."),
        "d3": ("Coral reefs", "Coral reefs grow in warm shallow seas and shelter many fish."),
        "d4": ("Deserts", "Deserts receive little rain and their sand dunes move with the wind."),
        "d5": ("Rainforests", "Rainforests are humid and hold most of the species living on land."),
        "d6": ("Earthquakes", "Earthquakes shake the ground when plates of the crust slip."),
    }
    queries = {"q1": "how does lava cool", "q2": "ice moving down valleys", "q3": "fish in warm seas", "q4": "rock"}
    qrels = [("q1", "d1"), ("q2", "d2"), ("q3", "d3"), ("q3", "d5"), ("q4", "d1"), ("q4", "d6")]
    folder.mkdir()
    with gzip.open(folder / "corpus.jsonl.gz", "wt", encoding="utf-8") as lines:
        for doc_id, (title, text) in corpus.items():
            lines.write(json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n")
    (folder / "queries.jsonl").write_text("".join(json.dumps({"_id": k, "text": v}) + "\n" for k, v in queries.items()))
    (folder / "qrels").mkdir()
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t1\n" for q, d in qrels)
    )
    return folder


def test_the_api_s_figures_equal_the_benchmark_s_direct_computation(
    api: str, auth: dict[str, str], unique_name: str, tmp_path: Path
) -> None:
    quality = benchmark()
    documents, queries, relevant = quality.load_collection(beir_collection(tmp_path / "tiny"), None)
    client = BenchmarkClient(api, auth)
    dataset_id = quality.ingest(client, unique_name, quality.MODELS["e5"], documents)
    direct = quality.evaluate_directly(client, dataset_id, queries, relevant)
    through_api = quality.evaluate_through_api(client, dataset_id, queries, relevant, poll=0.2)
    quality.MAX_QUESTIONS = 3  # in two evaluations, of 3 questions and 1: their means weighted by size
    assert (
        quality.compared(direct, quality.evaluate_through_api(client, dataset_id, queries, relevant, poll=0.2)) <= 1e-12
    )
    assert set(direct) == set(through_api) == set(quality.WEIGHTS)
    assert quality.compared(direct, through_api) <= 1e-12
    assert 0 < direct["hybrid (w=0.3, default)"]["ndcg@10"] <= 1  # the collection is not degenerate
    assert call("GET", f"{api}/evaluations", auth, params={"dataset_id": dataset_id})["data"]["total"] == 0


# ---- cancelling and resuming, with an embedding model as slow as the test says -----------------


@pytest.fixture
def site(tmp_path: Path, server_env: dict[str, str]) -> Iterator[Site]:
    with Site.create(tmp_path, server_env) as created:
        yield created


def slow_questions(count: int) -> list[dict[str, Any]]:
    words = ["zebra lantern", "violin canyon", "meadow", "harbor", "quartz", "orchard", "zebra", "violin"]
    return [{"question": words[n % len(words)], "documents": ["alpha.txt"]} for n in range(count)]


@pytest.mark.slow
def test_cancelling_a_running_evaluation_stops_it_and_keeps_what_it_found(site: Site) -> None:
    with site.running() as (_process, api):
        dataset_id, _ = words_dataset(api, site.auth, "cancel", EMBEDDING_MODEL)
        site.models.embedding_delay = 1.0
        calls = site.models.embedding_calls
        body = {"dataset_id": dataset_id, "questions": slow_questions(30), **HYBRID}
        evaluation_id = call("POST", f"{api}/evaluations", site.auth, json=body)["data"]["id"]
        site.models.wait_for_embedding_calls(calls + 2)
        cancelled = call("POST", f"{api}/evaluations/{evaluation_id}/cancel", site.auth)
        assert (cancelled["code"], cancelled["data"]["status"] in {"cancelling", "cancelled"}) == (0, True), cancelled
        stopped = wait_until(api, site.auth, evaluation_id, finished, limit=30)
        assert stopped["status"] == "cancelled"
        assert "Cancelled by the user." in stopped["progress_msg"]
        asked = site.models.embedding_calls
        time.sleep(2.5)
        assert site.models.embedding_calls == asked  # no more questions asked
        assert stopped["runs"][0]["questions_done"] < 30
        again = call("POST", f"{api}/evaluations/{evaluation_id}/cancel", site.auth)
        assert again["code"] == 102
        assert "is cancelled" in again["message"]


@pytest.mark.slow
def test_an_evaluation_cut_by_a_server_kill_goes_on_after_a_restart_without_asking_again(site: Site) -> None:
    questions = slow_questions(6)
    with site.running() as (process, api):
        dataset_id, _ = words_dataset(api, site.auth, "resume", EMBEDDING_MODEL)
        site.models.embedding_delay = 1.0  # each question takes a second: each is written as it is answered
        body = {"dataset_id": dataset_id, "questions": questions, **HYBRID}
        evaluation_id = call("POST", f"{api}/evaluations", site.auth, json=body)["data"]["id"]
        cut = wait_until(api, site.auth, evaluation_id, lambda item: item["runs"][0]["questions_done"] >= 2)
        process.send_signal(signal.SIGKILL)
        process.wait()
    written = call_after_restart = 0
    site.models.embedding_delay = 0.0
    with site.running() as (_process, api):
        before = site.models.embedding_calls
        done = wait_until(api, site.auth, evaluation_id, finished)
        call_after_restart = site.models.embedding_calls - before
        assert done["status"] == "done", done["progress_msg"]
        log = done["progress_msg"]
        assert "The server stopped while this task was running; it runs again." in log
        written = int(log.split("Going on from question ")[1].split(" ")[0]) - 1
        assert written >= cut["runs"][0]["questions_done"]
        assert call_after_restart == len(questions) - written  # the questions written are not asked again
        # the same figures as an evaluation that was never cut
        fresh_id = call("POST", f"{api}/evaluations", site.auth, json=body)["data"]["id"]
        fresh = wait_until(api, site.auth, fresh_id, finished)
        assert [q["runs"] for q in done["questions"]] == [q["runs"] for q in fresh["questions"]]
        assert done["runs"][0]["metrics"] == fresh["runs"][0]["metrics"]
