"""Chunks over raw HTTP: envelopes, shapes, filters and every error string of contract §6 (with §2.3)."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
import requests
import xxhash

TIMEOUT = 30
MISSING_CHUNK = "0123456789abcdef"
PNG_BASE64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGM8ISfHwMDAxMDAwMDAAAANBAEIfXHKZgAAAABJRU5ErkJggg=="
)
CHUNK_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
RUNTIME_KEY = re.compile(r"_vec$|_sm_|_tks|_ltks")
LIST_ITEM_KEYS = {
    "id",
    "content",
    "document_id",
    "docnm_kwd",
    "important_keywords",
    "tag_kwd",
    "questions",
    "dataset_id",
    "image_id",
    "available",
    "positions",
}
ADD_KEYS = {
    "id",
    "content",
    "document_id",
    "important_keywords",
    "questions",
    "dataset_id",
    "create_timestamp",
    "create_time",
}
RAW_KEYS = {
    "id",
    "doc_id",
    "kb_id",
    "docnm_kwd",
    "content_with_weight",
    "important_kwd",
    "question_kwd",
    "tag_kwd",
    "img_id",
    "available_int",
    "position_int",
    "create_time",
    "create_timestamp_flt",
}


# ---- helpers --------------------------------------------------------------------------------------


def error(code: int, message: str) -> dict[str, Any]:
    """An R error body: exactly ``code`` and ``message``."""
    return {"code": code, "message": message}


def exception(body: dict[str, Any]) -> tuple[int, str]:
    """``(code, message)`` of a code-100 answer (whether ``data: null`` accompanies it is left open by §1.3/§1.5)."""
    return body["code"], body["message"]


def chunk_id_of(content: str, document_id: str) -> str:
    return xxhash.xxh64((content + document_id).encode("utf-8")).hexdigest()


class Doc:
    """One uploaded document of a fresh dataset, with thin wrappers over the chunk routes."""

    def __init__(self, api: str, auth: dict[str, str], name: str, **dataset_fields: Any) -> None:
        self.api, self.auth = api, auth
        created = requests.post(
            f"{api}/datasets", headers=auth, json={"name": name, **dataset_fields}, timeout=TIMEOUT
        ).json()
        assert created["code"] == 0, created
        self.dataset_id: str = created["data"]["id"]
        files = [("file", ("notes.txt", b"some notes"))]
        uploaded = requests.post(
            f"{api}/datasets/{self.dataset_id}/documents", headers=auth, files=files, timeout=TIMEOUT
        ).json()
        assert uploaded["code"] == 0, uploaded
        self.id: str = uploaded["data"][0]["id"]
        self.url = f"{api}/datasets/{self.dataset_id}/documents/{self.id}/chunks"

    def call(self, method: str, suffix: str = "", headers: dict[str, str] | None = None, **kw: Any) -> dict[str, Any]:
        response = requests.request(method, self.url + suffix, headers=headers or self.auth, timeout=TIMEOUT, **kw)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def add(self, content: str, **fields: Any) -> dict[str, Any]:
        body = self.call("POST", json={"content": content, **fields})
        assert body["code"] == 0, body
        return dict(body["data"]["chunk"])

    def listing(self, **params: Any) -> dict[str, Any]:
        body = self.call("GET", params=params)
        assert body["code"] == 0, body
        return dict(body["data"])

    def ids(self, **params: Any) -> list[str]:
        return [chunk["id"] for chunk in self.listing(**params)["chunks"]]

    def sibling_url(self) -> str:
        """The chunks URL of a second document uploaded now into the same dataset."""
        files = [("file", ("sibling.txt", b"sibling"))]
        url = f"{self.api}/datasets/{self.dataset_id}/documents"
        uploaded = requests.post(url, headers=self.auth, files=files, timeout=TIMEOUT).json()
        assert uploaded["code"] == 0, uploaded
        return f"{url}/{uploaded['data'][0]['id']}/chunks"

    def one(self, chunk_id: str) -> dict[str, Any]:
        (chunk,) = self.listing(id=chunk_id)["chunks"]
        return dict(chunk)


@pytest.fixture
def doc(api, auth, unique_name) -> Doc:
    return Doc(api, auth, unique_name)


# ---- envelopes and shapes ---------------------------------------------------------------------------


def test_success_envelopes_have_no_message(doc):
    added = doc.call("POST", json={"content": "envelope check"})
    assert set(added) == {"code", "data"}
    assert added["code"] == 0
    assert set(added["data"]) == {"chunk"}
    chunk_id = added["data"]["chunk"]["id"]

    listed = doc.call("GET")
    assert set(listed) == {"code", "data"}
    assert listed["code"] == 0
    got = doc.call("GET", f"/{chunk_id}")
    assert set(got) == {"code", "data"}
    assert got["code"] == 0

    assert doc.call("PATCH", f"/{chunk_id}", json={"important_keywords": ["k"]}) == {"code": 0}
    assert doc.call("PATCH", json={"chunk_ids": [chunk_id], "available_int": 0}) == {"code": 0, "data": True}
    assert doc.call("DELETE", json={"chunk_ids": [chunk_id]}) == {"code": 0}


def test_routing_rules_apply_to_chunk_routes(doc):
    chunk_id = doc.add("Routing rules.")["id"]

    assert doc.call("GET", "/")["data"]["total"] == 1  # trailing slash tolerated
    assert doc.call("GET", f"/{chunk_id}/")["data"]["id"] == chunk_id

    wrong_method = doc.call("PUT", json={})
    assert wrong_method["code"] == 100
    assert wrong_method["message"] == "<MethodNotAllowed '405: Method Not Allowed'>"

    for headers in ({}, {"Authorization": "Bearer not-a-key"}):
        response = requests.get(doc.url, headers=headers, timeout=TIMEOUT)
        assert response.status_code == 401
        assert response.json() == {"code": 401, "message": "<Unauthorized '401: Unauthorized'>", "data": None}


def test_add_answer_shape(doc):
    content = "The add answer carries only the keys that are present."
    chunk = doc.add(content, important_keywords=["add", "shape"], questions=["What does add return?", "  "])

    assert set(chunk) == ADD_KEYS
    assert chunk["id"] == chunk_id_of(content, doc.id)
    assert chunk["content"] == content
    assert chunk["document_id"] == doc.id
    assert chunk["dataset_id"] == doc.dataset_id
    assert chunk["important_keywords"] == ["add", "shape"]
    assert chunk["questions"] == ["What does add return?"]  # blank questions are dropped
    assert isinstance(chunk["create_timestamp"], float)
    assert CHUNK_TIME.match(chunk["create_time"])

    tagged = doc.add("A chunk that was sent tags.", tag_kwd=["red", "blue"])
    assert set(tagged) == ADD_KEYS | {"tag_kwd"}
    assert tagged["tag_kwd"] == ["red", "blue"]

    pictured = doc.add("A chunk with a picture.", image_base64=PNG_BASE64)
    assert set(pictured) == ADD_KEYS | {"image_id"}
    assert pictured["image_id"] == f"{doc.dataset_id}-{pictured['id']}"


def test_list_answer_shape_and_doc_object(doc):
    added = doc.add("Listing shows the chunk.", important_keywords=["kw"], tag_kwd=["t"], questions=["q?"])
    data = doc.listing()

    assert set(data) == {"total", "chunks", "doc"}
    assert data["total"] == 1
    (item,) = data["chunks"]
    assert set(item) == LIST_ITEM_KEYS  # no tag_feas without ?id=
    assert item == {
        "id": added["id"],
        "content": "Listing shows the chunk.",
        "document_id": doc.id,
        "docnm_kwd": "notes.txt",
        "important_keywords": ["kw"],
        "tag_kwd": ["t"],
        "questions": ["q?"],
        "dataset_id": doc.dataset_id,
        "image_id": "",
        "available": True,
        "positions": [],
    }

    document = data["doc"]
    assert document["id"] == doc.id
    assert document["dataset_id"] == doc.dataset_id
    assert document["name"] == "notes.txt"
    assert document["chunk_count"] == 1
    assert document["token_count"] > 0
    assert document["run"] == "UNSTART"
    assert "kb_id" not in document
    assert "chunk_num" not in document
    assert "parser_id" not in document


def test_list_by_id_adds_tag_feas(doc):
    chunk = doc.add("A chunk with tag features.", tag_feas={"finance": 0.5})
    doc.add("Another chunk.")

    data = doc.listing(id=chunk["id"])
    assert data["total"] == 1
    (item,) = data["chunks"]
    assert set(item) == LIST_ITEM_KEYS | {"tag_feas"}
    assert item["id"] == chunk["id"]
    assert item["tag_feas"] == {"finance": 0.5}


def test_list_unknown_or_foreign_id(api, auth, doc):
    chunk = doc.add("Belongs to the first document.")
    other = doc.call("GET", params={"id": MISSING_CHUNK})
    assert other == error(102, f"Chunk not found: {doc.dataset_id}/{MISSING_CHUNK}")

    url = doc.sibling_url()
    foreign = requests.get(url, headers=auth, params={"id": chunk["id"]}, timeout=TIMEOUT).json()
    assert foreign == error(102, f"Chunk not found: {doc.dataset_id}/{chunk['id']}")


def test_list_pages_and_page_size_limit(doc):
    added = {doc.add(f"Paged chunk number {n}.")["id"] for n in range(5)}

    pages = [doc.listing(page=page, page_size=2) for page in (1, 2, 3, 4)]
    assert [page["total"] for page in pages] == [5, 5, 5, 5]
    ids = [[chunk["id"] for chunk in page["chunks"]] for page in pages]
    assert [len(page) for page in ids] == [2, 2, 1, 0]
    assert set(ids[0] + ids[1] + ids[2]) == added
    assert len(ids[0] + ids[1] + ids[2]) == 5

    assert sorted(doc.ids(page_size=100)) == sorted(added)
    too_big = doc.call("GET", params={"page_size": 101})
    assert exception(too_big) == (100, "ValueError('page_size must be less than or equal to 100')")


def test_list_empty_strings_are_absent(doc):
    """The SDK always sends ``keywords=""`` and ``id=""``."""
    chunk = doc.add("Empty parameters mean no filter.")
    data = doc.listing(page=1, page_size=30, keywords="", id="")
    assert data["total"] == 1
    assert [c["id"] for c in data["chunks"]] == [chunk["id"]]


def test_list_keywords_highlight(doc):
    fox = doc.add("The quick brown fox jumps over the lazy dog.")
    doc.add("Completely unrelated sentence about gardening.")

    data = doc.listing(keywords="fox")
    assert data["total"] == 1
    (item,) = data["chunks"]
    assert item["id"] == fox["id"]
    assert "<em>fox</em>" in item["content"]
    nothing = doc.listing(keywords="zeppelin")
    assert (nothing["total"], nothing["chunks"]) == (0, [])


def test_list_available_filter(doc):
    on = doc.add("This chunk stays switched on.")["id"]
    off = doc.add("This chunk gets switched off.")["id"]
    assert doc.call("PATCH", json={"chunk_ids": [off], "available_int": 0}) == {"code": 0, "data": True}

    assert doc.ids(available="true") == [on]
    assert doc.ids(available="false") == [off]
    assert doc.ids(available="0") == [off]  # any value but `true` means unavailable
    assert sorted(doc.ids()) == sorted([on, off])
    assert doc.one(off)["available"] is False


def test_list_of_never_parsed_document_is_empty(doc):
    data = doc.listing()
    assert data["total"] == 0
    assert data["chunks"] == []
    assert data["doc"]["id"] == doc.id


# ---- get one ----------------------------------------------------------------------------------------


def test_get_one_is_the_raw_stored_chunk(doc):
    chunk = doc.add("Raw view of a stored chunk.", important_keywords=["raw"], questions=["Is it raw?"])

    body = doc.call("GET", f"/{chunk['id']}")
    assert set(body) == {"code", "data"}
    assert body["code"] == 0
    raw = body["data"]
    assert set(raw) >= RAW_KEYS
    assert not [key for key in raw if RUNTIME_KEY.search(key)]
    assert raw["id"] == chunk["id"]
    assert raw["doc_id"] == doc.id
    assert raw["kb_id"] == doc.dataset_id
    assert raw["docnm_kwd"] == "notes.txt"
    assert raw["content_with_weight"] == "Raw view of a stored chunk."
    assert raw["important_kwd"] == ["raw"]
    assert raw["question_kwd"] == ["Is it raw?"]
    assert raw["available_int"] == 1
    assert "content" not in raw
    assert "document_id" not in raw
    assert "available" not in raw


def test_get_one_missing_or_other_document(api, auth, doc):
    chunk = doc.add("Only in the first document.")
    assert doc.call("GET", f"/{MISSING_CHUNK}") == error(102, "Chunk not found!")

    url = f"{doc.sibling_url()}/{chunk['id']}"
    assert requests.get(url, headers=auth, timeout=TIMEOUT).json() == error(102, "Chunk not found!")


# ---- add --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{}, {"content": None}, {"content": ""}, {"content": "  \n\t "}],
    ids=["missing", "null", "empty", "whitespace"],
)
def test_add_requires_content(doc, body):
    assert doc.call("POST", json={**body, "important_keywords": "not a list"}) == error(102, "`content` is required")


def test_add_list_type_errors_in_order(doc):
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"important_keywords": "a", "questions": "b", "tag_kwd": "c"},
            "`important_keywords` is required to be a list",
        ),
        ({"questions": "b", "tag_kwd": "c", "image_base64": ""}, "`questions` is required to be a list"),
        ({"tag_kwd": "c", "image_base64": ""}, "`tag_kwd` is required to be a list"),
        ({"tag_kwd": ["ok", 3], "image_base64": ""}, "`tag_kwd` must be a list of strings"),
    ]
    for fields, message in cases:
        assert doc.call("POST", json={"content": "x", **fields}) == error(102, message), fields
    assert doc.listing()["total"] == 0


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("important_keywords", [1], "TypeError('sequence item 0: expected str instance, int found')"),
        ("questions", ["fine", 2.5], "TypeError('sequence item 1: expected str instance, float found')"),
    ],
)
def test_add_non_string_list_items_are_exceptions(doc, key, value, message):
    assert exception(doc.call("POST", json={"content": "x", key: value})) == (100, message)
    assert doc.listing()["total"] == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "`image_base64` must be a non-empty string"),
        (12, "`image_base64` must be a non-empty string"),
        ("not base64 at all!", "Invalid `image_base64`"),
        ("data:image/png;base64,", "`image_base64` is empty"),
    ],
    ids=["empty", "number", "garbage", "empty-payload"],
)
def test_add_bad_image(doc, value, message):
    assert doc.call("POST", json={"content": "x", "image_base64": value}) == error(102, message)
    assert doc.listing()["total"] == 0


def test_unknown_document_on_every_chunk_route(api, auth, doc):
    chunk_id = doc.add("Lives in a real document.")["id"]
    missing = "f" * 32
    url = f"{api}/datasets/{doc.dataset_id}/documents/{missing}/chunks"
    refused = error(102, f"You don't own the document {missing}.")
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "", {}),
        ("GET", f"/{chunk_id}", {}),
        ("POST", "", {"json": {"content": "x"}}),
        ("PATCH", f"/{chunk_id}", {"json": {"content": "x"}}),
        ("PUT", f"/{chunk_id}", {"json": {"content": "x"}}),
        ("DELETE", "", {"json": {"chunk_ids": [chunk_id]}}),
        ("PATCH", "", {"json": {"chunk_ids": [chunk_id], "available_int": 0}}),
    ]
    for method, suffix, kwargs in calls:
        answer = requests.request(method, url + suffix, headers=auth, timeout=TIMEOUT, **kwargs).json()
        assert answer == refused, (method, suffix)
    item = doc.one(chunk_id)
    assert item["content"] == "Lives in a real document."
    assert item["available"] is True


# ---- update -----------------------------------------------------------------------------------------


def test_update_changes_what_is_listed(doc):
    chunk_id = doc.add("Original text about turtles.")["id"]

    body = {
        "content": "Rewritten text about penguins.",
        "important_keywords": ["bird"],
        "questions": ["Which animal?"],
        "tag_kwd": ["zoo"],
        "positions": [[1, 10, 200, 30, 60]],
        "available": False,
    }
    assert doc.call("PATCH", f"/{chunk_id}", json=body) == {"code": 0}

    item = doc.one(chunk_id)
    assert item["content"] == "Rewritten text about penguins."
    assert item["important_keywords"] == ["bird"]
    assert item["questions"] == ["Which animal?"]
    assert item["tag_kwd"] == ["zoo"]
    assert item["positions"] == [[1, 10, 200, 30, 60]]
    assert item["available"] is False
    assert doc.ids(keywords="penguins") == [chunk_id]
    assert doc.ids(keywords="turtles") == []
    assert doc.listing()["doc"]["chunk_count"] == 1


def test_update_available_accepts_bool_or_int(doc):
    chunk_id = doc.add("Switch me.")["id"]
    assert doc.call("PATCH", f"/{chunk_id}", json={"available": 0}) == {"code": 0}
    assert doc.one(chunk_id)["available"] is False
    assert doc.call("PATCH", f"/{chunk_id}", json={"available": True}) == {"code": 0}
    assert doc.one(chunk_id)["available"] is True

    answer = doc.call("PATCH", f"/{chunk_id}", json={"available": "True"})
    assert exception(answer) == (100, "ValueError(\"invalid literal for int() with base 10: 'True'\")")
    assert doc.one(chunk_id)["available"] is True


def test_update_put_alias(doc):
    chunk_id = doc.add("Put alias before.")["id"]
    assert doc.call("PUT", f"/{chunk_id}", json={"content": "Put alias after.", "important_keywords": ["p"]}) == {
        "code": 0
    }
    item = doc.one(chunk_id)
    assert item["content"] == "Put alias after."
    assert item["important_keywords"] == ["p"]


def test_update_unknown_chunk(api, auth, doc):
    assert doc.call("PATCH", f"/{MISSING_CHUNK}", json={"content": "x"}) == error(
        102, f"Can't find this chunk {MISSING_CHUNK}"
    )
    chunk_id = doc.add("Lives in the first document.")["id"]
    url = f"{doc.sibling_url()}/{chunk_id}"
    answer = requests.patch(url, headers=auth, json={"content": "hijack"}, timeout=TIMEOUT).json()
    assert answer == error(102, f"Can't find this chunk {chunk_id}")
    assert doc.one(chunk_id)["content"] == "Lives in the first document."


def test_update_validation_errors(doc):
    chunk_id = doc.add("Validation target.")["id"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"content": ""}, "`content` is required"),
        ({"content": "   "}, "`content` is required"),
        ({"important_keywords": "k"}, "`important_keywords` should be a list"),
        ({"questions": "q"}, "`questions` should be a list"),
        ({"positions": "p"}, "`positions` should be a list"),
        ({"tag_kwd": "t"}, "`tag_kwd` should be a list"),
        ({"tag_kwd": ["t", 1]}, "`tag_kwd` must be a list of strings"),
    ]
    for body, message in cases:
        assert doc.call("PATCH", f"/{chunk_id}", json=body) == error(102, message), body

    typed = doc.call("PATCH", f"/{chunk_id}", json={"important_keywords": [7]})
    assert exception(typed) == (100, "TypeError('sequence item 0: expected str instance, int found')")

    item = doc.one(chunk_id)
    assert item["content"] == "Validation target."
    assert item["important_keywords"] == []
    assert item["tag_kwd"] == []
    assert item["positions"] == []


def test_qa_chunk_update_needs_a_separator(api, auth, unique_name):
    doc = Doc(api, auth, unique_name, chunk_method="qa")
    chunk_id = doc.add("What is ragloom?\tA RAGFlow-compatible server.")["id"]

    for content in ("What is ragloom? A server.", "ab\tc"):
        assert doc.call("PATCH", f"/{chunk_id}", json={"content": content}) == error(
            102, "Q&A must be separated by TAB/ENTER key."
        )
    assert doc.one(chunk_id)["content"] == "What is ragloom?\tA RAGFlow-compatible server."

    assert doc.call("PATCH", f"/{chunk_id}", json={"content": "Who wrote it?\nA small team."}) == {"code": 0}
    content = doc.one(chunk_id)["content"]
    assert "Who wrote it?" in content
    assert "A small team." in content


# ---- delete -----------------------------------------------------------------------------------------


def test_delete_no_op_bodies(doc):
    doc.add("Survives every no-op delete.")
    for kwargs in (
        {},
        {"json": {}},
        {"json": {"chunk_ids": None, "delete_all": False}},
        {"json": {"chunk_ids": []}},
    ):
        assert doc.call("DELETE", **kwargs) == {"code": 0}, kwargs
    assert doc.listing()["total"] == 1


def test_delete_by_ids_and_delete_all(doc):
    a, b, c = (doc.add(f"Chunk {name} to delete.")["id"] for name in "abc")

    assert doc.call("DELETE", json={"chunk_ids": [a]}) == {"code": 0}
    assert sorted(doc.ids()) == sorted([b, c])
    assert doc.listing()["doc"]["chunk_count"] == 2

    assert doc.call("DELETE", json={"chunk_ids": None, "delete_all": True}) == {"code": 0}
    data = doc.listing()
    assert data["total"] == 0
    assert data["doc"]["chunk_count"] == 0
    assert data["doc"]["token_count"] == 0


def test_delete_unknown_ids_still_deletes_the_known(doc):
    keep = doc.add("Not mentioned, kept.")["id"]
    gone = doc.add("Mentioned, deleted.")["id"]

    answer = doc.call("DELETE", json={"chunk_ids": [gone, MISSING_CHUNK, "ffffffffffffffff"]})
    assert answer == error(102, "rm_chunk deleted chunks 1, expect 3")
    assert doc.ids() == [keep]
    assert doc.listing()["doc"]["chunk_count"] == 1


def test_delete_duplicate_ids(doc):
    a = doc.add("Duplicate target one.")["id"]
    b = doc.add("Duplicate target two.")["id"]
    keep = doc.add("Untouched.")["id"]

    answer = doc.call("DELETE", json={"chunk_ids": [a, b, a]})
    assert answer == {"code": 0, "data": {"success_count": 2, "errors": [f"Duplicate chunk ids: {a}"]}}
    assert doc.ids() == [keep]


def test_delete_does_not_touch_other_documents(api, auth, doc):
    chunk_id = doc.add("Only deletable through its own document.")["id"]
    url = doc.sibling_url()
    answer = requests.delete(url, headers=auth, json={"chunk_ids": [chunk_id]}, timeout=TIMEOUT).json()
    assert answer == error(102, "rm_chunk deleted chunks 0, expect 1")
    assert doc.ids() == [chunk_id]


# ---- bulk availability --------------------------------------------------------------------------------


def test_bulk_availability(doc):
    a = doc.add("Bulk one.")["id"]
    b = doc.add("Bulk two.")["id"]
    c = doc.add("Bulk three.")["id"]

    assert doc.call("PATCH", json={"chunk_ids": [a, b], "available_int": 0}) == {"code": 0, "data": True}
    assert doc.ids(available="true") == [c]
    assert sorted(doc.ids(available="false")) == sorted([a, b])

    assert doc.call("PATCH", json={"chunk_ids": [a], "available": True}) == {"code": 0, "data": True}
    assert sorted(doc.ids(available="true")) == sorted([a, c])

    assert doc.call("PATCH", json={"chunk_ids": [c], "available": False}) == {"code": 0, "data": True}
    assert doc.call("PATCH", json={"chunk_ids": [b], "available_int": 1}) == {"code": 0, "data": True}
    assert sorted(doc.ids(available="true")) == sorted([a, b])
    assert doc.ids(available="false") == [c]


def test_bulk_availability_errors(doc):
    chunk_id = doc.add("Bulk error target.")["id"]
    for body in ({}, {"available_int": 0}, {"chunk_ids": [], "available": False}):
        assert doc.call("PATCH", json=body) == error(102, "`chunk_ids` is required."), body
    assert doc.call("PATCH", json={"chunk_ids": [chunk_id]}) == error(
        102, "`available_int` or `available` is required."
    )
    assert doc.one(chunk_id)["available"] is True


# ---- tenant isolation ---------------------------------------------------------------------------------


def test_other_tenant_is_refused_on_every_chunk_route(api, doc, other_auth):
    chunk = doc.add("Private chunk of the first tenant.", important_keywords=["secret"], image_base64=PNG_BASE64)
    refused = error(102, f"You don't own the dataset {doc.dataset_id}.")
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "", {}),
        ("GET", "", {"params": {"id": chunk["id"]}}),
        ("GET", f"/{chunk['id']}", {}),
        ("POST", "", {"json": {"content": "Injected by another tenant."}}),
        ("PATCH", f"/{chunk['id']}", {"json": {"content": "Overwritten by another tenant."}}),
        ("PUT", f"/{chunk['id']}", {"json": {"available": False}}),
        ("DELETE", "", {"json": {"chunk_ids": [chunk["id"]]}}),
        ("DELETE", "", {"json": {"delete_all": True}}),
        ("PATCH", "", {"json": {"chunk_ids": [chunk["id"]], "available_int": 0}}),
    ]
    for method, suffix, kwargs in calls:
        assert doc.call(method, suffix, headers=other_auth, **kwargs) == refused, (method, suffix, kwargs)

    image = requests.get(f"{api}/documents/images/{chunk['image_id']}", headers=other_auth, timeout=TIMEOUT)
    assert image.content != base64.b64decode(PNG_BASE64)
    assert image.json()["code"] != 0

    data = doc.listing()
    assert data["total"] == 1
    (item,) = data["chunks"]
    assert item["content"] == "Private chunk of the first tenant."
    assert item["available"] is True
    assert item["important_keywords"] == ["secret"]
    assert data["doc"]["chunk_count"] == 1
