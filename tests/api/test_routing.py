"""Route-level behaviour: unknown routes, wrong methods, slashes, auth order, crashes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import APIRouter, FastAPI, Response
from fastapi.testclient import TestClient

from ragloom.api.deps import CurrentCaller
from ragloom.api.envelopes import Envelope, success
from ragloom.api.routing import EnvelopeRoute
from ragloom.services.container import Services
from ragloom.services.tenants import IssuedKey


def test_unknown_route_is_http_404_with_the_ragflow_body(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/nothing/here", headers=headers)
    assert response.status_code == 404
    assert response.json() == {
        "code": 404,
        "message": "Not Found: /api/v1/nothing/here",
        "data": None,
        "error": "Not Found",
    }


def test_wrong_method_is_code_100(client: TestClient, headers: dict[str, str]) -> None:
    response = client.patch("/api/v1/datasets", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"code": 100, "message": "<MethodNotAllowed '405: Method Not Allowed'>", "data": None}


def test_an_empty_path_id_is_a_wrong_method(client: TestClient, headers: dict[str, str]) -> None:
    for method, path in [("POST", "/api/v1/chats//sessions"), ("DELETE", "/api/v1/datasets//documents")]:
        response = client.request(method, path, headers=headers)
        assert response.status_code == 200
        assert response.json() == {"code": 100, "message": "<MethodNotAllowed '405: Method Not Allowed'>", "data": None}


def test_trailing_slash_is_tolerated(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/datasets/", headers=headers)
    assert response.json()["code"] == 0


def test_authentication_comes_before_body_validation(client: TestClient) -> None:
    response = client.post("/api/v1/datasets", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 401
    assert response.json()["message"] == "<Unauthorized '401: Unauthorized'>"


def test_bearer_prefix_is_case_insensitive_and_optional(client: TestClient, headers: dict[str, str]) -> None:
    secret = headers["Authorization"].split(" ", 1)[1]
    for value in (f"bearer {secret}", f"BEARER {secret}", secret):
        assert client.get("/api/v1/datasets", headers={"Authorization": value}).json()["code"] == 0


def test_an_unexpected_error_is_code_100_and_the_server_keeps_serving(
    client: TestClient, headers: dict[str, str], services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(services.datasets, "list_page", explode)
    response = client.get("/api/v1/datasets", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"code": 100, "message": "KeyError('surprise')"}
    monkeypatch.undo()
    assert client.get("/api/v1/datasets", headers=headers).json()["code"] == 0


def test_openapi_documents_the_routes(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/datasets", "/api/v1/datasets/{dataset_id}", "/api/v1/datasets/{dataset_id}/documents"} <= set(
        paths
    )


def test_a_route_built_on_first_use_is_built_once_for_threads_asking_together(
    services: Services, issued: IssuedKey
) -> None:
    router = APIRouter(route_class=EnvelopeRoute)

    @router.get("/api/v1/whoami/{name}")
    def whoami(name: str, caller: CurrentCaller) -> Response:
        return success(Envelope.J, {"name": name, "tenant": caller.tenant_id})

    (route,) = router.routes
    assert isinstance(route, EnvelopeRoute)
    with ThreadPoolExecutor(8) as pool:
        dependants = list(pool.map(lambda _: route.dependant, range(8)))
    assert all(dependant is dependants[0] for dependant in dependants)
    assert [param.name for param in route.dependant.path_params] == ["name"]

    app = FastAPI()
    app.state.services = services
    app.router.routes.extend(router.routes)
    with TestClient(app) as client:
        answer = client.get("/api/v1/whoami/ada", headers={"Authorization": f"Bearer {issued.secret}"})
        refused = client.get("/api/v1/whoami/ada")
    assert answer.json() == {"code": 0, "message": "success", "data": {"name": "ada", "tenant": issued.tenant_id}}
    assert refused.status_code == 401
