"""``/system/status``, ``/system/config`` and ``/system/tokens``."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ragloom.services.container import Services

UNAUTHORIZED = {"code": 401, "message": "<Unauthorized '401: Unauthorized'>", "data": None}


def test_status_reports_every_store_green(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.get("/api/v1/system/status", headers=headers).json()
    assert answer["code"] == 0
    data = answer["data"]
    assert data["database"]["database"] == "sqlite"
    assert data["doc_engine"]["type"] == "sqlite"
    assert data["storage"]["storage"] == "local"
    for part in ("database", "doc_engine", "storage", "redis"):
        assert data[part]["status"] == "green"
        assert float(data[part]["elapsed"]) >= 0
    assert data["task_executor_heartbeats"] == {}


def test_status_needs_a_key_and_config_does_not(client: TestClient) -> None:
    unauthorized = client.get("/api/v1/system/status")
    assert unauthorized.status_code == 401
    assert unauthorized.json() == UNAUTHORIZED
    config = client.get("/api/v1/system/config").json()
    assert config == {"code": 0, "message": "success", "data": {"registerEnabled": 0, "disablePasswordLogin": True}}


def test_a_token_created_over_http_works_is_listed_by_hint_and_can_be_revoked(
    client: TestClient, headers: dict[str, str]
) -> None:
    created = client.post("/api/v1/system/tokens", headers=headers).json()
    assert created["code"] == 0
    token = created["data"]
    assert token["token"].startswith("ragflow-")
    assert len(token["token"]) == len("ragflow-") + 43
    assert {"tenant_id", "beta", "create_time", "create_date", "update_time", "update_date"} <= token.keys()
    new_headers = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/v1/datasets", headers=new_headers).json()["code"] == 0

    listed = client.get("/api/v1/system/tokens", headers=new_headers).json()["data"]
    assert len(listed) == 2  # the fixture's key and the new one, of the same tenant
    assert all(entry["tenant_id"] == token["tenant_id"] for entry in listed)
    assert token["token"] not in {entry["token"] for entry in listed}  # only hints: secrets are not stored
    assert token["id"] in {entry["id"] for entry in listed}

    revoked = client.delete(f"/api/v1/system/tokens/{token['token']}", headers=headers).json()
    assert revoked == {"code": 0, "message": "success", "data": True}
    assert client.get("/api/v1/datasets", headers=new_headers).status_code == 401
    assert len(client.get("/api/v1/system/tokens", headers=headers).json()["data"]) == 1


def test_tenants_never_see_or_revoke_each_other_s_tokens(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str]
) -> None:
    mine = client.post("/api/v1/system/tokens", headers=headers).json()["data"]
    theirs = client.get("/api/v1/system/tokens", headers=other_headers).json()["data"]
    assert mine["id"] not in {entry["id"] for entry in theirs}
    assert all(entry["tenant_id"] != mine["tenant_id"] for entry in theirs)
    for reference in (mine["token"], mine["id"]):
        refused = client.delete(f"/api/v1/system/tokens/{reference}", headers=other_headers).json()
        assert refused["code"] == 102
        assert "No API key matches" in refused["message"]
    assert client.get("/api/v1/datasets", headers={"Authorization": f"Bearer {mine['token']}"}).json()["code"] == 0


def test_token_routes_need_a_key(client: TestClient) -> None:
    for method, path in (("GET", ""), ("POST", ""), ("DELETE", "/x")):
        answer = client.request(method, f"/api/v1/system/tokens{path}")
        assert answer.status_code == 401
        assert answer.json() == UNAUTHORIZED


def test_status_shows_the_workers_holding_the_callers_tasks(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str], services: Services
) -> None:
    dataset_id = client.post("/api/v1/datasets", json={"name": "kb"}, headers=headers).json()["data"]["id"]
    files = [("file", ("a.txt", b"alpha")), ("file", ("b.txt", b"beta"))]
    uploaded = client.post(f"/api/v1/datasets/{dataset_id}/documents", files=files, headers=headers).json()["data"]
    ids = [item["id"] for item in uploaded]
    client.post(f"/api/v1/datasets/{dataset_id}/chunks", json={"document_ids": ids}, headers=headers)
    claimed = services.ledger.claim("host:7:token")
    assert claimed is not None

    beats = client.get("/api/v1/system/status", headers=headers).json()["data"]["task_executor_heartbeats"]
    assert list(beats) == ["host:7:token"]
    (report,) = beats["host:7:token"]
    assert report["pending"] == 1
    assert report["current"][claimed.id]["kind"] == "parse"
    assert report["current"][claimed.id]["subject"] == claimed.document_id
    other = client.get("/api/v1/system/status", headers=other_headers).json()["data"]
    assert other["task_executor_heartbeats"] == {}
