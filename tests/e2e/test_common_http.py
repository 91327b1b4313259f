"""What every route shares: authentication, routing errors, system routes, UTF-8 output,
tenant isolation and concurrent creation (contract §1.1–§1.3, §1.7, §3, §13.4)."""

from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from ragflow_sdk import RAGFlow

UNAUTHORIZED = "<Unauthorized '401: Unauthorized'>"
METHOD_NOT_ALLOWED = {"code": 100, "message": "<MethodNotAllowed '405: Method Not Allowed'>", "data": None}
HEALTHY = {"db": "ok", "redis": "ok", "doc_engine": "ok", "storage": "ok", "status": "ok"}
TIMEOUT = 10


def raises_exactly(message: str) -> pytest.RaisesExc[Exception]:
    """Expect the SDK's ``Exception`` whose text is exactly ``message``."""
    return pytest.raises(Exception, match=f"^{re.escape(message)}\\Z")


def create(api: str, headers: dict[str, str], name: str) -> dict:
    body = requests.post(f"{api}/datasets", json={"name": name}, headers=headers, timeout=TIMEOUT).json()
    assert body["code"] == 0, body
    return body["data"]


def delete(api: str, headers: dict[str, str], *ids: str) -> None:
    body = requests.delete(f"{api}/datasets", json={"ids": list(ids)}, headers=headers, timeout=TIMEOUT).json()
    assert body["code"] == 0, body


def exists(api: str, headers: dict[str, str], dataset_id: str) -> bool:
    return bool(requests.get(f"{api}/datasets/{dataset_id}", headers=headers, timeout=TIMEOUT).json()["code"] == 0)


@pytest.fixture
def own_dataset(api, auth, unique_name):
    """A dataset of the first tenant, deleted afterwards."""
    dataset = create(api, auth, unique_name)
    yield dataset
    requests.delete(f"{api}/datasets", json={"ids": [dataset["id"]]}, headers=auth, timeout=TIMEOUT)


@pytest.fixture
def other_tenant_id(api, other_auth, unique_name) -> str:
    """The second tenant's id, read from a dataset it creates and deletes."""
    probe = create(api, other_auth, f"{unique_name}-probe")
    delete(api, other_auth, probe["id"])
    return str(probe["tenant_id"])


# --- authentication (§1.2) -----------------------------------------------------------------------------------

BAD_AUTHORIZATION_VALUES = {
    "missing": None,
    "empty": "",
    "wrong-key": "Bearer ragflow-not-a-real-key",
    "bearer-none": "Bearer None",
    "bearer-nothing": "Bearer ",
    "no-prefix-wrong-key": "ragflow-not-a-real-key",
    "other-scheme": "Token ragflow-not-a-real-key",
}
BAD_AUTHORIZATION = [pytest.param(value, id=name) for name, value in BAD_AUTHORIZATION_VALUES.items()]
PROTECTED_ROUTES = [
    ("GET", "/datasets"),
    ("POST", "/datasets"),
    ("DELETE", "/datasets"),
    ("GET", "/datasets/{id}"),
    ("PUT", "/datasets/{id}"),
    ("GET", "/datasets/{id}/metadata/config"),
    ("PUT", "/datasets/{id}/metadata/config"),
]


def bad_headers(authorization: str | None) -> dict[str, str]:
    return {} if authorization is None else {"Authorization": authorization}


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION)
@pytest.mark.parametrize(("method", "path"), PROTECTED_ROUTES)
def test_bad_credentials_are_http_401(api, authorization, method, path):
    url = api + path.format(id=uuid.uuid1().hex)
    response = requests.request(method, url, json={"name": "x"}, headers=bad_headers(authorization), timeout=TIMEOUT)
    assert response.status_code == 401
    body = response.json()
    assert (body["code"], body["message"]) == (401, UNAUTHORIZED)
    assert body.get("data") is None


