"""Two tenants on one server: tenant B can neither see nor change tenant A's documents (contract §4).

Tenant A is ``auth``/``rag``, tenant B is ``other_auth``/``other_rag``. Every refusal is checked for the
contract's exact answer, and A's data is checked to be unchanged afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from ragflow_sdk.modules.dataset import DataSet
from ragflow_sdk.modules.document import Document

from tests.e2e.stores import StoredFiles

TIMEOUT = 10
CONTENT = b"tenant A's confidential bytes"


@dataclass(frozen=True)
class Owned:
    """Tenant A's dataset with one document, as A sees it."""

    dataset_id: str
    document_id: str
    listing: dict[str, Any]
    files: StoredFiles  # the server's, where A's file is at listing["location"]

    def stored(self) -> bytes | None:
        """The bytes of A's file in the server's store; ``None`` once it is gone."""
        return self.files.read(self.listing["location"])


def create_dataset(api: str, auth: dict[str, str], name: str) -> str:
    body = requests.post(f"{api}/datasets", headers=auth, json={"name": name}, timeout=TIMEOUT).json()
    assert body["code"] == 0, body
    return str(body["data"]["id"])


def upload(api: str, auth: dict[str, str], dataset_id: str, name: str, data: bytes) -> str:
    url = f"{api}/datasets/{dataset_id}/documents"
    body = requests.post(url, headers=auth, files=[("file", (name, data))], timeout=TIMEOUT).json()
    assert body["code"] == 0, body
    return str(body["data"][0]["id"])


def documents(api: str, auth: dict[str, str], dataset_id: str) -> list[dict[str, Any]]:
    body = requests.get(f"{api}/datasets/{dataset_id}/documents", headers=auth, timeout=TIMEOUT).json()
    assert body["code"] == 0, body
    return list(body["data"]["docs"])


def document_count(api: str, auth: dict[str, str], dataset_id: str) -> int:
    body = requests.get(f"{api}/datasets", headers=auth, params={"id": dataset_id}, timeout=TIMEOUT).json()
    assert body["code"] == 0, body
    return int(body["data"][0]["document_count"])


@pytest.fixture
def owned(api, auth, unique_name, live_server) -> Owned:
    dataset_id = create_dataset(api, auth, unique_name)
    document_id = upload(api, auth, dataset_id, "secret.txt", CONTENT)
    url = f"{api}/datasets/{dataset_id}/documents/{document_id}"
    patched = requests.patch(url, headers=auth, json={"meta_fields": {"owner": "alice"}}, timeout=TIMEOUT).json()
    assert patched["code"] == 0, patched
    (listing,) = documents(api, auth, dataset_id)
    owned = Owned(dataset_id, document_id, listing, live_server.files())
    assert owned.stored() == CONTENT
    return owned


def assert_unchanged(api: str, auth: dict[str, str], owned: Owned) -> None:
    """Tenant A still sees the same document, with the same bytes, metadata and counters."""
    (now,) = documents(api, auth, owned.dataset_id)
    assert now == owned.listing
    assert document_count(api, auth, owned.dataset_id) == 1
    response = requests.get(
        f"{api}/datasets/{owned.dataset_id}/documents/{owned.document_id}", headers=auth, timeout=TIMEOUT
    )
    assert response.content == CONTENT
    assert owned.stored() == CONTENT


# ---- list -----------------------------------------------------------------------------------------


def test_other_tenant_cannot_list_documents(api, auth, other_auth, owned):
    body = requests.get(f"{api}/datasets/{owned.dataset_id}/documents", headers=other_auth, timeout=TIMEOUT).json()

    assert body == {"code": 102, "message": f"You don't own the dataset {owned.dataset_id}. ", "data": None}
    assert_unchanged(api, auth, owned)


def test_other_tenant_cannot_list_with_filters_or_aggregation(api, auth, other_auth, owned):
    url = f"{api}/datasets/{owned.dataset_id}/documents"
    expected = {"code": 102, "message": f"You don't own the dataset {owned.dataset_id}. ", "data": None}

    for params in ({"id": owned.document_id}, {"name": "secret.txt"}, {"type": "filter"}, {"keywords": "secret"}):
        assert requests.get(url, headers=other_auth, params=params, timeout=TIMEOUT).json() == expected, params


def test_other_tenant_cannot_find_the_document_through_its_own_dataset(api, other_auth, owned, unique_name):
    own_dataset = create_dataset(api, other_auth, unique_name + "-b")
    url = f"{api}/datasets/{own_dataset}/documents"

    by_id = requests.get(url, headers=other_auth, params={"id": owned.document_id}, timeout=TIMEOUT).json()
    by_ids = requests.get(url, headers=other_auth, params={"ids": owned.document_id}, timeout=TIMEOUT).json()

    assert by_id == {"code": 102, "message": f"You don't own the document {owned.document_id}.", "data": None}
    assert by_ids == by_id


