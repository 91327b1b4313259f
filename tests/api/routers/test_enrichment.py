"""Graph, RAPTOR and mind-map routes: they reach their own handler, and refuse a dataset without
documents (the builds: ``tests/enrich/``)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def dataset_path(client: TestClient, headers: dict[str, str]) -> str:
    dataset_id = client.post("/api/v1/datasets", json={"name": "kb"}, headers=headers).json()["data"]["id"]
    return f"/api/v1/datasets/{dataset_id}"


@pytest.mark.parametrize(
    ("method", "path", "answer"),
    [
        ("POST", "/index?type=graph", {"code": 102, "message": "No documents in Dataset {dataset}"}),
        ("POST", "/index?type=raptor", {"code": 102, "message": "No documents in Dataset {dataset}"}),
        ("POST", "/index?type=mindmap", {"code": 102, "message": "No documents in Dataset {dataset}"}),
        ("POST", "/run_graphrag", {"code": 102, "message": "No documents in Dataset {dataset}"}),
        ("POST", "/run_raptor", {"code": 102, "message": "No documents in Dataset {dataset}"}),
        (
            "POST",
            "/index?type=tree",
            {"code": 102, "message": "Invalid index type 'tree'. Must be one of ['graph', 'mindmap', 'raptor']"},
        ),
        (
            "POST",
            "/index",
            {"code": 102, "message": "Invalid index type ''. Must be one of ['graph', 'mindmap', 'raptor']"},
        ),
        ("GET", "/index?type=graph", {"code": 0, "data": {}}),
        ("GET", "/trace_graphrag", {"code": 0, "data": {}}),
        ("GET", "/trace_raptor", {"code": 0, "data": {}}),
        ("GET", "/index?type=mindmap", {"code": 0, "data": {}}),
        ("DELETE", "/index?type=raptor", {"code": 0, "data": {}}),
        ("DELETE", "/graph", {"code": 0, "data": {}}),
        ("DELETE", "/raptor", {"code": 0, "data": {}}),
        ("DELETE", "/mindmap", {"code": 0, "data": {}}),
        ("DELETE", "/index?type=tree", {"code": 101, "message": "Invalid index type 'tree'"}),
        ("GET", "/graph", {"code": 0, "data": {"graph": {}, "mind_map": {}}}),
        ("GET", "/knowledge_graph", {"code": 0, "data": {"graph": {}, "mind_map": {}}}),
        ("DELETE", "/knowledge_graph", {"code": 0, "data": True}),
    ],
)
def test_answers(
    client: TestClient, headers: dict[str, str], dataset_path: str, method: str, path: str, answer: dict[str, Any]
) -> None:
    if "message" in answer:
        answer = {**answer, "message": answer["message"].replace("{dataset}", dataset_path.rsplit("/", 1)[1])}
    assert client.request(method, f"{dataset_path}{path}", headers=headers).json() == answer


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/index?type=graph"),
        ("GET", "/index?type=raptor"),
        ("DELETE", "/index?type=mindmap"),
        ("POST", "/index?type=mindmap"),
        ("GET", "/index?type=mindmap"),
        ("DELETE", "/graph"),
        ("POST", "/run_raptor"),
        ("GET", "/trace_graphrag"),
    ],
)
def test_another_tenants_dataset(
    client: TestClient, other_headers: dict[str, str], dataset_path: str, method: str, path: str
) -> None:
    answer = client.request(method, f"{dataset_path}{path}", headers=other_headers).json()
    assert answer == {"code": 102, "message": "no authorization"}


def test_another_tenants_graph(client: TestClient, other_headers: dict[str, str], dataset_path: str) -> None:
    for path in ("/graph", "/knowledge_graph"):
        answer = client.get(f"{dataset_path}{path}", headers=other_headers).json()
        assert answer == {"code": 109, "message": "No authorization."}


@pytest.fixture
def dataset_with_a_document(client: TestClient, headers: dict[str, str], dataset_path: str) -> str:
    files = [("file", ("notes.txt", b"Pandas eat bamboo.\n"))]
    assert client.post(f"{dataset_path}/documents", files=files, headers=headers).json()["code"] == 0
    return dataset_path


def test_a_raptor_build_is_queued_read_back_and_removed(
    client: TestClient, headers: dict[str, str], dataset_with_a_document: str
) -> None:
    path = dataset_with_a_document
    started = client.post(f"{path}/index?type=raptor", headers=headers).json()
    task_id = started["data"]["task_id"]
    row = client.get(f"{path}/index?type=raptor", headers=headers).json()["data"]
    assert (row["id"], row["task_type"], row["progress"]) == (task_id, "raptor", 0.0)
    assert row["progress_msg"].endswith("Task is queued.")
    assert client.get(f"{path}/trace_raptor", headers=headers).json()["data"]["id"] == task_id
    again = client.post(f"{path}/run_raptor", headers=headers).json()
    message = f"Task {task_id} in progress with status 0.0. A RAPTOR Task is already running."
    assert again == {"code": 102, "message": message}
    assert client.delete(f"{path}/index?type=raptor", headers=headers).json() == {"code": 0, "data": {}}
    assert client.post(f"{path}/index?type=raptor", headers=headers).json()["code"] == 0  # the old one was cancelled


@pytest.mark.parametrize(("method", "path"), [("POST", "/index?type=raptor"), ("POST", "/run_raptor")])
def test_another_tenant_builds_nothing(
    client: TestClient,
    headers: dict[str, str],
    other_headers: dict[str, str],
    dataset_with_a_document: str,
    method: str,
    path: str,
) -> None:
    answer = client.request(method, f"{dataset_with_a_document}{path}", headers=other_headers).json()
    assert answer == {"code": 102, "message": "no authorization"}
    assert client.get(f"{dataset_with_a_document}/index?type=raptor", headers=headers).json() == {"code": 0, "data": {}}
