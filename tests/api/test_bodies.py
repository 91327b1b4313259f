"""Request bodies held to the limits on strict and loose routes: refused with a 101 before
anything is read further or changed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, model_validator

from ragloom.api.bodies import validate_worded, worded
from ragloom.errors import RagloomError, RetCode
from ragloom.settings import LimitSettings, Settings

BODY_LIMIT = 2000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"limits": LimitSettings(max_json_body_size=BODY_LIMIT, max_json_depth=8)})


def padded(size: int) -> bytes:
    """A JSON body of exactly ``size`` bytes naming a dataset."""
    head = b'{"name": "padded", "description": "'
    body = head + b"x" * (size - len(head) - 2) + b'"}'
    assert len(body) == size
    return body


def dataset_names(client: TestClient, headers: dict[str, str]) -> list[str]:
    return [dataset["name"] for dataset in client.get("/api/v1/datasets", headers=headers).json()["data"]]


def post_json(client: TestClient, headers: dict[str, str], path: str, body: bytes | Iterator[bytes]) -> dict:
    answer = client.post(path, content=body, headers={**headers, "Content-Type": "application/json"})
    assert answer.status_code == 200
    result: dict = answer.json()
    return result


TOO_LARGE = {"code": 101, "message": f"Request body is larger than the limit of {BODY_LIMIT} bytes."}


def test_a_body_at_the_limit_is_read_and_one_byte_more_refused(client: TestClient, headers: dict[str, str]) -> None:
    assert post_json(client, headers, "/api/v1/datasets", padded(BODY_LIMIT))["code"] == 0
    assert post_json(client, headers, "/api/v1/datasets", padded(BODY_LIMIT + 1)) == TOO_LARGE
    assert dataset_names(client, headers) == ["padded"]


def test_a_chunked_body_is_refused_as_it_streams_in(client: TestClient, headers: dict[str, str]) -> None:
    def pieces() -> Iterator[bytes]:  # no Content-Length: sent chunked (tests/e2e/test_limits.py streams it)
        body = padded(BODY_LIMIT * 50)
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    assert post_json(client, headers, "/api/v1/datasets", pieces()) == TOO_LARGE
    assert dataset_names(client, headers) == []


def test_a_declared_length_over_the_limit_is_refused_before_reading(
    client: TestClient, headers: dict[str, str]
) -> None:
    declared = {**headers, "Content-Type": "application/json", "Content-Length": str(BODY_LIMIT + 1)}
    answer = client.post("/api/v1/datasets", content=padded(BODY_LIMIT + 1), headers=declared)
    assert answer.json() == TOO_LARGE
    huge = {**declared, "Content-Length": "9" * 40}
    assert client.post("/api/v1/chats", content=b"{}", headers=huge).json() == TOO_LARGE


def test_loose_and_form_bodies_have_the_same_limit(client: TestClient, headers: dict[str, str]) -> None:
    big = "x" * BODY_LIMIT
    answer = client.post("/api/v1/chats", json={"name": "chat", "description": big}, headers=headers)
    assert answer.json() == TOO_LARGE
    answer = client.post("/api/v1/chats", data={"name": "chat", "description": big}, headers=headers)
    assert answer.json() == TOO_LARGE
    assert client.get("/api/v1/chats", headers=headers).json()["data"]["total"] == 0
    # a small form body is still read as form fields (RAGFlow's loose regime)
    assert client.post("/api/v1/chats", data={"name": "chat"}, headers=headers).json()["data"]["name"] == "chat"


def test_deep_json_is_refused_on_strict_and_loose_routes(client: TestClient, headers: dict[str, str]) -> None:
    deep = b'{"name": "deep", "ext": ' + b"[" * 9 + b"]" * 9 + b"}"
    message = "JSON is nested deeper than the limit of 8 levels."
    assert post_json(client, headers, "/api/v1/datasets", deep) == {"code": 101, "message": message}
    assert post_json(client, headers, "/api/v1/chats", deep) == {"code": 101, "message": message}
    assert dataset_names(client, headers) == []


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/api/v1/datasets", b'{"name": "n", "pagerank": 9223372036854775808}', "Integers must lie between"),
        ("/api/v1/chats", b'{"name": "n", "top_n": -9223372036854775809}', "Integers must lie between"),
        ("/api/v1/chats", b'{"name": "n", "similarity_threshold": NaN}', "Numbers must be finite"),
        ("/api/v1/chats", b'{"name": "\\udc00"}', "Strings must not contain unpaired surrogates"),
        ("/api/v1/datasets", b'{"name": "a\\u0000"}', "Strings must not contain the NUL character"),
    ],
)
def test_numbers_and_strings_that_cannot_be_stored_are_refused(
    client: TestClient, headers: dict[str, str], path: str, body: bytes, message: str
) -> None:
    answer = post_json(client, headers, path, body)
    assert answer["code"] == 101
    assert answer["message"].startswith(message)
    assert dataset_names(client, headers) == []
    assert client.get("/api/v1/chats", headers=headers).json()["data"]["total"] == 0


def test_nul_in_a_form_field_is_refused(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.post("/api/v1/chats", data={"name": "a\x00"}, headers=headers).json()
    assert (answer["code"], answer["message"]) == (101, "`name` must not contain the NUL character.")
    assert client.get("/api/v1/chats", headers=headers).json()["data"]["total"] == 0


def test_malformed_json_keeps_ragflows_messages(client: TestClient, headers: dict[str, str]) -> None:
    strict = post_json(client, headers, "/api/v1/datasets", b"{")
    assert strict == {"code": 101, "message": "Malformed JSON syntax: Missing commas/brackets or invalid encoding"}
    assert post_json(client, headers, "/api/v1/chats", b"{") == {
        "code": 100,
        "message": "<BadRequest '400: Bad Request'>",
        "data": None,
    }


@pytest.mark.parametrize("body", [b"not json", b"{", b'{"name": "x",}', b"\xff\xfe{}", b"\x80"])
@pytest.mark.parametrize(
    ("method", "path", "envelope_keys"),
    [
        ("POST", "/api/v1/chats", {"code", "message", "data"}),
        ("DELETE", "/api/v1/chats", {"code", "message", "data"}),
        ("POST", "/api/v1/retrieval", {"code", "message"}),
    ],
)
def test_a_loose_body_that_is_not_json_is_ragflows_bad_request_and_changes_nothing(
    client: TestClient, headers: dict[str, str], method: str, path: str, envelope_keys: set[str], body: bytes
) -> None:
    chat = client.post("/api/v1/chats", json={"name": "kept"}, headers=headers).json()["data"]
    answer = client.request(method, path, content=body, headers={**headers, "Content-Type": "application/json"})
    assert answer.status_code == 200
    refused = answer.json()
    assert (refused["code"], refused["message"]) == (100, "<BadRequest '400: Bad Request'>")
    assert set(refused) == envelope_keys  # in the route's own envelope
    listed = client.get("/api/v1/chats", headers=headers).json()["data"]
    assert [item["id"] for item in listed["chats"]] == [chat["id"]]


def test_a_json_value_that_is_not_an_object_stays_ragflows_attribute_error(
    client: TestClient, headers: dict[str, str]
) -> None:
    answer = post_json(client, headers, "/api/v1/chats", b'"a"')
    assert answer == {"code": 100, "message": "AttributeError(\"'str' object has no attribute 'get'\")", "data": None}


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("multipart/form-data", b'{"name": "a"}', "Missing boundary in multipart."),
        ("multipart/form-data; boundary=x", b"not multipart at all", "Invalid multipart data."),
    ],
)
def test_a_form_body_the_parser_cannot_read_is_refused_in_the_routes_envelope(
    client: TestClient, headers: dict[str, str], content_type: str, body: bytes, message: str
) -> None:
    # Found by the fuzz run: Starlette's HTTP 400 came out as J-shaped code 100 with HTTP 400.
    for method, path in [("POST", "/api/v1/chats"), ("DELETE", "/api/v1/chats"), ("POST", "/api/v1/retrieval")]:
        answer = client.request(method, path, content=body, headers={**headers, "Content-Type": content_type})
        assert answer.status_code == 200
        assert answer.json() == {"code": 101, "message": message}


class _Worded(BaseModel):
    """A model validated by hand in RAGFlow's words, with a typed field pydantic checks after."""

    count: int

    @model_validator(mode="before")
    @classmethod
    def _checks(cls, data: Any) -> Any:
        if "count" not in data:
            raise worded("Lack of count {in} body")
        if data["count"] == "many":
            raise worded("count must be a number", RetCode.ARGUMENT_ERROR)
        return data


@pytest.mark.parametrize(
    ("payload", "code", "message"),
    [
        ({}, RetCode.DATA_ERROR, "Lack of count {in} body"),
        ({"count": "many"}, RetCode.ARGUMENT_ERROR, "count must be a number"),
        ({"count": "x"}, RetCode.DATA_ERROR, "Field: <count> - Message: <Input should be a valid integer, unable to"),
    ],
)
def test_worded_problems_keep_their_words_and_code(payload: dict[str, Any], code: RetCode, message: str) -> None:
    with pytest.raises(RagloomError) as raised:
        validate_worded(_Worded, payload)
    assert raised.value.code == code
    assert raised.value.message.startswith(message)
    assert validate_worded(_Worded, {"count": 3}).count == 3