def test_sdk_of_other_tenant_cannot_list_documents(other_rag, owned):
    dataset = DataSet(other_rag, {"id": owned.dataset_id})  # tenant B knows the id of A's dataset

    expected = f"You don't own the dataset {owned.dataset_id}. "
    with pytest.raises(Exception, match=f"^{re.escape(expected)}$"):
        dataset.list_documents()


# ---- download -------------------------------------------------------------------------------------


def test_other_tenant_cannot_download_through_the_dataset_route(api, auth, other_auth, owned):
    response = requests.get(
        f"{api}/datasets/{owned.dataset_id}/documents/{owned.document_id}", headers=other_auth, timeout=TIMEOUT
    )

    assert CONTENT not in response.content
    assert response.json() == {"code": 102, "message": f"You do not own the dataset {owned.dataset_id}."}
    assert_unchanged(api, auth, owned)


def test_other_tenant_cannot_download_through_its_own_dataset(api, other_auth, owned, unique_name):
    own_dataset = create_dataset(api, other_auth, unique_name + "-b")

    response = requests.get(
        f"{api}/datasets/{own_dataset}/documents/{owned.document_id}", headers=other_auth, timeout=TIMEOUT
    )

    assert CONTENT not in response.content
    assert response.json() == {"code": 102, "message": f"The dataset not own the document {owned.document_id}."}


def test_other_tenant_cannot_download_through_the_document_route(api, auth, other_auth, owned):
    response = requests.get(f"{api}/documents/{owned.document_id}", headers=other_auth, timeout=TIMEOUT)

    assert CONTENT not in response.content
    body = response.json()
    assert set(body) == {"code", "message"}
    assert body["code"] == 102
    preview = requests.get(f"{api}/documents/{owned.document_id}/preview", headers=other_auth, timeout=TIMEOUT)
    assert CONTENT not in preview.content
    assert preview.json() == {"code": 102, "message": "Document not found!"}
    assert_unchanged(api, auth, owned)


def test_document_route_answers_like_a_missing_document(api, auth, other_auth, owned):
    foreign = requests.get(f"{api}/documents/{owned.document_id}", headers=other_auth, timeout=TIMEOUT).json()
    assert foreign == {"code": 102, "message": f"The dataset not own the document {owned.document_id}."}


def test_sdk_of_other_tenant_cannot_download_or_update(api, auth, other_rag, owned):
    document = Document(other_rag, {"id": owned.document_id, "dataset_id": owned.dataset_id})

    expected = f"You do not own the dataset {owned.dataset_id}."
    with pytest.raises(Exception, match=f"^{re.escape(expected)}$"):
        document.download()
    with pytest.raises(Exception, match="^You don't own the dataset\\.$"):
        document.update({"name": "stolen.txt"})
    assert_unchanged(api, auth, owned)


# ---- update ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["patch", "put"])
def test_other_tenant_cannot_update(api, auth, other_auth, owned, method):
    url = f"{api}/datasets/{owned.dataset_id}/documents/{owned.document_id}"
    changes = {"name": "stolen.txt", "meta_fields": {"owner": "mallory"}, "enabled": 0, "chunk_method": "qa"}

    body = requests.request(method, url, headers=other_auth, json=changes, timeout=TIMEOUT).json()

    assert body == {"code": 102, "message": "You don't own the dataset."}
    assert_unchanged(api, auth, owned)


def test_other_tenant_cannot_update_through_its_own_dataset(api, auth, other_auth, owned, unique_name):
    own_dataset = create_dataset(api, other_auth, unique_name + "-b")
    url = f"{api}/datasets/{own_dataset}/documents/{owned.document_id}"

    body = requests.patch(url, headers=other_auth, json={"name": "stolen.txt"}, timeout=TIMEOUT).json()

    assert body == {"code": 102, "message": "The dataset doesn't own the document."}
    assert_unchanged(api, auth, owned)


def test_other_tenant_bad_update_is_refused_for_ownership_first(api, auth, other_auth, owned):
    url = f"{api}/datasets/{owned.dataset_id}/documents/{owned.document_id}"

    body = requests.patch(url, headers=other_auth, json={"enabled": True}, timeout=TIMEOUT).json()

    assert body == {"code": 102, "message": "You don't own the dataset."}


