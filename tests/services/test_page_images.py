"""Page pictures on the service: rendered once per page and width, the cache held to its byte
budget by dropping the page least recently looked at, and never answering another tenant."""

from __future__ import annotations

import io

import pytest

from ragloom.errors import DataError
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.page_images import PageImageService
from ragloom.services.tenants import Caller
from tests.samples import make_pdf


@pytest.fixture
def report(services: Services, caller: Caller) -> tuple[str, str]:
    dataset_id = services.datasets.create(caller, NewDataset(name="kb")).record.id
    data = make_pdf(pages=3)
    (document,) = services.documents.upload(
        caller, dataset_id, [IncomingFile("report.pdf", io.BytesIO(data), len(data))]
    )
    return dataset_id, document.id


def counting_reads(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    original = services.blobs.get

    def counted(key: str) -> bytes:
        reads.append(key)
        return original(key)

    monkeypatch.setattr(services.blobs, "get", counted)
    return reads


def test_the_cache_keeps_within_its_budget_dropping_the_least_recently_seen_page(
    services: Services, caller: Caller, report: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    one_page = len(services.page_images.page(caller, *report, 1, 200).png)
    pages = PageImageService(services.documents, services.blobs, cache_bytes=int(one_page * 2.5))
    reads = counting_reads(services, monkeypatch)
    for number in (1, 2, 1, 3, 1, 2):  # 3 pushes out 2 (1 was seen since), then 2 pushes out 3
        pages.page(caller, *report, number, 200)
    assert len(reads) == 4


def test_a_page_is_rendered_once_per_width(
    services: Services, caller: Caller, report: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = counting_reads(services, monkeypatch)
    first = services.page_images.page(caller, *report, 1, 200)
    assert services.page_images.page(caller, *report, 1, 200) == first
    assert len(reads) == 1
    services.page_images.page(caller, *report, 1, 300)
    assert len(reads) == 2


def test_a_cached_page_is_refused_to_another_tenant(
    services: Services, caller: Caller, other_caller: Caller, report: tuple[str, str]
) -> None:
    services.page_images.page(caller, *report, 1, 200)
    with pytest.raises(DataError, match="You do not own the dataset"):
        services.page_images.page(other_caller, *report, 1, 200)
