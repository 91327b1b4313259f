"""Document list routes through raw HTTP: ordering and the creation-time window, as RAGFlow's
``test_list_documents.py`` expects them (the window in milliseconds, applied before paging)."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.clock import now_ms
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.tenants import Caller


@pytest.fixture
def dataset_id(services: Services, caller: Caller) -> str:
    return services.datasets.create(caller, NewDataset(name="kb")).record.id


def upload(services: Services, caller: Caller, dataset_id: str, *names: str) -> list[str]:
    files = [IncomingFile(name=name, stream=io.BytesIO(b"x"), size=1) for name in names]
    return [document.id for document in services.documents.upload(caller, dataset_id, files)]


def listed(client: TestClient, headers: dict[str, str], dataset_id: str, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/v1/datasets/{dataset_id}/documents", params=params, headers=headers).json()
    return body


@pytest.mark.parametrize("orderby", ["unknown", "CREATE_TIME", "create_time; drop table document"])
def test_an_unknown_orderby_is_an_argument_error(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, dataset_id: str, orderby: str
) -> None:
    upload(services, caller, dataset_id, "a.txt")
    assert listed(client, headers, dataset_id, orderby=orderby) == {
        "code": 102,
        "message": "orderby should be create_time or update_time",
        "data": None,
    }
    assert listed(client, headers, dataset_id, orderby="update_time")["data"]["total"] == 1


def test_the_creation_window_is_in_milliseconds_and_filters_before_paging(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, dataset_id: str
) -> None:
    (old,) = upload(services, caller, dataset_id, "old.txt")
    time.sleep(0.01)
    started = now_ms()
    fresh = upload(services, caller, dataset_id, "new1.txt", "new2.txt")

    def window(**params: Any) -> tuple[list[str], int]:
        data = listed(client, headers, dataset_id, orderby="create_time", desc="false", **params)["data"]
        return [document["id"] for document in data["docs"]], data["total"]

    assert window(create_time_from=now_ms() - 1000) == ([old, *fresh], 3)  # created just now
    assert window(create_time_from=started) == (fresh, 2)
    assert window(create_time_from=started, page=1, page_size=1) == (fresh[:1], 2)
    assert window(create_time_from=started, page=2, page_size=1) == (fresh[1:], 2)
    assert window(create_time_to=started - 1) == ([old], 1)
    assert window(create_time_from=0, create_time_to=0) == ([old, *fresh], 3)