# ---- delete ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [{"ids": None, "delete_all": True}, {"delete_all": False}], ids=["all", "ids"])
def test_other_tenant_cannot_delete(api, auth, other_auth, owned, body):
    if "ids" not in body:
        body = {"ids": [owned.document_id], **body}

    answer = requests.delete(
        f"{api}/datasets/{owned.dataset_id}/documents", headers=other_auth, json=body, timeout=TIMEOUT
    ).json()

    assert answer == {"code": 102, "message": f"You don't own the dataset {owned.dataset_id}. "}
    assert_unchanged(api, auth, owned)


def test_other_tenant_cannot_delete_through_its_own_dataset(api, auth, other_auth, owned, unique_name):
    own_dataset = create_dataset(api, other_auth, unique_name + "-b")

    answer = requests.delete(
        f"{api}/datasets/{own_dataset}/documents", headers=other_auth, json={"ids": [owned.document_id]}, timeout=10
    ).json()

    assert answer == {
        "code": 102,
        "message": f"These documents do not belong to dataset {own_dataset} or Document not found: {owned.document_id}",
    }
    assert_unchanged(api, auth, owned)


def test_other_tenant_cannot_delete_the_dataset(api, auth, other_auth, owned, unique_name):
    own_dataset = create_dataset(api, other_auth, unique_name + "-b")
    tenant_b = requests.get(f"{api}/datasets", headers=other_auth, params={"id": own_dataset}, timeout=TIMEOUT).json()
    tenant_b_id = tenant_b["data"][0]["tenant_id"]

    answer = requests.delete(
        f"{api}/datasets", headers=other_auth, json={"ids": [owned.dataset_id]}, timeout=TIMEOUT
    ).json()

    assert answer == {
        "code": 102,
        "message": f"User '{tenant_b_id}' lacks permission for datasets: '{owned.dataset_id}'",
    }
    assert_unchanged(api, auth, owned)


def test_delete_all_of_other_tenant_leaves_this_tenant_alone(api, auth, other_auth, owned, unique_name):
    own_dataset = create_dataset(api, other_auth, unique_name + "-b")
    upload(api, other_auth, own_dataset, "mine.txt", b"b")

    answer = requests.delete(
        f"{api}/datasets/{own_dataset}/documents", headers=other_auth, json={"delete_all": True}, timeout=TIMEOUT
    ).json()

    assert answer == {"code": 0, "data": {"deleted": 1}}
    assert_unchanged(api, auth, owned)


# ---- upload ---------------------------------------------------------------------------------------


def test_other_tenant_cannot_upload(api, auth, other_auth, owned):
    url = f"{api}/datasets/{owned.dataset_id}/documents"

    local = requests.post(url, headers=other_auth, files=[("file", ("secret.txt", b"evil"))], timeout=TIMEOUT)
    empty = requests.post(f"{url}?type=empty", headers=other_auth, json={"name": "evil.txt"}, timeout=TIMEOUT)

    assert local.json() == {"code": 109, "message": "No authorization."}
    assert empty.json() == {"code": 109, "message": "No authorization."}
    assert_unchanged(api, auth, owned)


# ---- files of deleted datasets --------------------------------------------------------------------


def test_deleting_a_dataset_removes_its_files(api, auth, owned):
    upload(api, auth, owned.dataset_id, "another.pdf", b"%PDF-1.4 second")
    locations = [doc["location"] for doc in documents(api, auth, owned.dataset_id)]
    assert len(locations) == 2
    assert all(owned.files.read(location) is not None for location in locations)

    answer = requests.delete(f"{api}/datasets", headers=auth, json={"ids": [owned.dataset_id]}, timeout=TIMEOUT).json()

    assert answer["code"] == 0, answer
    assert [location for location in locations if owned.files.read(location) is not None] == []
    stray = [location for location in owned.files.locations() if owned.dataset_id in location]
    assert stray == []


def test_deleting_a_dataset_keeps_other_datasets_files(api, auth, other_auth, owned, unique_name):
    other_dataset = create_dataset(api, other_auth, unique_name + "-b")
    upload(api, other_auth, other_dataset, "theirs.txt", b"tenant B's bytes")
    (theirs,) = documents(api, other_auth, other_dataset)

    answer = requests.delete(f"{api}/datasets", headers=auth, json={"ids": [owned.dataset_id]}, timeout=TIMEOUT).json()

    assert answer["code"] == 0, answer
    assert owned.stored() is None
    assert owned.files.read(theirs["location"]) == b"tenant B's bytes"
    response = requests.get(f"{api}/documents/{theirs['id']}", headers=other_auth, timeout=TIMEOUT)
    assert response.content == b"tenant B's bytes"
