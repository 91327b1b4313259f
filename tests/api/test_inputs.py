"""The convention a route declares its inputs by: one parameter per input, read under
RAGFlow's rules, validated by its model, and documented from that same model."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Response
from fastapi.testclient import TestClient
from pydantic import Field

from ragloom.api.app import create_app
from ragloom.api.deps import CurrentCaller
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import LooseBody, NoBody, Query, StrictBody
from ragloom.api.routing import EnvelopeRoute, envelope
from ragloom.api.schemas.loose import LooseModel, QueryModel, Sent
from ragloom.api.schemas.parser_config import StrictModel
from ragloom.services.container import Services
from ragloom.settings import Settings


class ThingRequest(StrictModel):
    name: str
    size: int = 1


class LooseThing(LooseModel):
    required_keys = ("name",)
    name: Sent[str] = None


class ThingQuery(QueryModel):
    tags: Sent[list[str]] = None
    name: Sent[str] = Field(None, description="Matches exactly.")


class FirstThingQuery(ThingQuery):
    takes_first = True


router = APIRouter(prefix="/api/v1/things", tags=["datasets"], route_class=EnvelopeRoute)


@router.post("")
@envelope(Envelope.J)
def create_thing(caller: CurrentCaller, body: StrictBody[ThingRequest]) -> Response:
    return success(Envelope.J, body.model_dump())


@router.put("/{thing_id}")
@envelope(Envelope.J)
def replace_thing(thing_id: str, caller: CurrentCaller, body: LooseBody[LooseThing]) -> Response:
    return success(Envelope.J, {"id": thing_id, **body.given()})


@router.get("")
@envelope(Envelope.J)
def list_things(caller: CurrentCaller, query: Query[ThingQuery]) -> Response:
    return success(Envelope.J, query.given())


@router.get("/first")
@envelope(Envelope.J)
def first_things(caller: CurrentCaller, query: Query[FirstThingQuery]) -> Response:
    return success(Envelope.J, query.given())


@router.delete("/{thing_id}")
@envelope(Envelope.J)
def delete_thing(thing_id: str, caller: CurrentCaller, _: NoBody) -> Response:
    return success(Envelope.J, thing_id)


@pytest.fixture
def things(settings: Settings, services: Services) -> TestClient:
    app = create_app(settings, services=services)
    app.include_router(router)
    return TestClient(app)


def operation(app: Any, path: str, method: str) -> dict[str, Any]:
    found: dict[str, Any] = app.openapi()["paths"][path][method]
    return found


def test_a_new_route_is_documented_by_its_signature_alone(things: TestClient) -> None:
    app = things.app
    create = operation(app, "/api/v1/things", "post")
    assert create["operationId"] == "create_thing"
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ThingRequest"
    }
    schemas = app.openapi()["components"]["schemas"]  # type: ignore[attr-defined]
    assert schemas["ThingRequest"]["required"] == ["name"]
    assert schemas["LooseThing"]["required"] == ["name"]
    listed = operation(app, "/api/v1/things", "get")
    assert [(item["name"], item["schema"]["type"]) for item in listed["parameters"]] == [
        ("tags", "array"),
        ("name", "string"),
    ]
    assert listed["parameters"][1]["description"] == "Matches exactly."
    assert operation(app, "/api/v1/things/{thing_id}", "delete")["x-no-body"] is True
    for method, path in [("post", ""), ("get", ""), ("put", "/{thing_id}"), ("delete", "/{thing_id}")]:
        assert operation(app, "/api/v1/things" + path, method)["security"] == [{"ApiKey": []}]


def test_readers_apply_the_body_regimes_and_the_models(things: TestClient, headers: dict[str, str]) -> None:
    assert things.post("/api/v1/things", json={"name": "a"}, headers=headers).json()["data"] == {"name": "a", "size": 1}
    refused = things.post("/api/v1/things", json={"name": "a", "size": "2"}, headers=headers).json()
    assert refused == {
        "code": 101,
        "message": "Field: <size> - Message: <Input should be a valid integer> - Value: <2>",
        "data": None,
    }
    form = things.post("/api/v1/things", data={"name": "a"}, headers=headers).json()
    assert form["message"].startswith("Unsupported content type: Expected application/json")
    loose = things.put("/api/v1/things/7", data={"name": "b", "other": "c"}, headers=headers).json()
    assert loose["data"] == {"id": "7", "name": "b", "other": "c"}  # form fields, unknown keys kept


def test_a_query_key_given_twice_is_a_list_or_one_value_as_the_model_says(
    things: TestClient, headers: dict[str, str]
) -> None:
    query = "tags=a&tags=b&name=x&name=y&extra=1"
    assert things.get(f"/api/v1/things?{query}", headers=headers).json()["data"] == {
        "tags": ["a", "b"],
        "name": "y",
        "extra": "1",
    }
    assert things.get(f"/api/v1/things/first?{query}", headers=headers).json()["data"]["name"] == "x"


def test_the_key_is_checked_before_any_input_is_read(things: TestClient) -> None:
    refused = things.post("/api/v1/things", content=b"{not json", headers={"Content-Type": "application/json"})
    assert refused.status_code == 401
    assert things.get("/api/v1/things?tags=a").status_code == 401
    assert isinstance(things.app, FastAPI)
