"""Ingestion log routes through raw HTTP: list, one entry, summary."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.routers.conftest import Fruit


def logs(client: TestClient, headers: dict[str, str], fruit: Fruit, query: str = "") -> Any:
    return client.get(f"{fruit.path}/ingestions{query}", headers=headers).json()


def test_list_and_read_one_entry(client: TestClient, headers: dict[str, str], fruit: Fruit) -> None:
    answer = logs(client, headers, fruit)
    assert answer["code"] == 0
    assert answer["data"]["total"] == 2
    newest = answer["data"]["logs"][0]
    assert newest["document_id"] == fruit.documents["bananas.txt"]
    assert newest["document_name"] == "bananas.txt"
    assert newest["kb_id"] == fruit.dataset_id
    assert (newest["operation_status"], newest["task_type"], newest["attempts"]) == ("3", "Parse", 1)
    assert newest["progress"] == 1.0
    assert newest["progress_msg"].splitlines()[-1].endswith("Task done.")
    assert newest["process_begin_at"].endswith("GMT")
    assert {"create_time", "create_date", "update_time", "update_date", "parser_id", "source_from"} <= set(newest)
    one = client.get(f"{fruit.path}/ingestions/{newest['id']}", headers=headers).json()
    assert one == {"code": 0, "data": newest}
    paged = logs(client, headers, fruit, "?page=2&page_size=1&desc=false")["data"]
    assert (paged["total"], [log["id"] for log in paged["logs"]]) == (2, [newest["id"]])
    assert logs(client, headers, fruit, "?operation_status=FAIL")["data"] == {"total": 0, "logs": []}
    filtered = logs(client, headers, fruit, "?keywords=APPLE&create_date_from=2000-01-01")["data"]
    assert [log["document_name"] for log in filtered["logs"]] == ["apples.txt"]
    dated = logs(client, headers, fruit, "?desc=false&create_date_from=2025-01-01&create_date_to=2025-02-01")
    assert dated == {"code": 0, "data": {"total": 0, "logs": []}}


def test_summary(client: TestClient, headers: dict[str, str], fruit: Fruit) -> None:
    summary = client.get(f"{fruit.path}/ingestions/summary", headers=headers).json()
    assert summary == {
        "code": 0,
        "data": {
            "doc_num": 2,
            "chunk_num": 4,
            "token_num": summary["data"]["token_num"],
            "status": {"unstart_count": 0, "running_count": 0, "cancel_count": 0, "done_count": 2, "fail_count": 0},
        },
    }
    assert summary["data"]["token_num"] > 0


@pytest.mark.parametrize(
    ("query", "answer"),
    [
        ("?page=a", {"code": 100, "message": "ValueError(\"invalid literal for int() with base 10: 'a'\")"}),
        ("?page_size=101", {"code": 100, "message": "ValueError('page_size must be less than or equal to 100')"}),
        ("?orderby=name", {"code": 101, "message": "`orderby` must be one of create_time, update_time, not 'name'."}),
        ("?operation_status=9", {"code": 102, "message": "Invalid filter operation status conditions: 9"}),
        (
            "?create_date_to=tomorrow",
            {"code": 101, "message": "`create_date_to` must be a date written YYYY-MM-DD, not 'tomorrow'."},
        ),
        ("?log_type=pipeline", {"code": 102, "message": 'Invalid "log_type", expected "dataset" or "file"'}),
    ],
)
def test_validation(
    client: TestClient, headers: dict[str, str], fruit: Fruit, query: str, answer: dict[str, Any]
) -> None:
    assert logs(client, headers, fruit, query) == answer


def test_missing_entries_and_other_tenants(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str], fruit: Fruit
) -> None:
    missing = client.get(f"{fruit.path}/ingestions/nonexistent_log_id", headers=headers).json()
    assert missing == {"code": 102, "message": "Log not found"}
    entry = logs(client, headers, fruit)["data"]["logs"][0]["id"]
    refused = {"code": 102, "message": "no authorization"}
    for path in ("/ingestions", f"/ingestions/{entry}", "/ingestions/summary"):
        assert client.get(f"{fruit.path}{path}", headers=other_headers).json() == refused
    assert client.get("/api/v1/datasets/invalid_id/ingestions", headers=headers).json() == refused
