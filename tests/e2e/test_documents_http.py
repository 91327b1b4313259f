"""Documents over raw HTTP: list envelope and filters, update errors, download headers and errors, delete errors
(contract §2.2, §4.2–§4.5, §7.2)."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime
from typing import Any

import pytest
import requests

TIMEOUT = 10
HEX32 = re.compile(r"^[0-9a-f]{32}$")
RFC1123 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")
LIST_ITEM_FIELDS = {
    "id",
    "name",
    "type",
    "suffix",
    "size",
    "dataset_id",
    "chunk_method",
    "pipeline_id",
    "pipeline_name",
    "parser_config",
    "source_type",
    "created_by",
    "nickname",
    "location",
    "thumbnail",
    "token_count",
    "chunk_count",
    "progress",
    "progress_msg",
    "process_begin_at",
    "process_duration",
    "run",
    "status",
    "meta_fields",
    "create_time",
    "create_date",
    "update_time",
    "update_date",
}


# ---- helpers --------------------------------------------------------------------------------------


def create_dataset(api: str, auth: dict[str, str], name: str, **fields: Any) -> str:
    body = requests.post(f"{api}/datasets", headers=auth, json={"name": name, **fields}, timeout=TIMEOUT).json()
    assert body["code"] == 0, body
    return str(body["data"]["id"])


def upload(api: str, auth: dict[str, str], dataset_id: str, *files: tuple[str, bytes]) -> list[dict[str, Any]]:
    parts = [("file", (name, data)) for name, data in files]
    body = requests.post(f"{api}/datasets/{dataset_id}/documents", headers=auth, files=parts, timeout=TIMEOUT).json()
    assert body["code"] == 0, body
    return list(body["data"])


def patch(api: str, auth: dict[str, str], dataset_id: str, document_id: str, body: Any) -> dict[str, Any]:
    url = f"{api}/datasets/{dataset_id}/documents/{document_id}"
    return dict(requests.patch(url, headers=auth, json=body, timeout=TIMEOUT).json())


def list_raw(api: str, auth: dict[str, str], dataset_id: str, params: Any = None) -> dict[str, Any]:
    url = f"{api}/datasets/{dataset_id}/documents"
    return dict(requests.get(url, headers=auth, params=params, timeout=TIMEOUT).json())


def listed(api: str, auth: dict[str, str], dataset_id: str, params: Any = None) -> tuple[int, list[str]]:
    """``(data.total, sorted names)`` of a successful list call."""
    body = list_raw(api, auth, dataset_id, params)
    assert body["code"] == 0, body
    return body["data"]["total"], sorted(doc["name"] for doc in body["data"]["docs"])


def delete_docs(api: str, auth: dict[str, str], dataset_id: str, body: Any) -> dict[str, Any]:
    url = f"{api}/datasets/{dataset_id}/documents"
    return dict(requests.delete(url, headers=auth, json=body, timeout=TIMEOUT).json())


def error(code: int, message: str) -> dict[str, Any]:
    """An R/D error body: exactly ``code`` and ``message``."""
    return {"code": code, "message": message}


def j_error(code: int, message: str) -> dict[str, Any]:
    """A J error body: ``code``, ``message`` and ``data: null``."""
    return {"code": code, "message": message, "data": None}


@pytest.fixture
def dataset(api, auth, unique_name) -> str:
    return create_dataset(api, auth, unique_name)


@pytest.fixture
def library(api, auth, dataset) -> tuple[str, dict[str, dict[str, Any]]]:
    """A dataset of four documents, three of them with metadata; returns its id and the upload items by name."""
    items = upload(
        api,
        auth,
        dataset,
        ("alice.txt", b"a"),
        ("bob.pdf", b"%PDF-1.4"),
        ("blank.png", b"\x89PNG"),
        ("plain.md", b"# plain"),
    )
    by_name = {item["name"]: item for item in items}
    metas = {
        "alice.txt": {"author": "Alice Smith", "year": 2021, "tags": ["x", "y"]},
        "bob.pdf": {"author": "bob", "year": "2019"},
        "blank.png": {"author": ""},
    }
    for name, meta in metas.items():
        assert patch(api, auth, dataset, by_name[name]["id"], {"meta_fields": meta})["code"] == 0
    return dataset, by_name


def metadata_condition(api: str, auth: dict[str, str], dataset_id: str, condition: Any) -> tuple[int, list[str]]:
    return listed(api, auth, dataset_id, {"metadata_condition": json.dumps(condition)})


# ---- list: envelope and item shape ----------------------------------------------------------------


def test_list_is_a_j_envelope_with_total_and_docs(api, auth, dataset):
    upload(api, auth, dataset, ("a.txt", b"a"), ("b.txt", b"b"))

    body = list_raw(api, auth, dataset)

    assert set(body) == {"code", "message", "data"}
    assert body["code"] == 0
    assert body["message"] == "success"
    assert body["data"]["total"] == 2
    assert len(body["data"]["docs"]) == 2


def test_list_item_has_every_field_with_the_right_types(api, auth, dataset):
    before_ms = int(time.time() * 1000)
    (uploaded,) = upload(api, auth, dataset, ("notes.txt", b"twelve bytes"))
    after_ms = int(time.time() * 1000)

    (item,) = list_raw(api, auth, dataset)["data"]["docs"]

    assert not LIST_ITEM_FIELDS - set(item), f"missing fields: {sorted(LIST_ITEM_FIELDS - set(item))}"
    assert item["id"] == uploaded["id"]
    assert HEX32.match(item["id"])
    assert item["name"] == "notes.txt"
    assert item["type"] == "doc"
    assert item["suffix"] == "txt"
    assert item["size"] == 12
    assert item["dataset_id"] == dataset
    assert item["chunk_method"] == "naive"
    assert item["pipeline_id"] is None
    assert isinstance(item["parser_config"], dict)
    assert item["parser_config"]["chunk_token_num"] == 512
    assert item["source_type"] == "local"
    assert HEX32.match(item["created_by"])
    assert isinstance(item["nickname"], str)
    assert isinstance(item["location"], str)
    assert isinstance(item["thumbnail"], str)
    assert item["token_count"] == 0
    assert item["chunk_count"] == 0
    assert type(item["token_count"]) is int
    assert type(item["chunk_count"]) is int
    assert item["progress"] == 0
    assert isinstance(item["progress"], int | float)
    assert isinstance(item["progress_msg"], str)
    assert item["process_begin_at"] is None
    assert isinstance(item["process_duration"], int | float)
    assert item["run"] == "UNSTART"
    assert item["status"] == "1"
    assert item["meta_fields"] == {}
    for moment in ("create_time", "update_time"):
        assert type(item[moment]) is int
        assert before_ms - 5_000 <= item[moment] <= after_ms + 5_000  # epoch milliseconds
    for day in ("create_date", "update_date"):
        assert RFC1123.match(item[day]), item[day]
        datetime.strptime(item[day], "%a, %d %b %Y %H:%M:%S GMT")


def test_upload_answer_is_an_r_envelope_of_the_inserted_row(api, auth, dataset):
    response = requests.post(
        f"{api}/datasets/{dataset}/documents", headers=auth, files=[("file", ("a.txt", b"abc"))], timeout=TIMEOUT
    ).json()

    assert set(response) == {"code", "data"}
    (item,) = response["data"]
    assert set(item) >= {
        "id",
        "dataset_id",
        "chunk_method",
        "pipeline_id",
        "parser_config",
        "created_by",
        "type",
        "name",
        "source_type",
        "suffix",
        "location",
        "size",
        "thumbnail",
        "content_hash",
        "run",
    }
    assert item["run"] == "UNSTART"
    assert item["size"] == 3
    assert item["dataset_id"] == dataset


def test_list_of_a_dataset_that_does_not_exist(api, auth):
    missing = uuid.uuid1().hex
    assert list_raw(api, auth, missing) == j_error(102, f"You don't own the dataset {missing}. ")


# ---- list: paging ---------------------------------------------------------------------------------


def test_page_size_over_100_is_refused(api, auth, dataset):
    assert list_raw(api, auth, dataset, {"page_size": 101}) == j_error(
        100, "ValueError('page_size must be less than or equal to 100')"
    )
    assert list_raw(api, auth, dataset, {"page_size": 100})["code"] == 0


def test_non_integer_page_is_refused(api, auth, dataset):
    assert list_raw(api, auth, dataset, {"page": "a"}) == j_error(
        100, "ValueError(\"invalid literal for int() with base 10: 'a'\")"
    )


def test_total_counts_all_matches_not_just_the_page(api, auth, dataset):
    upload(api, auth, dataset, *[(f"doc{i}.txt", b"x") for i in range(5)])

    assert listed(api, auth, dataset, {"page": 2, "page_size": 2, "orderby": "name", "desc": "false"}) == (
        5,
        ["doc2.txt", "doc3.txt"],
    )


# ---- list: filters --------------------------------------------------------------------------------


def test_filter_by_suffix(api, auth, library):
    dataset, _ = library
    assert listed(api, auth, dataset, {"suffix": "pdf"}) == (1, ["bob.pdf"])
    assert listed(api, auth, dataset, {"suffix": ["pdf", "md"]}) == (2, ["bob.pdf", "plain.md"])
    assert listed(api, auth, dataset, {"suffix": "docx"}) == (0, [])


def test_filter_by_types(api, auth, library):
    dataset, _ = library
    assert listed(api, auth, dataset, {"types": "visual"}) == (1, ["blank.png"])
    assert listed(api, auth, dataset, {"types": ["doc", "pdf"]}) == (3, ["alice.txt", "bob.pdf", "plain.md"])
    assert listed(api, auth, dataset, {"types": "aural"}) == (0, [])


def test_filter_by_unknown_types_is_refused(api, auth, library):
    dataset, _ = library
    assert list_raw(api, auth, dataset, {"types": "bogus"}) == j_error(102, "Invalid filter conditions: bogus type")
    assert list_raw(api, auth, dataset, {"types": ["doc", "bogus", "nope"]}) == j_error(
        102, "Invalid filter conditions: bogus, nope types"
    )


def test_filter_by_run_digits_and_words(api, auth, library):
    dataset, _ = library
    everything = (4, ["alice.txt", "blank.png", "bob.pdf", "plain.md"])
    assert listed(api, auth, dataset, {"run": "0"}) == everything
    assert listed(api, auth, dataset, {"run": "UNSTART"}) == everything
    assert listed(api, auth, dataset, {"run": "unstart"}) == everything
    assert listed(api, auth, dataset, {"run[]": "UNSTART"}) == everything
    assert listed(api, auth, dataset, {"run_status": "0"}) == everything
    assert listed(api, auth, dataset, {"run": ["DONE", "0"]}) == everything
    assert listed(api, auth, dataset, {"run": "DONE"}) == (0, [])
    assert listed(api, auth, dataset, {"run": ["3", "4", "RUNNING"]}) == (0, [])


def test_filter_by_unknown_run_is_refused(api, auth, library):
    dataset, _ = library
    assert list_raw(api, auth, dataset, {"run": "bad"}) == j_error(102, "Invalid filter run status conditions: bad")
    assert list_raw(api, auth, dataset, {"run": ["DONE", "bad", "9"]}) == j_error(
        102, "Invalid filter run status conditions: bad, 9"
    )


def test_filter_by_ids(api, auth, library):
    dataset, by_name = library
    wanted = [by_name["alice.txt"]["id"], by_name["plain.md"]["id"]]
    assert listed(api, auth, dataset, {"ids": wanted}) == (2, ["alice.txt", "plain.md"])


def test_filter_by_ids_outside_the_dataset_is_refused(api, auth, other_auth, library, unique_name):
    dataset, by_name = library
    mine = by_name["alice.txt"]["id"]
    (elsewhere,) = upload(api, auth, create_dataset(api, auth, unique_name), ("x.txt", b"x"))
    (theirs,) = upload(api, other_auth, create_dataset(api, other_auth, unique_name), ("y.txt", b"y"))
    missing = uuid.uuid1().hex

    body = list_raw(api, auth, dataset, {"ids": [mine, elsewhere["id"], theirs["id"], missing]})

    assert body == j_error(102, f"You don't own the document {elsewhere['id']}, {theirs['id']}, {missing}.")


def test_filter_by_ids_is_validated(api, auth, library):
    dataset, by_name = library
    mine = by_name["alice.txt"]["id"]
    many = [uuid.uuid1().hex for _ in range(101)]

    def field_error(message: str, ids: list[str]) -> dict[str, Any]:
        value = str(ids) if len(str(ids)) <= 128 else str(ids)[:125] + "..."
        return j_error(101, f"Field: <ids> - Message: <{message}> - Value: <{value}>")

    assert list_raw(api, auth, dataset, {"ids": many}) == field_error(
        "List should have at most 100 items after validation, not 101", many
    )
    assert list_raw(api, auth, dataset, {"ids": [mine, mine]}) == field_error(f"Duplicate ids: '{mine}'", [mine, mine])
    assert list_raw(api, auth, dataset, {"ids[]": [mine, mine]}) == field_error(
        f"Duplicate ids: '{mine}'", [mine, mine]
    )
    assert listed(api, auth, dataset, {"ids": [mine, ""]}) == (1, ["alice.txt"])  # empty values are ignored


def test_id_and_ids_together_are_refused(api, auth, library):
    dataset, by_name = library
    one, other = by_name["alice.txt"]["id"], by_name["bob.pdf"]["id"]

    body = list_raw(api, auth, dataset, {"id": one, "ids": [other]})

    assert body == j_error(102, f"Should not provide both 'id':{one} and 'ids'{[other]}")


def test_filter_by_unknown_id_or_name_is_refused(api, auth, library):
    dataset, _ = library
    missing = uuid.uuid1().hex
    assert list_raw(api, auth, dataset, {"id": missing}) == j_error(102, f"You don't own the document {missing}.")
    assert list_raw(api, auth, dataset, {"name": "nope.txt"}) == j_error(102, "You don't own the document nope.txt.")


def test_metadata_condition_operators(api, auth, library):
    dataset, _ = library

    def one(name: str, operator: str, value: Any) -> tuple[int, list[str]]:
        condition = {"conditions": [{"name": name, "comparison_operator": operator, "value": value}]}
        return metadata_condition(api, auth, dataset, condition)

    assert one("author", "contains", "alice") == (1, ["alice.txt"])
    assert one("author", "=", "BOB") == (1, ["bob.pdf"])
    assert one("author", "is", "bob") == (1, ["bob.pdf"])
    assert one("year", ">", "2020") == (1, ["alice.txt"])
    assert one("year", "<", "2020") == (1, ["bob.pdf"])
    assert one("year", "≥", "2019") == (2, ["alice.txt", "bob.pdf"])
    assert one("author", "in", ["bob", "carol"]) == (1, ["bob.pdf"])
    assert one("tags", "contains", "y") == (1, ["alice.txt"])
    assert one("author", "start with", "ali") == (1, ["alice.txt"])
    assert one("author", "not empty", "") == (2, ["alice.txt", "bob.pdf"])


def test_metadata_condition_empty_matches_an_empty_value(api, auth, library):
    dataset, _ = library
    condition = {"conditions": [{"name": "author", "comparison_operator": "empty", "value": ""}]}

    _total, names = metadata_condition(api, auth, dataset, condition)

    assert "blank.png" in names
    assert "alice.txt" not in names
    assert "bob.pdf" not in names


def test_metadata_condition_empty_skips_documents_without_the_key(api, auth, library):
    dataset, _ = library
    condition = {"conditions": [{"name": "author", "comparison_operator": "empty", "value": ""}]}

    assert metadata_condition(api, auth, dataset, condition) == (1, ["blank.png"])


def test_metadata_condition_logic_and_or(api, auth, library):
    dataset, _ = library
    conditions = [
        {"name": "author", "comparison_operator": "=", "value": "bob"},
        {"name": "year", "comparison_operator": ">", "value": "2020"},
    ]

    assert metadata_condition(api, auth, dataset, {"logic": "or", "conditions": conditions}) == (
        2,
        ["alice.txt", "bob.pdf"],
    )
    assert metadata_condition(api, auth, dataset, {"logic": "and", "conditions": conditions}) == (0, [])
    assert metadata_condition(api, auth, dataset, {"conditions": conditions}) == (0, [])


def test_metadata_condition_matching_nothing_is_an_empty_page(api, auth, library):
    dataset, _ = library
    condition = {"conditions": [{"name": "author", "comparison_operator": "=", "value": "nobody"}]}

    body = list_raw(api, auth, dataset, {"metadata_condition": json.dumps(condition)})

    assert body["code"] == 0
    assert body["data"] == {"total": 0, "docs": []}


def test_metadata_condition_must_be_a_json_object(api, auth, library):
    dataset, _ = library
    assert list_raw(api, auth, dataset, {"metadata_condition": "{bad"}) == j_error(
        102, "metadata_condition must be valid JSON: {bad."
    )
    assert list_raw(api, auth, dataset, {"metadata_condition": "[1, 2]"}) == j_error(
        102, "metadata_condition must be an object."
    )


def test_metadata_filter(api, auth, library):
    dataset, _ = library
    assert listed(api, auth, dataset, {"metadata": json.dumps({"author": "bob"})}) == (1, ["bob.pdf"])
    assert listed(api, auth, dataset, {"metadata": json.dumps({"author": ["bob", "Alice Smith"]})}) == (
        2,
        ["alice.txt", "bob.pdf"],
    )
    assert listed(api, auth, dataset, {"metadata": json.dumps({"author": "bob", "year": 2021})}) == (0, [])
    assert listed(api, auth, dataset, {"metadata": json.dumps({"year": 2021})}) == (1, ["alice.txt"])
    assert listed(api, auth, dataset, {"metadata": json.dumps({"empty_metadata": True})}) == (1, ["plain.md"])


def test_metadata_filter_must_be_a_json_object(api, auth, library):
    dataset, _ = library
    assert list_raw(api, auth, dataset, {"metadata": "{bad"}) == j_error(102, "metadata must be valid JSON.")
    assert list_raw(api, auth, dataset, {"metadata": '"text"'}) == j_error(102, "metadata must be an object.")


def test_return_empty_metadata(api, auth, library):
    dataset, _ = library

    body = list_raw(api, auth, dataset, {"return_empty_metadata": "true"})

    assert body["code"] == 0
    assert [doc["name"] for doc in body["data"]["docs"]] == ["plain.md"]
    assert body["data"]["docs"][0]["meta_fields"] == {}
    assert body["data"]["total"] == 1


def test_type_filter_aggregates_suffix_run_and_metadata(api, auth, library):
    dataset, _ = library

    body = list_raw(api, auth, dataset, {"type": "filter"})

    assert body["code"] == 0
    assert body["message"] == "success"
    assert body["data"]["total"] == 4
    assert body["data"]["filter"] == {
        "suffix": {"txt": 1, "pdf": 1, "png": 1, "md": 1},
        "run_status": {"0": 4},
        "metadata": {
            "author": {"Alice Smith": 1, "bob": 1, "": 1},
            "year": {"2021": 1, "2019": 1},
            "tags": {"x": 1, "y": 1},
        },
    }


def test_type_filter_respects_the_other_filters(api, auth, library):
    dataset, _ = library

    body = list_raw(api, auth, dataset, {"type": "filter", "suffix": ["pdf", "txt"]})

    assert body["data"]["total"] == 2
    assert body["data"]["filter"]["suffix"] == {"pdf": 1, "txt": 1}


# ---- update -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"enabled": True}, "Field: <enabled> - Message: <Input should be a valid integer> - Value: <True>"),
        ({"enabled": "1"}, "Field: <enabled> - Message: <Input should be a valid integer> - Value: <1>"),
        ({"progress": 2.0}, "Field: <progress> - Message: <Input should be less than or equal to 1> - Value: <2.0>"),
        ({"name": 0}, "Field: <name> - Message: <Input should be a valid string> - Value: <0>"),
        ({"meta_fields": []}, "Field: <meta_fields> - Message: <Input should be a valid dictionary> - Value: <[]>"),
        (
            {"meta_fields": {"obj": {"x": 1}}},
            "Field: <meta_fields> - Message: <The type is not supported: {'x': 1}> - Value: <{'obj': {'x': 1}}>",
        ),
        (
            {"meta_fields": {"tags": [{"x": 1}]}},
            "Field: <meta_fields> - Message: <The type is not supported in list: [{'x': 1}]> - "
            "Value: <{'tags': [{'x': 1}]}>",
        ),
        (
            {"chunk_method": "other_chunk_method"},
            "Field: <chunk_method> - Message: <`chunk_method` other_chunk_method doesn't exist> - "
            "Value: <other_chunk_method>",
        ),
    ],
    ids=["enabled-bool", "enabled-str", "progress", "name-int", "meta-list", "meta-nested", "meta-list-dict", "method"],
)
def test_update_schema_errors_are_102_in_the_field_format(api, auth, dataset, body, message):
    (document,) = upload(api, auth, dataset, ("a.txt", b"a"))

    assert patch(api, auth, dataset, document["id"], body) == error(102, message)
    (item,) = list_raw(api, auth, dataset)["data"]["docs"]
    assert (item["status"], item["meta_fields"], item["chunk_method"]) == ("1", {}, "naive")


def test_update_empty_chunk_method_is_refused(api, auth, dataset):
    (document,) = upload(api, auth, dataset, ("a.txt", b"a"))
    assert patch(api, auth, dataset, document["id"], {"chunk_method": ""}) == error(
        102, "`chunk_method` (empty string) is not valid"
    )


def test_update_chunk_method_of_images_and_slides_is_not_supported(api, auth, dataset):
    image, slides = upload(api, auth, dataset, ("photo.png", b"\x89PNG"), ("deck.pptx", b"PK"))
    assert patch(api, auth, dataset, image["id"], {"chunk_method": "naive"}) == error(102, "Not supported yet!")
    assert patch(api, auth, dataset, slides["id"], {"chunk_method": "naive"}) == error(102, "Not supported yet!")


@pytest.mark.parametrize(("field", "value"), [("chunk_count", 3), ("token_count", 5), ("progress", 0.5)])
def test_update_of_immutable_counters_is_refused(api, auth, dataset, field, value):
    (document,) = upload(api, auth, dataset, ("a.txt", b"a"))
    assert patch(api, auth, dataset, document["id"], {field: value}) == error(102, f"Can't change `{field}`.")


def test_update_with_unchanged_counters_and_unknown_keys_succeeds(api, auth, dataset):
    (document,) = upload(api, auth, dataset, ("a.txt", b"a"))

    body = patch(api, auth, dataset, document["id"], {"chunk_count": 0, "token_count": 0, "whatever": 1})

    assert body["code"] == 0
    assert "message" not in body
    assert body["data"]["id"] == document["id"]
    assert body["data"]["run"] == "UNSTART"


def test_update_answer_is_the_updated_document(api, auth, dataset):
    (document,) = upload(api, auth, dataset, ("a.txt", b"a"))

    body = patch(api, auth, dataset, document["id"], {"name": "b.txt", "enabled": 0})

    assert set(body) == {"code", "data"}
    data = body["data"]
    assert (data["id"], data["name"], data["status"], data["dataset_id"]) == (document["id"], "b.txt", "0", dataset)
    assert data["content_hash"] == document["content_hash"]
    (item,) = list_raw(api, auth, dataset)["data"]["docs"]
    assert (item["name"], item["status"]) == ("b.txt", "0")


def test_update_rename_errors(api, auth, dataset):
    first, _second = upload(api, auth, dataset, ("one.txt", b"1"), ("two.txt", b"2"))
    doc = first["id"]

    assert patch(api, auth, dataset, doc, {"name": "one.pdf"}) == error(101, "The extension of file can't be changed")
    assert patch(api, auth, dataset, doc, {"name": "two.txt"}) == error(
        102, "Duplicated document name in the same dataset."
    )
    assert patch(api, auth, dataset, doc, {"name": "é" * 126 + ".txt"}) == error(
        101, "File name must be 255 bytes or less."
    )
    assert listed(api, auth, dataset) == (2, ["one.txt", "two.txt"])


def test_put_is_an_alias_of_patch(api, auth, dataset):
    (document,) = upload(api, auth, dataset, ("a.txt", b"a"))
    url = f"{api}/datasets/{dataset}/documents/{document['id']}"

    body = requests.put(url, headers=auth, json={"name": "renamed.txt", "meta_fields": {"k": "v"}}, timeout=10).json()

    assert body["code"] == 0
    assert body["data"]["name"] == "renamed.txt"
    (item,) = list_raw(api, auth, dataset)["data"]["docs"]
    assert (item["name"], item["meta_fields"]) == ("renamed.txt", {"k": "v"})
    assert requests.put(url, headers=auth, json={"enabled": True}, timeout=TIMEOUT).json() == error(
        102, "Field: <enabled> - Message: <Input should be a valid integer> - Value: <True>"
    )


def test_update_of_a_document_not_in_the_dataset(api, auth, dataset, unique_name):
    other = create_dataset(api, auth, unique_name + "-other")
    (document,) = upload(api, auth, other, ("a.txt", b"a"))

    assert patch(api, auth, dataset, document["id"], {"name": "b.txt"}) == error(
        102, "The dataset doesn't own the document."
    )
    assert patch(api, auth, dataset, uuid.uuid1().hex, {"name": "b.txt"}) == error(
        102, "The dataset doesn't own the document."
    )
    assert listed(api, auth, other) == (1, ["a.txt"])


# ---- download -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("notes.txt", b"plain text\n", "text/plain"),
        ("paper.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        ("photo.png", b"\x89PNG\r\n\x1a\n", "image/png"),
        ("data.json", b'{"a": 1}', "application/json"),
    ],
)
def test_download_headers_and_bytes(api, auth, dataset, name, data, content_type):
    (document,) = upload(api, auth, dataset, (name, data))

    response = requests.get(f"{api}/datasets/{dataset}/documents/{document['id']}", headers=auth, timeout=TIMEOUT)

    assert response.status_code == 200
    assert response.content == data
    assert response.headers["Content-Type"].split(";")[0].strip() == content_type
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="{name}"')


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("page.html", b"<html><body>hi</body></html>"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("envelope.json", b'{"code": 102, "message": "a file, not an error"}'),
        ("feed.xml", b"<feed/>"),
        ("résumé Ω.txt", "naïve".encode()),
    ],
    ids=["html", "svg", "error-shaped-json", "xml", "non-ascii-name"],
)
def test_every_download_is_an_attachment(api, auth, dataset, name, data):
    """ragflow-sdk 0.27 hands back as the file any answer whose ``Content-Disposition`` starts with ``attachment``
    (and otherwise raises on a JSON body with a non-zero ``code``), so both download routes always send it."""
    (document,) = upload(api, auth, dataset, (name, data))

    for url in (f"{api}/datasets/{dataset}/documents/{document['id']}", f"{api}/documents/{document['id']}"):
        response = requests.get(url, headers=auth, timeout=TIMEOUT)
        assert response.status_code == 200
        assert response.content == data
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")


def test_download_by_document_id_route(api, auth, dataset):
    (document,) = upload(api, auth, dataset, ("a.txt", b"by id"))

    response = requests.get(f"{api}/documents/{document['id']}", headers=auth, timeout=TIMEOUT)

    assert response.status_code == 200
    assert response.content == b"by id"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="a.txt"')


def test_download_by_document_id_route_of_a_missing_document(api, auth):
    missing = uuid.uuid1().hex

    body = requests.get(f"{api}/documents/{missing}", headers=auth, timeout=TIMEOUT).json()

    assert body == error(102, f"The dataset not own the document {missing}.")


def test_download_of_a_renamed_document_uses_the_new_name(api, auth, dataset):
    (document,) = upload(api, auth, dataset, ("old.txt", b"x"))
    patch(api, auth, dataset, document["id"], {"name": "new.txt"})

    response = requests.get(f"{api}/datasets/{dataset}/documents/{document['id']}", headers=auth, timeout=TIMEOUT)

    assert response.headers["Content-Disposition"].startswith('attachment; filename="new.txt"')


def test_download_errors_have_exactly_code_and_message(api, auth, dataset, unique_name):
    (empty,) = upload(api, auth, dataset, ("empty.txt", b""))
    other = create_dataset(api, auth, unique_name + "-other")
    (elsewhere,) = upload(api, auth, other, ("a.txt", b"a"))
    missing_dataset, missing_doc = uuid.uuid1().hex, uuid.uuid1().hex

    def get(path: str) -> dict[str, Any]:
        response = requests.get(f"{api}{path}", headers=auth, timeout=TIMEOUT)
        assert response.status_code == 200
        return dict(response.json())

    assert get(f"/datasets/{missing_dataset}/documents/{elsewhere['id']}") == error(
        102, f"You do not own the dataset {missing_dataset}."
    )
    assert get(f"/datasets/{dataset}/documents/{missing_doc}") == error(
        102, f"The dataset not own the document {missing_doc}."
    )
    assert get(f"/datasets/{dataset}/documents/{elsewhere['id']}") == error(
        102, f"The dataset not own the document {elsewhere['id']}."
    )
    assert get(f"/datasets/{dataset}/documents/{empty['id']}") == error(102, "This file is empty.")
    assert get(f"/documents/{empty['id']}") == error(102, "This file is empty.")


def test_download_of_an_empty_virtual_document(api, auth, dataset):
    url = f"{api}/datasets/{dataset}/documents"
    created = requests.post(f"{url}?type=empty", headers=auth, json={"name": "blank.txt"}, timeout=TIMEOUT).json()

    body = requests.get(f"{url}/{created['data']['id']}", headers=auth, timeout=TIMEOUT).json()

    assert body == error(102, "This file is empty.")


# ---- delete ---------------------------------------------------------------------------------------


def test_delete_documents_answer(api, auth, dataset, live_server):
    first, _second = upload(api, auth, dataset, ("a.txt", b"a"), ("b.txt", b"b"))
    listed_items = list_raw(api, auth, dataset)["data"]["docs"]
    files = live_server.files()
    locations = {item["name"]: item["location"] for item in listed_items}
    assert files.read(locations["a.txt"]) == b"a"

    assert delete_docs(api, auth, dataset, {"ids": [first["id"]]}) == {"code": 0, "data": {"deleted": 1}}

    assert listed(api, auth, dataset) == (1, ["b.txt"])
    assert files.read(locations["a.txt"]) is None
    assert files.read(locations["b.txt"]) == b"b"


@pytest.mark.parametrize(
    ("body", "template"),
    [
        ({"ids": ["placeholder"], "delete_all": True}, "should not provide both doc ids and delete_all(true), "),
        ({}, "should either provide doc ids or set delete_all(true), "),
        ({"ids": None, "delete_all": False}, "should either provide doc ids or set delete_all(true), "),
        ({"ids": []}, "should either provide doc ids or set delete_all(true), "),
    ],
    ids=["both", "neither", "null-ids", "empty-ids"],
)
def test_delete_needs_exactly_one_of_ids_and_delete_all(api, auth, dataset, body, template):
    (document,) = upload(api, auth, dataset, ("a.txt", b"a"))
    if body.get("ids"):
        body = {**body, "ids": [document["id"]]}

    assert delete_docs(api, auth, dataset, body) == error(102, f"{template}dataset: {dataset}. ")
    assert listed(api, auth, dataset) == (1, ["a.txt"])


def test_delete_with_ids_not_in_the_dataset_deletes_nothing(api, auth, dataset, unique_name):
    mine, _also_mine = upload(api, auth, dataset, ("a.txt", b"a"), ("b.txt", b"b"))
    other = create_dataset(api, auth, unique_name + "-other")
    (elsewhere,) = upload(api, auth, other, ("c.txt", b"c"))
    missing = uuid.uuid1().hex

    body = delete_docs(api, auth, dataset, {"ids": [mine["id"], elsewhere["id"], missing]})

    assert body == error(
        102, f"These documents do not belong to dataset {dataset} or Document not found: {elsewhere['id']}, {missing}"
    )
    assert listed(api, auth, dataset) == (2, ["a.txt", "b.txt"])
    assert listed(api, auth, other) == (1, ["c.txt"])


def test_delete_with_duplicate_ids_is_refused(api, auth, dataset):
    (document,) = upload(api, auth, dataset, ("a.txt", b"a"))
    ids = [document["id"], document["id"]]

    assert delete_docs(api, auth, dataset, {"ids": ids}) == error(
        101, f"Field: <ids> - Message: <Duplicate ids: '{document['id']}'> - Value: <{ids}>"
    )
    assert listed(api, auth, dataset) == (1, ["a.txt"])


def test_delete_all_answers_the_count(api, auth, dataset):
    upload(api, auth, dataset, ("a.txt", b"a"), ("b.txt", b"b"), ("c.txt", b"c"))

    assert delete_docs(api, auth, dataset, {"delete_all": True}) == {"code": 0, "data": {"deleted": 3}}
    assert listed(api, auth, dataset) == (0, [])


def test_delete_is_a_strict_json_route(api, auth, dataset):
    (document,) = upload(api, auth, dataset, ("a.txt", b"a"))
    url = f"{api}/datasets/{dataset}/documents"

    assert delete_docs(api, auth, dataset, {"ids": [document["id"]], "extra": 1}) == error(
        101, "Field: <extra> - Message: <Extra inputs are not permitted> - Value: <1>"
    )
    not_json = requests.delete(url, headers=auth, data="ids", timeout=TIMEOUT).json()
    assert not_json["code"] == 101
    assert not_json["message"].startswith("Unsupported content type: Expected application/json, got ")
    assert listed(api, auth, dataset) == (1, ["a.txt"])


def test_delete_in_a_dataset_that_does_not_exist(api, auth):
    missing = uuid.uuid1().hex
    assert delete_docs(api, auth, missing, {"delete_all": True}) == error(102, f"You don't own the dataset {missing}. ")
