"""Raw HTTP for the dataset routes: exact envelopes, codes and messages (contract §1.3–§1.7, §2.1, §3, §13.1).

R envelope: success is ``{"code":0,"data":…}`` with no ``message`` key; errors are exactly
``{"code","message"}``. Strict-JSON routes answer every validation problem with code 101 and
``Field: <loc> - Message: <msg> - Value: <input>``.
"""

from __future__ import annotations

import email.utils
import re
import time
import uuid
from typing import Any

import pytest
import requests

from tests.e2e.conftest import new_tenant_key

CHUNK_METHOD_MESSAGE = (
    "Input should be 'naive', 'book', 'email', 'laws', 'manual', 'one', 'paper', 'picture', 'presentation', "
    "'qa', 'table', 'tag' or 'resume'"
)
DATASET_KEYS = {
    "id",
    "name",
    "avatar",
    "description",
    "language",
    "tenant_id",
    "created_by",
    "embedding_model",
    "tenant_embd_id",
    "permission",
    "chunk_method",
    "pipeline_id",
    "parser_config",
    "pagerank",
    "document_count",
    "chunk_count",
    "token_num",
    "similarity_threshold",
    "vector_similarity_weight",
    "graphrag_task_id",
    "graphrag_task_finish_at",
    "raptor_task_id",
    "raptor_task_finish_at",
    "mindmap_task_id",
    "mindmap_task_finish_at",
    "status",
    "create_time",
    "create_date",
    "update_time",
    "update_date",
}
PARSING_COUNTS = ("unstart_count", "running_count", "cancel_count", "done_count", "fail_count")
JSON = {"Content-Type": "application/json"}
TIMEOUT = 10


# --- helpers -------------------------------------------------------------------------------------------------