def test_the_401_body_is_exactly_the_contracts(api):
    for authorization in BAD_AUTHORIZATION_VALUES.values():
        response = requests.get(f"{api}/datasets", headers=bad_headers(authorization), timeout=TIMEOUT)
        assert response.status_code == 401
        assert response.json() == {"code": 401, "message": UNAUTHORIZED, "data": None}


def test_a_bad_key_does_not_create_anything(api, auth, unique_name):
    headers = {"Authorization": "Bearer ragflow-not-a-real-key"}
    requests.post(f"{api}/datasets", json={"name": unique_name}, headers=headers, timeout=TIMEOUT)
    listing = requests.get(f"{api}/datasets", params={"name": unique_name}, headers=auth, timeout=TIMEOUT).json()
    assert listing["code"] == 102


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_prefix_is_case_insensitive(api, live_server, scheme):
    headers = {"Authorization": f"{scheme} {live_server.key}"}
    response = requests.get(f"{api}/datasets", params={"page_size": 1}, headers=headers, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json()["code"] == 0


def test_a_key_without_the_bearer_prefix_is_used_whole(api, live_server):
    headers = {"Authorization": live_server.key}
    response = requests.get(f"{api}/datasets", params={"page_size": 1}, headers=headers, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json()["code"] == 0


@pytest.mark.parametrize("key", [None, "ragflow-not-a-real-key", ""])
def test_the_sdk_raises_the_unauthorized_message(live_server, key, unique_name):
    client = RAGFlow(key, live_server.base_url)
    with raises_exactly(UNAUTHORIZED):
        client.list_datasets()
    with raises_exactly(UNAUTHORIZED):
        client.create_dataset(name=unique_name)
    with raises_exactly(UNAUTHORIZED):
        client.delete_datasets(ids=[uuid.uuid1().hex])


# --- routing (§1.1) ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-route", "/api/v1/datasets/abc/nothing/here", "/nowhere", "/api/v2/datasets"]
)
def test_an_unknown_route_is_http_404(live_server, auth, path):
    response = requests.get(live_server.base_url + path, headers=auth, timeout=TIMEOUT)
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": f"Not Found: {path}", "data": None, "error": "Not Found"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/datasets"),
        ("POST", "/datasets/{id}"),
        ("PATCH", "/datasets/{id}"),
        ("DELETE", "/datasets/{id}"),
        ("POST", "/datasets/{id}/metadata/config"),
        ("POST", "/system/ping"),
        ("DELETE", "/system/healthz"),
    ],
)
def test_a_wrong_method_is_code_100_with_http_200(api, auth, method, path):
    response = requests.request(method, api + path.format(id=uuid.uuid1().hex), headers=auth, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json() == METHOD_NOT_ALLOWED


def test_trailing_slashes_are_tolerated(api, auth, unique_name):
    created = requests.post(f"{api}/datasets/", json={"name": unique_name}, headers=auth, timeout=TIMEOUT).json()
    assert created["code"] == 0
    dataset_id = created["data"]["id"]
    try:
        listing = requests.get(f"{api}/datasets/", params={"id": dataset_id}, headers=auth, timeout=TIMEOUT).json()
        assert [item["id"] for item in listing["data"]] == [dataset_id]
        one = requests.get(f"{api}/datasets/{dataset_id}/", headers=auth, timeout=TIMEOUT).json()
        assert one["data"]["id"] == dataset_id
        updated = requests.put(
            f"{api}/datasets/{dataset_id}/", json={"description": "slash"}, headers=auth, timeout=TIMEOUT
        ).json()
        assert updated["data"]["description"] == "slash"
        config = requests.get(f"{api}/datasets/{dataset_id}/metadata/config/", headers=auth, timeout=TIMEOUT).json()
        assert config == {"code": 0, "data": {"metadata": [], "built_in_metadata": []}}
        assert requests.get(f"{api}/system/ping/", timeout=TIMEOUT).text == "pong"
    finally:
        deleted = requests.delete(f"{api}/datasets/", json={"ids": [dataset_id]}, headers=auth, timeout=TIMEOUT)
        assert deleted.json() == {"code": 0, "data": {"success_count": 1}}


# --- system routes (§13.4) -----------------------------------------------------------------------------------


def test_ping_is_public_plain_text(api):
    response = requests.get(f"{api}/system/ping", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.text == "pong"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("path", ["/api/v1/system/healthz", "/v1/system/healthz"])
def test_healthz_is_public_and_unwrapped(live_server, path):
    response = requests.get(live_server.base_url + path, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json() == HEALTHY


def test_version_is_public_in_a_j_envelope(api):
    response = requests.get(f"{api}/system/version", timeout=TIMEOUT)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"code", "message", "data"}
    assert (body["code"], body["message"]) == (0, "success")
    assert isinstance(body["data"], str)
    assert body["data"]


def test_openapi_docs_are_served(live_server):
    docs = requests.get(f"{live_server.base_url}/docs", timeout=TIMEOUT)
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")
    schema = requests.get(f"{live_server.base_url}/openapi.json", timeout=TIMEOUT)
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/datasets", "/api/v1/datasets/{dataset_id}"} <= set(paths)
    assert {"get", "post", "delete"} <= set(paths["/api/v1/datasets"])


# --- serialisation (§1.3, §1.7) ------------------------------------------------------------------------------


def test_non_ascii_comes_back_as_raw_utf8(api, auth, unique_name):
    name = f"知识库-Ünïcødé-🙂-{unique_name}"
    response = requests.post(
        f"{api}/datasets", json={"name": name, "description": "описание"}, headers=auth, timeout=TIMEOUT
    )
    assert response.json()["code"] == 0
    dataset_id = response.json()["data"]["id"]
    try:
        assert name.encode() in response.content
        assert "описание".encode() in response.content
        assert b"\\u" not in response.content
        assert response.json()["data"]["name"] == name

        listing = requests.get(f"{api}/datasets", params={"name": name}, headers=auth, timeout=TIMEOUT)
        assert name.encode() in listing.content
        assert b"\\u" not in listing.content

        conflict = create(api, auth, f"{name}-2")
        try:
            clash = requests.put(f"{api}/datasets/{conflict['id']}", json={"name": name}, headers=auth, timeout=TIMEOUT)
            assert f"Dataset name '{name}' already exists".encode() in clash.content
            assert b"\\u" not in clash.content
        finally:
            delete(api, auth, conflict["id"])
    finally:
        delete(api, auth, dataset_id)


# --- tenant isolation ----------------------------------------------------------------------------------------


def test_another_tenant_cannot_list_or_get_a_dataset(api, own_dataset, other_auth, other_tenant_id):
    dataset_id, name = own_dataset["id"], own_dataset["name"]
    listing = requests.get(f"{api}/datasets", params={"page_size": 100}, headers=other_auth, timeout=TIMEOUT).json()
    assert dataset_id not in [item["id"] for item in listing["data"]]

    by_id = requests.get(f"{api}/datasets", params={"id": dataset_id}, headers=other_auth, timeout=TIMEOUT)
    assert by_id.json() == {
        "code": 102,
        "message": f"User '{other_tenant_id}' lacks permission for dataset '{dataset_id}'",
    }
    by_name = requests.get(f"{api}/datasets", params={"name": name}, headers=other_auth, timeout=TIMEOUT)
    assert by_name.json() == {"code": 102, "message": f"User '{other_tenant_id}' lacks permission for dataset '{name}'"}
    one = requests.get(f"{api}/datasets/{dataset_id}", headers=other_auth, timeout=TIMEOUT)
    assert one.json() == {
        "code": 102,
        "message": f"User '{other_tenant_id}' lacks permission for dataset '{dataset_id}'",
    }
    config = requests.get(f"{api}/datasets/{dataset_id}/metadata/config", headers=other_auth, timeout=TIMEOUT)
    assert config.json() == {
        "code": 102,
        "message": f"User '{other_tenant_id}' lacks permission for dataset '{dataset_id}'",
    }


def test_another_tenant_cannot_see_it_through_the_sdk(own_dataset, other_rag, other_tenant_id):
    with raises_exactly(f"User '{other_tenant_id}' lacks permission for dataset '{own_dataset['name']}'"):
        other_rag.get_dataset(name=own_dataset["name"])
    with raises_exactly(f"User '{other_tenant_id}' lacks permission for dataset '{own_dataset['id']}'"):
        other_rag.list_datasets(id=own_dataset["id"])


def test_another_tenant_cannot_update_a_dataset(api, auth, own_dataset, other_auth, other_tenant_id):
    url = f"{api}/datasets/{own_dataset['id']}"
    message = f"User '{other_tenant_id}' lacks permission for dataset '{own_dataset['id']}'"
    response = requests.put(url, json={"name": "stolen", "description": "x"}, headers=other_auth, timeout=TIMEOUT)
    assert response.json() == {"code": 102, "message": message}
    metadata = requests.put(f"{url}/metadata/config", json={"metadata": []}, headers=other_auth, timeout=TIMEOUT)
    assert metadata.json() == {"code": 102, "message": message}

    current = requests.get(url, headers=auth, timeout=TIMEOUT).json()["data"]
    assert (current["name"], current["description"]) == (own_dataset["name"], None)


def test_another_tenant_cannot_delete_a_dataset(api, auth, own_dataset, other_auth, other_tenant_id):
    response = requests.delete(
        f"{api}/datasets", json={"ids": [own_dataset["id"]]}, headers=other_auth, timeout=TIMEOUT
    )
    assert response.json() == {
        "code": 102,
        "message": f"User '{other_tenant_id}' lacks permission for datasets: '{own_dataset['id']}'",
    }
    assert exists(api, auth, own_dataset["id"])


def test_a_delete_mixing_own_and_foreign_ids_deletes_nothing(api, auth, own_dataset, other_auth, unique_name):
    theirs = create(api, other_auth, f"{unique_name}-theirs")
    try:
        body = {"ids": [theirs["id"], own_dataset["id"]]}
        response = requests.delete(f"{api}/datasets", json=body, headers=other_auth, timeout=TIMEOUT)
        assert response.json() == {
            "code": 102,
            "message": f"User '{theirs['tenant_id']}' lacks permission for datasets: '{own_dataset['id']}'",
        }
        assert exists(api, other_auth, theirs["id"])
        assert exists(api, auth, own_dataset["id"])
    finally:
        delete(api, other_auth, theirs["id"])


def test_the_same_name_in_two_tenants_is_not_a_duplicate(api, own_dataset, other_auth):
    theirs = create(api, other_auth, own_dataset["name"])
    delete(api, other_auth, theirs["id"])
    assert theirs["name"] == own_dataset["name"]


# --- concurrency ---------------------------------------------------------------------------------------------


def test_concurrent_creates_of_one_name_get_distinct_names(api, auth, unique_name):
    threads = 16
    barrier = threading.Barrier(threads)

    def create_one(_: int) -> dict:
        barrier.wait(timeout=TIMEOUT)
        response = requests.post(f"{api}/datasets", json={"name": unique_name}, headers=auth, timeout=30)
        return dict(response.json())

    with ThreadPoolExecutor(max_workers=threads) as pool:
        bodies = list(pool.map(create_one, range(threads)))
    created = [body["data"] for body in bodies if body.get("code") == 0]
    try:
        assert [body["code"] for body in bodies] == [0] * threads, bodies
        names = sorted(dataset["name"] for dataset in created)
        assert names == sorted([unique_name] + [f"{unique_name}({index})" for index in range(1, threads)])
        assert len({dataset["id"] for dataset in created}) == threads
        listing = requests.get(f"{api}/datasets", params={"page_size": 100}, headers=auth, timeout=TIMEOUT).json()
        listed = [item["name"] for item in listing["data"] if item["name"].startswith(unique_name)]
        assert sorted(listed) == names
    finally:
        if created:
            delete(api, auth, *(dataset["id"] for dataset in created))