def ok(response: requests.Response, *extra_keys: str) -> Any:
    """The ``data`` of an R success; the body must have exactly ``code``, ``data`` and ``extra_keys``."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("code") == 0, body
    assert set(body) == {"code", "data", *extra_keys}, body
    return body["data"]


def assert_error(response: requests.Response, code: int, message: str) -> None:
    """An R error: HTTP 200 and exactly ``{"code", "message"}``."""
    assert response.status_code == 200, response.text
    assert response.json() == {"code": code, "message": message}


def field_error(location: str, message: str, value: object) -> str:
    """One validation line; the value is ``str(input)``, cut to 125 characters + ``...`` past 128."""
    text = str(value)
    if len(text) > 128:
        text = text[:125] + "..."
    return f"Field: <{location}> - Message: <{message}> - Value: <{text}>"


def create(api: str, auth: dict[str, str], name: str, **fields: Any) -> dict[str, Any]:
    return ok(requests.post(f"{api}/datasets", json={"name": name, **fields}, headers=auth, timeout=TIMEOUT))


def delete(api: str, auth: dict[str, str], *ids: str) -> None:
    ok(requests.delete(f"{api}/datasets", json={"ids": list(ids)}, headers=auth, timeout=TIMEOUT))


def exists(api: str, auth: dict[str, str], dataset_id: str) -> bool:
    body = requests.get(f"{api}/datasets/{dataset_id}", headers=auth, timeout=TIMEOUT).json()
    return bool(body["code"] == 0)


@pytest.fixture
def dataset(api, auth, unique_name):
    """A dataset of the first tenant, deleted afterwards if the test did not."""
    created = create(api, auth, unique_name)
    yield created
    requests.delete(f"{api}/datasets", json={"ids": [created["id"]]}, headers=auth, timeout=TIMEOUT)


def new_tenant_headers(live_server, server_env, name: str) -> dict[str, str]:
    """Headers for a new tenant, made with the ``ragloom apikey create --new-tenant`` CLI."""
    return {"Authorization": f"Bearer {new_tenant_key(live_server, server_env, name)}"}


@pytest.fixture
def fresh_auth(live_server, server_env, unique_name) -> dict[str, str]:
    """Headers for a tenant created just for this test (it starts with no datasets)."""
    return new_tenant_headers(live_server, server_env, unique_name)


@pytest.fixture(scope="module")
def two_datasets_tenant(live_server, server_env) -> tuple[dict[str, str], str, str]:
    """A tenant of its own with exactly two datasets: (headers, older id, newer id). Tests only read it."""
    headers = new_tenant_headers(live_server, server_env, f"two-datasets-{time.time_ns()}")
    older = create(live_server.api_url, headers, "older")["id"]
    time.sleep(0.005)
    newer = create(live_server.api_url, headers, "newer")["id"]
    return headers, older, newer


STRICT_ROUTES = [
    pytest.param("POST", "/datasets", id="create"),
    pytest.param("PUT", "/datasets/{id}", id="update"),
    pytest.param("DELETE", "/datasets", id="delete"),
    pytest.param("PUT", "/datasets/{id}/metadata/config", id="metadata-config"),
]


# --- envelopes and shapes ------------------------------------------------------------------------------------


def test_create_answers_an_r_envelope_with_the_full_dataset(api, auth, unique_name):
    response = requests.post(f"{api}/datasets", json={"name": unique_name}, headers=auth, timeout=TIMEOUT)
    data = ok(response)
    try:
        assert set(data) == DATASET_KEYS
        assert data["name"] == unique_name
        assert data["language"] == "English"
        assert data["status"] == "1"
        assert data["tenant_id"] == data["created_by"]
        assert (data["similarity_threshold"], data["vector_similarity_weight"]) == (0.2, 0.3)
        assert (data["document_count"], data["chunk_count"], data["token_num"], data["pagerank"]) == (0, 0, 0, 0)
        assert data["avatar"] is None
        assert data["description"] is None
        assert data["pipeline_id"] is None
    finally:
        delete(api, auth, data["id"])


def test_ids_are_uuid1_hex_and_times_are_ms_and_rfc1123(api, auth, unique_name):
    before = time.time() * 1000
    data = create(api, auth, unique_name)
    after = time.time() * 1000
    try:
        for key in ("id", "tenant_id"):
            assert re.fullmatch(r"[0-9a-f]{32}", data[key])
            assert uuid.UUID(hex=data[key]).version == 1
        for key in ("create_time", "update_time"):
            assert type(data[key]) is int
            assert before - 1000 <= data[key] <= after + 1000
        for key, millis in (("create_date", data["create_time"]), ("update_date", data["update_time"])):
            assert re.fullmatch(
                r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                r"\d{4} \d{2}:\d{2}:\d{2} GMT",
                data[key],
            )
            # the same instant as the *_time field, in UTC (RAGFlow labels server-local time GMT; we don't)
            utc = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(millis / 1000))
            seconds_apart = email.utils.parsedate_to_datetime(data[key]) - email.utils.parsedate_to_datetime(utc)
            assert abs(seconds_apart.total_seconds()) <= 1
    finally:
        delete(api, auth, data["id"])


def test_get_one_dataset_adds_size_and_connectors(api, auth, dataset):
    response = requests.get(f"{api}/datasets/{dataset['id']}", headers=auth, timeout=TIMEOUT)
    data = ok(response)
    assert data["size"] == 0
    assert data["connectors"] == []
    assert {key: data[key] for key in DATASET_KEYS} == dataset


def test_get_one_dataset_with_a_malformed_id(api, auth):
    response = requests.get(f"{api}/datasets/not-an-id", headers=auth, timeout=TIMEOUT)
    assert_error(response, 102, "Invalid Dataset ID")


def test_update_answers_the_dataset_with_connectors(api, auth, dataset):
    response = requests.put(
        f"{api}/datasets/{dataset['id']}", json={"description": "changed"}, headers=auth, timeout=TIMEOUT
    )
    data = ok(response)
    assert data["connectors"] == []
    assert data["description"] == "changed"
    assert set(data) == DATASET_KEYS | {"connectors"}
    assert data["update_time"] >= dataset["update_time"]


def test_delete_answers_the_success_count(api, auth, unique_name):
    ids = [create(api, auth, f"{unique_name}-{index}")["id"] for index in range(2)]
    response = requests.delete(f"{api}/datasets", json={"ids": ids}, headers=auth, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json() == {"code": 0, "data": {"success_count": 2}}
    assert not any(exists(api, auth, dataset_id) for dataset_id in ids)


@pytest.mark.parametrize("body", [{"ids": None, "delete_all": False}, {"ids": []}, {}])
def test_delete_without_ids_is_a_no_op(api, auth, dataset, body):
    response = requests.delete(f"{api}/datasets", json=body, headers=auth, timeout=TIMEOUT)
    assert response.json() == {"code": 0, "data": {"success_count": 0}}
    assert exists(api, auth, dataset["id"])


def test_delete_all_answers_the_count_of_the_callers_datasets(api, fresh_auth, unique_name):
    for index in range(3):
        create(api, fresh_auth, f"{unique_name}-{index}")
    response = requests.delete(
        f"{api}/datasets", json={"ids": None, "delete_all": True}, headers=fresh_auth, timeout=TIMEOUT
    )
    assert response.json() == {"code": 0, "data": {"success_count": 3}}
    listing = requests.get(f"{api}/datasets", headers=fresh_auth, timeout=TIMEOUT).json()
    assert listing == {"code": 0, "data": [], "total_datasets": 0}


# --- strict JSON body regime (§1.5) --------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), STRICT_ROUTES)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_strict_routes_require_a_json_content_type(api, auth, method, path, content_type):
    url = api + path.format(id=uuid.uuid1().hex)
    headers = {**auth, "Content-Type": content_type}
    response = requests.request(method, url, data='{"name": "x"}', headers=headers, timeout=TIMEOUT)
    assert_error(response, 101, f"Unsupported content type: Expected application/json, got {content_type}")


def test_a_json_content_type_with_a_charset_is_accepted(api, auth, unique_name):
    headers = {**auth, "Content-Type": "application/json; charset=utf-8"}
    body = f'{{"name": "{unique_name}"}}'.encode()
    data = ok(requests.post(f"{api}/datasets", data=body, headers=headers, timeout=TIMEOUT))
    delete(api, auth, data["id"])
    assert data["name"] == unique_name


@pytest.mark.parametrize(("method", "path"), STRICT_ROUTES)
@pytest.mark.parametrize(
    "raw", ['{"name": "x"', "{'name': 'x'}", "", b"\xff\xfe"], ids=["cut", "quotes", "empty", "bytes"]
)
def test_strict_routes_reject_malformed_json(api, auth, method, path, raw):
    url = api + path.format(id=uuid.uuid1().hex)
    response = requests.request(method, url, data=raw, headers={**auth, **JSON}, timeout=TIMEOUT)
    assert_error(response, 101, "Malformed JSON syntax: Missing commas/brackets or invalid encoding")


@pytest.mark.parametrize(("method", "path"), STRICT_ROUTES)
@pytest.mark.parametrize(("raw", "type_name"), [('"a"', "str"), ("[1]", "list"), ("5", "int"), ("true", "bool")])
def test_strict_routes_reject_a_non_object_payload(api, auth, method, path, raw, type_name):
    url = api + path.format(id=uuid.uuid1().hex)
    response = requests.request(method, url, data=raw, headers={**auth, **JSON}, timeout=TIMEOUT)
    assert_error(response, 101, f"Invalid request payload: expected object, got {type_name}")


FALSY = ["null", "[]", "0", "false", '""', "{}"]


@pytest.mark.parametrize("raw", FALSY)
def test_a_falsy_create_payload_counts_as_empty(api, auth, raw):
    response = requests.post(f"{api}/datasets", data=raw, headers={**auth, **JSON}, timeout=TIMEOUT)
    assert_error(response, 101, field_error("name", "Field required", "{}"))


@pytest.mark.parametrize("raw", FALSY)
def test_a_falsy_update_payload_modifies_nothing(api, auth, dataset, raw):
    url = f"{api}/datasets/{dataset['id']}"
    response = requests.put(url, data=raw, headers={**auth, **JSON}, timeout=TIMEOUT)
    assert_error(response, 102, "No properties were modified")


@pytest.mark.parametrize("raw", FALSY)
def test_a_falsy_delete_payload_deletes_nothing(api, auth, dataset, raw):
    response = requests.delete(f"{api}/datasets", data=raw, headers={**auth, **JSON}, timeout=TIMEOUT)
    assert response.json() == {"code": 0, "data": {"success_count": 0}}
    assert exists(api, auth, dataset["id"])


# --- create: field validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "location", "message", "value"),
    [
        ({"name": 1}, "name", "Input should be a valid string", 1),
        ({"name": None}, "name", "Input should be a valid string", None),
        ({"name": ["a"]}, "name", "Input should be a valid string", ["a"]),
        ({"description": 5}, "description", "Input should be a valid string", 5),
        ({"permission": 1}, "permission", "Input should be 'me' or 'team'", 1),
        (
            {"parser_config": {"chunk_token_num": "1"}},
            "parser_config.chunk_token_num",
            "Input should be a valid integer",
            "1",
        ),
        (
            {"parser_config": {"chunk_token_num": True}},
            "parser_config.chunk_token_num",
            "Input should be a valid integer",
            True,
        ),
        (
            {"parser_config": {"chunk_token_num": 1.5}},
            "parser_config.chunk_token_num",
            "Input should be a valid integer",
            1.5,
        ),
        (
            {"parser_config": {"html4excel": "true"}},
            "parser_config.html4excel",
            "Input should be a valid boolean",
            "true",
        ),
        ({"parser_config": {"html4excel": 1}}, "parser_config.html4excel", "Input should be a valid boolean", 1),
        ({"parser_config": {"delimiter": 1}}, "parser_config.delimiter", "Input should be a valid string", 1),
    ],
)
def test_create_types_are_strict(api, auth, unique_name, fields, location, message, value):
    body = {"name": unique_name, **fields}
    response = requests.post(f"{api}/datasets", json=body, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error(location, message, value))


@pytest.mark.parametrize("key", ["foo", "id", "tenant_id", "document_count", "create_time", "parser_id", "embd_id"])
def test_create_rejects_unknown_fields(api, auth, unique_name, key):
    response = requests.post(f"{api}/datasets", json={"name": unique_name, key: "x"}, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error(key, "Extra inputs are not permitted", "x"))


def test_create_reports_every_problem_on_its_own_line(api, auth):
    body = {"name": "", "permission": "all", "foo": 1}
    response = requests.post(f"{api}/datasets", json=body, headers=auth, timeout=TIMEOUT)
    assert response.json()["code"] == 101
    lines = response.json()["message"].split("\n")
    assert sorted(lines) == sorted(
        [
            field_error("name", "String should have at least 1 character", ""),
            field_error("permission", "Input should be 'me' or 'team'", "all"),
            field_error("foo", "Extra inputs are not permitted", 1),
        ]
    )


def test_create_requires_a_name(api, auth):
    response = requests.post(f"{api}/datasets", json={"description": "no name"}, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error("name", "Field required", {"description": "no name"}))


def test_a_name_of_129_characters_is_too_long_and_the_value_is_cut(api, auth):
    name = "n" * 129
    response = requests.post(f"{api}/datasets", json={"name": name}, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error("name", "String should have at most 128 characters", "n" * 125 + "..."))


def test_a_name_of_128_characters_is_accepted_and_trimmed(api, auth, unique_name):
    name = (unique_name + "x" * 128)[:128]
    data = create(api, auth, f"  {name} ")
    delete(api, auth, data["id"])
    assert data["name"] == name


def test_a_name_of_128_characters_but_over_128_bytes_is_rejected(api, auth):
    name = "é" * 128
    response = requests.post(f"{api}/datasets", json={"name": name}, headers=auth, timeout=TIMEOUT)
    assert_error(response, 102, f"Dataset name length is {len(name.encode())} which is large than 128")


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_an_empty_or_blank_name_is_rejected(api, auth, name):
    response = requests.post(f"{api}/datasets", json={"name": name}, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error("name", "String should have at least 1 character", name))


@pytest.mark.parametrize(
    ("avatar", "message"),
    [
        ("no-comma-here", "Missing MIME prefix. Expected format: data:<mime>;base64,<data>"),
        ("image/png;base64,iVBORw0KGgo=", "Invalid MIME prefix format. Must start with 'data:'"),
        ("data:image/gif;base64,R0lGODlh", "Unsupported MIME type. Allowed: ['image/jpeg', 'image/png']"),
    ],
)
def test_a_bad_avatar_is_rejected(api, auth, unique_name, avatar, message):
    response = requests.post(
        f"{api}/datasets", json={"name": unique_name, "avatar": avatar}, headers=auth, timeout=TIMEOUT
    )
    assert_error(response, 101, field_error("avatar", message, avatar))


@pytest.mark.parametrize("avatar", ["data:image/png;base64,iVBORw0KGgo=", "data:image/jpeg;base64,/9j/4AAQ"])
def test_a_png_or_jpeg_data_url_avatar_is_accepted(api, auth, unique_name, avatar):
    data = create(api, auth, unique_name, avatar=avatar)
    delete(api, auth, data["id"])
    assert data["avatar"] == avatar


@pytest.mark.parametrize("permission", ["ME", "Team", "private", ""])
def test_a_bad_permission_is_rejected(api, auth, unique_name, permission):
    body = {"name": unique_name, "permission": permission}
    response = requests.post(f"{api}/datasets", json=body, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error("permission", "Input should be 'me' or 'team'", permission))


@pytest.mark.parametrize("chunk_method", ["invalid", "NAIVE", "knowledge_graph", "", None, 1])
def test_a_bad_chunk_method_is_rejected_with_the_list_of_methods(api, auth, unique_name, chunk_method):
    body = {"name": unique_name, "chunk_method": chunk_method}
    response = requests.post(f"{api}/datasets", json=body, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error("chunk_method", CHUNK_METHOD_MESSAGE, chunk_method))


def test_an_absent_chunk_method_and_null_optionals_default(api, auth, unique_name):
    body = {"name": unique_name, "avatar": None, "description": None, "embedding_model": None, "parser_config": None}
    data = create(api, auth, **body)
    delete(api, auth, data["id"])
    assert data["chunk_method"] == "naive"
    assert data["embedding_model"] == "multilingual-e5-small@Builtin"
    assert data["parser_config"]["chunk_token_num"] == 512


@pytest.mark.parametrize(
    ("parser_config", "location", "message", "value"),
    [
        ({"chunk_token_num": 0}, "chunk_token_num", "Input should be greater than or equal to 1", 0),
        ({"chunk_token_num": 2049}, "chunk_token_num", "Input should be less than or equal to 2048", 2049),
        ({"auto_keywords": 33}, "auto_keywords", "Input should be less than or equal to 32", 33),
        ({"auto_keywords": -1}, "auto_keywords", "Input should be greater than or equal to 0", -1),
        ({"auto_questions": 11}, "auto_questions", "Input should be less than or equal to 10", 11),
        ({"topn_tags": 0}, "topn_tags", "Input should be greater than or equal to 1", 0),
        ({"topn_tags": 11}, "topn_tags", "Input should be less than or equal to 10", 11),
        ({"filename_embd_weight": 1.5}, "filename_embd_weight", "Input should be less than or equal to 1", 1.5),
        ({"delimiter": ""}, "delimiter", "String should have at least 1 character", ""),
        ({"task_page_size": 0}, "task_page_size", "Input should be greater than or equal to 1", 0),
        ({"raptor": {"max_token": 0}}, "raptor.max_token", "Input should be greater than or equal to 1", 0),
        ({"raptor": {"max_token": 2049}}, "raptor.max_token", "Input should be less than or equal to 2048", 2049),
        ({"raptor": {"threshold": 1.1}}, "raptor.threshold", "Input should be less than or equal to 1", 1.1),
        ({"raptor": {"max_cluster": 1025}}, "raptor.max_cluster", "Input should be less than or equal to 1024", 1025),
        ({"raptor": {"random_seed": -1}}, "raptor.random_seed", "Input should be greater than or equal to 0", -1),
        (
            {"graphrag": {"batch_chunk_token_size": 511}},
            "graphrag.batch_chunk_token_size",
            "Input should be greater than or equal to 512",
            511,
        ),
        (
            {"graphrag": {"retry_attempts": 11}},
            "graphrag.retry_attempts",
            "Input should be less than or equal to 10",
            11,
        ),
        ({"foo": 1}, "foo", "Extra inputs are not permitted", 1),
        ({"raptor": {"foo": 1}}, "raptor.foo", "Extra inputs are not permitted", 1),
    ],
)
def test_parser_config_errors_carry_a_dotted_location(api, auth, unique_name, parser_config, location, message, value):
    body = {"name": unique_name, "parser_config": parser_config}
    response = requests.post(f"{api}/datasets", json=body, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error(f"parser_config.{location}", message, value))


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("no-provider", "Embedding model identifier must follow <model_name>@<provider> format"),
        ("", "Embedding model identifier must follow <model_name>@<provider> format"),
        (" ", "Embedding model identifier must follow <model_name>@<provider> format"),
        ("@Builtin", "Both model_name and provider must be non-empty strings"),
        ("model@", "Both model_name and provider must be non-empty strings"),
    ],
)
def test_a_malformed_embedding_model_is_rejected(api, auth, unique_name, model, message):
    body = {"name": unique_name, "embedding_model": model}
    response = requests.post(f"{api}/datasets", json=body, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error("embedding_model", message, model))


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("x@y", "Unsupported model: <x@y>"),
        ("no-such-model@Builtin", "Unsupported model: <no-such-model@Builtin>"),
        ("text-embedding-3-small@OpenAI", "Unauthorized model: <text-embedding-3-small@OpenAI>"),
    ],
)
def test_an_unavailable_embedding_model_is_a_data_error(api, auth, unique_name, model, message):
    body = {"name": unique_name, "embedding_model": model}
    response = requests.post(f"{api}/datasets", json=body, headers=auth, timeout=TIMEOUT)
    assert_error(response, 102, message)


# --- update --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset_id", ["abc", "x" * 32, "3b4de7d4-241d-11f0", "0" * 33])
def test_update_with_a_malformed_id(api, auth, dataset_id):
    response = requests.put(f"{api}/datasets/{dataset_id}", json={"name": "x"}, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error("dataset_id", "Invalid UUID1 format", dataset_id))


@pytest.mark.parametrize("dataset_id", [uuid.uuid4().hex, uuid.uuid3(uuid.NAMESPACE_DNS, "x").hex, "0" * 32])
def test_update_with_an_id_of_another_uuid_version(api, auth, dataset_id):
    response = requests.put(f"{api}/datasets/{dataset_id}", json={"name": "x"}, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error("dataset_id", "Must be a UUID1 format", dataset_id))


def test_update_of_an_unknown_dataset_lacks_permission(api, auth, dataset):
    dataset_id = uuid.uuid1().hex
    response = requests.put(f"{api}/datasets/{dataset_id}", json={"name": "x"}, headers=auth, timeout=TIMEOUT)
    assert_error(response, 102, f"User '{dataset['tenant_id']}' lacks permission for dataset '{dataset_id}'")


def test_update_with_no_properties(api, auth, dataset):
    response = requests.put(f"{api}/datasets/{dataset['id']}", json={}, headers=auth, timeout=TIMEOUT)
    assert_error(response, 102, "No properties were modified")


@pytest.mark.parametrize(
    "key",
    [
        "id",
        "tenant_id",
        "created_by",
        "create_date",
        "create_time",
        "update_date",
        "update_time",
        "document_count",
        "chunk_count",
        "token_num",
        "status",
        "foo",
    ],
)
def test_update_rejects_read_only_and_unknown_fields(api, auth, dataset, key):
    response = requests.put(f"{api}/datasets/{dataset['id']}", json={key: "1"}, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error(key, "Extra inputs are not permitted", "1"))


@pytest.mark.parametrize(
    ("fields", "location", "message", "value"),
    [
        ({"pagerank": "1"}, "pagerank", "Input should be a valid integer", "1"),
        ({"pagerank": True}, "pagerank", "Input should be a valid integer", True),
        ({"pagerank": 101}, "pagerank", "Input should be less than or equal to 100", 101),
        ({"pagerank": -1}, "pagerank", "Input should be greater than or equal to 0", -1),
        ({"name": ""}, "name", "String should have at least 1 character", ""),
        ({"name": 5}, "name", "Input should be a valid string", 5),
        ({"permission": "ME"}, "permission", "Input should be 'me' or 'team'", "ME"),
        ({"chunk_method": "bad"}, "chunk_method", CHUNK_METHOD_MESSAGE, "bad"),
        ({"language": "x" * 33}, "language", "String should have at most 32 characters", "x" * 33),
        ({"avatar": "plain"}, "avatar", "Missing MIME prefix. Expected format: data:<mime>;base64,<data>", "plain"),
        (
            {"parser_config": {"chunk_token_num": 4096}},
            "parser_config.chunk_token_num",
            "Input should be less than or equal to 2048",
            4096,
        ),
        (
            {"parser_config": {"raptor": {"threshold": "0.5"}}},
            "parser_config.raptor.threshold",
            "Input should be a valid number",
            "0.5",
        ),
    ],
)
def test_update_validates_fields_like_create(api, auth, dataset, fields, location, message, value):
    response = requests.put(f"{api}/datasets/{dataset['id']}", json=fields, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error(location, message, value))


def test_update_to_an_existing_name_is_a_conflict(api, auth, dataset, unique_name):
    other = create(api, auth, f"{unique_name}-other")
    try:
        for name in (other["name"], other["name"].upper()):
            url = f"{api}/datasets/{dataset['id']}"
            response = requests.put(url, json={"name": name}, headers=auth, timeout=TIMEOUT)
            assert_error(response, 102, f"Dataset name '{name}' already exists")
    finally:
        delete(api, auth, other["id"])


def test_update_with_an_empty_embedding_model_keeps_the_current_one(api, auth, dataset):
    url = f"{api}/datasets/{dataset['id']}"
    data = ok(requests.put(url, json={"embedding_model": ""}, headers=auth, timeout=TIMEOUT))
    assert data["embedding_model"] == dataset["embedding_model"]


def test_update_with_an_empty_parser_config_keeps_the_config(api, auth, dataset):
    url = f"{api}/datasets/{dataset['id']}"
    data = ok(requests.put(url, json={"description": "d", "parser_config": {}}, headers=auth, timeout=TIMEOUT))
    assert data["description"] == "d"
    assert data["parser_config"] == dataset["parser_config"]


def test_turning_parent_child_off_resets_it(api, auth, dataset):
    url = f"{api}/datasets/{dataset['id']}"
    on = {"parser_config": {"parent_child": {"use_parent_child": True, "children_delimiter": "##"}}}
    data = ok(requests.put(url, json=on, headers=auth, timeout=TIMEOUT))
    assert data["parser_config"]["parent_child"] == {"use_parent_child": True, "children_delimiter": "##"}
    assert data["parser_config"]["children_delimiter"] == "##"

    off = {"parser_config": {"parent_child": {"use_parent_child": False}}}
    data = ok(requests.put(url, json=off, headers=auth, timeout=TIMEOUT))
    assert data["parser_config"]["parent_child"] == {}
    assert data["parser_config"]["children_delimiter"] == ""
    assert data["parser_config"]["enable_children"] is False


# --- delete --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["abc", "g" * 32, ""])
def test_delete_with_a_malformed_id(api, auth, dataset, bad_id):
    body = {"ids": [dataset["id"], bad_id]}
    response = requests.delete(f"{api}/datasets", json=body, headers=auth, timeout=TIMEOUT)
    payload = response.json()
    assert set(payload) == {"code", "message"}
    assert payload["code"] == 101
    assert payload["message"].startswith("Field: <ids")
    assert "Message: <Invalid UUID1 format>" in payload["message"]
    assert exists(api, auth, dataset["id"])


@pytest.mark.parametrize("other_version_id", [uuid.uuid4().hex, "0" * 32])
def test_delete_with_an_id_of_another_uuid_version(api, auth, other_version_id):
    body = {"ids": [other_version_id]}
    response = requests.delete(f"{api}/datasets", json=body, headers=auth, timeout=TIMEOUT)
    payload = response.json()
    assert payload["code"] == 101
    assert payload["message"].startswith("Field: <ids")
    assert "Message: <Must be a UUID1 format>" in payload["message"]


def test_delete_with_duplicate_ids(api, auth, dataset, unique_name):
    other = create(api, auth, f"{unique_name}-other")
    try:
        ids = [dataset["id"], other["id"], dataset["id"], other["id"]]
        response = requests.delete(f"{api}/datasets", json={"ids": ids}, headers=auth, timeout=TIMEOUT)
        assert_error(response, 101, field_error("ids", f"Duplicate ids: '{dataset['id']}, {other['id']}'", ids))
        assert exists(api, auth, dataset["id"])
        assert exists(api, auth, other["id"])
    finally:
        delete(api, auth, other["id"])


@pytest.mark.parametrize(
    ("body", "location", "message", "value"),
    [
        ({"ids": "abc"}, "ids", "Input should be a valid list", "abc"),
        ({"delete_all": "true"}, "delete_all", "Input should be a valid boolean", "true"),
        ({"delete_all": 1}, "delete_all", "Input should be a valid boolean", 1),
        ({"foo": 1}, "foo", "Extra inputs are not permitted", 1),
    ],
)
def test_delete_validates_its_body_strictly(api, auth, dataset, body, location, message, value):
    response = requests.delete(f"{api}/datasets", json=body, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error(location, message, value))
    assert exists(api, auth, dataset["id"])


def test_delete_of_an_unknown_id_deletes_nothing(api, auth, dataset):
    missing = uuid.uuid1().hex
    body = {"ids": [dataset["id"], missing]}
    response = requests.delete(f"{api}/datasets", json=body, headers=auth, timeout=TIMEOUT)
    assert_error(response, 102, f"User '{dataset['tenant_id']}' lacks permission for datasets: '{missing}'")
    assert exists(api, auth, dataset["id"])


def test_delete_ignores_delete_all_when_ids_are_given(api, auth, dataset, unique_name):
    other = create(api, auth, f"{unique_name}-other")
    body = {"ids": [other["id"]], "delete_all": True}
    response = requests.delete(f"{api}/datasets", json=body, headers=auth, timeout=TIMEOUT)
    assert response.json() == {"code": 0, "data": {"success_count": 1}}
    assert exists(api, auth, dataset["id"])
    assert not exists(api, auth, other["id"])


# --- list ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "location", "message", "value"),
    [
        ({"page_size": 101}, "page_size", "Value error, page_size must be less than or equal to 100", 101),
        ({"page_size": 0}, "page_size", "Input should be greater than or equal to 1", 0),
        ({"page": 0}, "page", "Input should be greater than or equal to 1", 0),
        ({"page": "a"}, "page", "Input should be a valid integer, unable to parse string as an integer", "a"),
        ({"orderby": "name"}, "orderby", "Input should be 'create_time' or 'update_time'", "name"),
        ({"desc": "maybe"}, "desc", "Input should be a valid boolean, unable to interpret input", "maybe"),
        ({"foo": "bar"}, "foo", "Extra inputs are not permitted", "bar"),
        ({"id": "abc"}, "id", "Invalid UUID1 format", "abc"),
        (
            {"id": "6b1b9a5ea1a34bd0a3a8cda8c7d5a1f2"},
            "id",
            "Must be a UUID1 format",
            "6b1b9a5ea1a34bd0a3a8cda8c7d5a1f2",
        ),
    ],
)
def test_list_query_is_validated(api, auth, params, location, message, value):
    response = requests.get(f"{api}/datasets", params=params, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error(location, message, value))


@pytest.mark.parametrize("desc", ["True", "false", "1", "0", "yes", "NO", "on", "off", "t", "F", "y", "n"])
def test_list_desc_accepts_pydantic_booleans(api, two_datasets_tenant, desc):
    headers, older, newer = two_datasets_tenant
    response = requests.get(f"{api}/datasets", params={"desc": desc}, headers=headers, timeout=TIMEOUT)
    ids = [item["id"] for item in ok(response, "total_datasets")]
    descending = desc.lower() in {"true", "1", "yes", "on", "t", "y"}
    assert ids == ([newer, older] if descending else [older, newer])


def test_list_counts_total_datasets_before_paging(api, fresh_auth, unique_name):
    created = []
    for index in range(3):
        created.append(create(api, fresh_auth, f"{unique_name}-{index}")["id"])
        time.sleep(0.005)
    params = {"page": 1, "page_size": 2, "orderby": "create_time", "desc": "true"}
    response = requests.get(f"{api}/datasets", params=params, headers=fresh_auth, timeout=TIMEOUT)
    first_page = ok(response, "total_datasets")
    assert response.json()["total_datasets"] == 3
    assert [item["id"] for item in first_page] == created[:0:-1]

    response = requests.get(f"{api}/datasets", params={**params, "page": 2}, headers=fresh_auth, timeout=TIMEOUT)
    assert [item["id"] for item in ok(response, "total_datasets")] == created[:1]
    assert response.json()["total_datasets"] == 3


def test_list_items_carry_owner_fields_and_no_parsing_status_by_default(api, auth, dataset):
    response = requests.get(f"{api}/datasets", params={"id": dataset["id"]}, headers=auth, timeout=TIMEOUT)
    [item] = ok(response, "total_datasets")
    assert response.json()["total_datasets"] == 1
    assert {"nickname", "tenant_avatar"} <= set(item)
    assert {key: item[key] for key in DATASET_KEYS} == dataset


def test_list_with_parsing_status_adds_the_five_counts(api, auth, dataset):
    params = {"id": dataset["id"], "include_parsing_status": "true"}
    response = requests.get(f"{api}/datasets", params=params, headers=auth, timeout=TIMEOUT)
    [item] = ok(response, "total_datasets")
    assert {key: item[key] for key in PARSING_COUNTS} == dict.fromkeys(PARSING_COUNTS, 0)


def test_list_by_name_is_case_insensitive_and_exact(api, auth, dataset):
    response = requests.get(f"{api}/datasets", params={"name": dataset["name"].upper()}, headers=auth, timeout=TIMEOUT)
    assert [item["id"] for item in ok(response, "total_datasets")] == [dataset["id"]]
    prefix = dataset["name"][:-3]
    response = requests.get(f"{api}/datasets", params={"name": prefix}, headers=auth, timeout=TIMEOUT)
    assert_error(response, 102, f"User '{dataset['tenant_id']}' lacks permission for dataset '{prefix}'")


def test_list_by_unknown_id_lacks_permission(api, auth, dataset):
    missing = uuid.uuid1().hex
    response = requests.get(f"{api}/datasets", params={"id": missing}, headers=auth, timeout=TIMEOUT)
    assert_error(response, 102, f"User '{dataset['tenant_id']}' lacks permission for dataset '{missing}'")


def test_list_accepts_what_the_sdk_sends(api, auth, dataset):
    params = {"page": 1, "page_size": 30, "orderby": "create_time", "desc": "True", "name": dataset["name"]}
    response = requests.get(f"{api}/datasets", params=params, headers=auth, timeout=TIMEOUT)
    assert [item["id"] for item in ok(response, "total_datasets")] == [dataset["id"]]


def test_list_by_repeated_ids(api, fresh_auth, unique_name):
    created = []
    for index in range(3):
        created.append(create(api, fresh_auth, f"{unique_name}-{index}")["id"])
        time.sleep(0.005)
    first, second, third = created
    params = {"ids": [third, first], "desc": "false"}
    response = requests.get(f"{api}/datasets", params=params, headers=fresh_auth, timeout=TIMEOUT)
    assert [item["id"] for item in ok(response, "total_datasets")] == [first, third]
    assert response.json()["total_datasets"] == 2

    params = {"ids": created, "page": 2, "page_size": 2, "desc": "false"}
    response = requests.get(f"{api}/datasets", params=params, headers=fresh_auth, timeout=TIMEOUT)
    assert [item["id"] for item in ok(response, "total_datasets")] == [third]
    assert response.json()["total_datasets"] == 3
    params = {"ids": [second], "name": f"{unique_name}-1", "ext": '{"keywords": "-1"}'}
    response = requests.get(f"{api}/datasets", params=params, headers=fresh_auth, timeout=TIMEOUT)
    assert [item["id"] for item in ok(response, "total_datasets")] == [second]


def test_list_by_ids_of_other_tenants_or_unknown_lacks_permission(api, auth, other_auth, dataset, unique_name):
    theirs = create(api, other_auth, unique_name)["id"]
    missing = uuid.uuid1().hex
    try:
        params = {"ids": [dataset["id"], theirs, missing]}
        response = requests.get(f"{api}/datasets", params=params, headers=auth, timeout=TIMEOUT)
        assert_error(
            response, 102, f"User '{dataset['tenant_id']}' lacks permission for datasets: '{theirs}, {missing}'"
        )
        # the owner still lists it by the same filter
        response = requests.get(f"{api}/datasets", params={"ids": [theirs]}, headers=other_auth, timeout=TIMEOUT)
        assert [item["id"] for item in ok(response, "total_datasets")] == [theirs]
    finally:
        delete(api, other_auth, theirs)


def test_list_ids_are_validated(api, auth, dataset):
    def refused(ids: list[str], message: str, **extra: str) -> None:
        response = requests.get(f"{api}/datasets", params={"ids": ids, **extra}, headers=auth, timeout=TIMEOUT)
        assert_error(response, 101, field_error("ids", message, ids))

    mine = dataset["id"]
    many = [uuid.uuid1().hex for _ in range(101)]
    refused(many, "List should have at most 100 items after validation, not 101")
    refused([mine, uuid.uuid1().hex, mine], f"Duplicate ids: '{mine}'")
    refused(["abc"], "Invalid UUID1 format")
    refused(["6b1b9a5ea1a34bd0a3a8cda8c7d5a1f2"], "Must be a UUID1 format")
    refused([mine], "Should not provide both 'id' and 'ids'", id=mine)
    # exactly 100 distinct ids pass validation (and then name the ones this tenant does not own)
    hundred = [mine, *many[:99]]
    response = requests.get(f"{api}/datasets", params={"ids": hundred}, headers=auth, timeout=TIMEOUT)
    assert response.json()["code"] == 102


# --- auto-metadata config (§13.1) ----------------------------------------------------------------------------


def test_metadata_config_round_trip_envelopes(api, auth, dataset):
    url = f"{api}/datasets/{dataset['id']}/metadata/config"
    assert ok(requests.get(url, headers=auth, timeout=TIMEOUT)) == {"metadata": [], "built_in_metadata": []}
    body = {"metadata": [{"key": "author", "type": "string"}]}
    expected = {
        "metadata": [{"key": "author", "type": "string", "description": None, "enum": None}],
        "built_in_metadata": [],
    }
    assert ok(requests.put(url, json=body, headers=auth, timeout=TIMEOUT)) == expected
    assert ok(requests.get(url, headers=auth, timeout=TIMEOUT)) == expected


@pytest.mark.parametrize(
    ("body", "location", "message", "value"),
    [
        (
            {"metadata": [{"key": "a", "type": "text"}]},
            "metadata.0.type",
            "Input should be 'string', 'list', 'time' or 'number'",
            "text",
        ),
        (
            {"metadata": [{"key": "", "type": "string"}]},
            "metadata.0.key",
            "String should have at least 1 character",
            "",
        ),
        ({"metadata": [{"type": "string"}]}, "metadata.0.key", "Field required", {"type": "string"}),
        (
            {"built_in_metadata": [{"key": "k", "type": "time", "x": 1}]},
            "built_in_metadata.0.x",
            "Extra inputs are not permitted",
            1,
        ),
        ({"fields": []}, "fields", "Extra inputs are not permitted", []),
    ],
)
def test_metadata_config_is_validated_strictly(api, auth, dataset, body, location, message, value):
    url = f"{api}/datasets/{dataset['id']}/metadata/config"
    response = requests.put(url, json=body, headers=auth, timeout=TIMEOUT)
    assert_error(response, 101, field_error(location, message, value))


def test_metadata_config_of_an_unknown_dataset_lacks_permission(api, auth, dataset):
    missing = uuid.uuid1().hex
    url = f"{api}/datasets/{missing}/metadata/config"
    message = f"User '{dataset['tenant_id']}' lacks permission for dataset '{missing}'"
    assert_error(requests.get(url, headers=auth, timeout=TIMEOUT), 102, message)
    assert_error(requests.put(url, json={"metadata": []}, headers=auth, timeout=TIMEOUT), 102, message)
