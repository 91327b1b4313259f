"""Chunks through the unmodified ``ragflow-sdk``: add, list, update, delete and the counters they keep (contract §6,
§2.3, §14)."""

from __future__ import annotations

import base64
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import xxhash
from ragflow_sdk.modules.chunk import ChunkUpdateError

from tests.e2e.sdk_version import SDK_027

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGM8ISfHwMDAxMDAwMDAAAANBAEIfXHKZgAAAABJRU5ErkJggg=="
)
CHUNK_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def new_document(rag, name: str, **dataset_fields):  # type: ignore[no-untyped-def]
    """A fresh dataset holding one (unparsed) text document; returns ``(dataset, document)``."""
    dataset = rag.create_dataset(name=name, **dataset_fields)
    (document,) = dataset.upload_documents([{"display_name": "notes.txt", "blob": b"some notes"}])
    return dataset, document


def counts(rag, dataset, document) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """``(document chunk_count, document token_count, dataset chunk_count)`` as listed now."""
    (listed,) = dataset.list_documents(id=document.id)
    (refreshed,) = rag.list_datasets(id=dataset.id)
    return int(listed.chunk_count), int(listed.token_count), int(refreshed.chunk_count)


def chunk_id_of(content: str, document_id: str) -> str:
    return xxhash.xxh64((content + document_id).encode("utf-8")).hexdigest()


def by_id(document, chunk_id: str):  # type: ignore[no-untyped-def]
    (chunk,) = document.list_chunks(id=chunk_id)
    return chunk


# ---- add ------------------------------------------------------------------------------------------


def test_add_chunk_returns_the_chunk(rag, unique_name):
    dataset, document = new_document(rag, unique_name)
    content = "Ragloom stores chunks added by hand."

    chunk = document.add_chunk(
        content, important_keywords=["ragloom", "manual"], questions=["What stores chunks?"], tag_kwd=["storage"]
    )

    assert chunk.id == chunk_id_of(content, document.id)
    assert chunk.content == content
    assert chunk.document_id == document.id
    assert chunk.dataset_id == dataset.id
    assert chunk.important_keywords == ["ragloom", "manual"]
    assert chunk.questions == ["What stores chunks?"]
    assert chunk.tag_kwd == ["storage"]
    assert isinstance(chunk.create_timestamp, float)
    assert CHUNK_TIME.match(chunk.create_time)

    listed = by_id(document, chunk.id)
    assert listed.content == content
    assert listed.important_keywords == ["ragloom", "manual"]
    assert listed.questions == ["What stores chunks?"]
    assert listed.tag_kwd == ["storage"]
    assert listed.available is True
    assert listed.document_id == document.id
    assert listed.dataset_id == dataset.id


def test_add_chunk_with_image_serves_it_back(rag, unique_name, api, auth):
    dataset, document = new_document(rag, unique_name)
    content = "A chunk with a picture."

    chunk = document.add_chunk(content, image_base64=base64.b64encode(PNG).decode())

    image_id = f"{dataset.id}-{chunk.id}"
    # the list answer carries it (ragflow-sdk 0.26's Chunk drops it)
    listed = requests.get(
        f"{api}/datasets/{dataset.id}/documents/{document.id}/chunks", headers=auth, params={"id": chunk.id}, timeout=30
    ).json()
    assert listed["data"]["chunks"][0]["image_id"] == image_id

    served = requests.get(f"{api}/documents/images/{image_id}", headers=auth, timeout=30)
    assert served.status_code == 200
    assert served.content == PNG


def test_chunks_carry_their_image_id(rag, unique_name):
    """ragflow-sdk 0.27's ``Chunk`` keeps ``image_id`` from add, list and retrieval answers; 0.26's drops it."""
    dataset, document = new_document(
        rag, unique_name, embedding_model="universal-sentence-encoder-multilingual@Builtin"
    )
    pictured = document.add_chunk("A panda chewing bamboo, pictured.", image_base64=base64.b64encode(PNG).decode())
    plain = document.add_chunk("Bamboo grows fast, no picture here.")
    image_id = f"{dataset.id}-{pictured.id}"

    listed = {chunk.id: chunk for chunk in document.list_chunks()}
    hits = {
        chunk.id: chunk
        for chunk in rag.retrieve(dataset_ids=[dataset.id], question="panda bamboo", similarity_threshold=0.0)
    }

    assert set(listed) == set(hits) == {pictured.id, plain.id}
    for shown in (pictured, listed[pictured.id], hits[pictured.id]):
        assert getattr(shown, "image_id", None) == (image_id if SDK_027 else None)
    for shown in (plain, listed[plain.id], hits[plain.id]):
        assert getattr(shown, "image_id", None) == ("" if SDK_027 else None)


def test_add_chunk_errors_raise(rag, unique_name):
    """Wrongly typed lists never leave the SDK (it checks its type hints); the server's own list checks are in
    test_chunks_http.py."""
    _dataset, document = new_document(rag, unique_name)

    with pytest.raises(Exception, match="^`content` is required$"):
        document.add_chunk("   ")
    with pytest.raises(Exception, match="^`image_base64` must be a non-empty string$"):
        document.add_chunk("text", image_base64="")
    with pytest.raises(Exception, match="^Invalid `image_base64`$"):
        document.add_chunk("text", image_base64="%%% not base64 %%%")
    assert document.list_chunks() == []


def test_adding_identical_content_twice_overwrites(rag, unique_name):
    dataset, document = new_document(rag, unique_name)

    first = document.add_chunk("Same words twice.", important_keywords=["first"])
    after_first = counts(rag, dataset, document)
    second = document.add_chunk("Same words twice.", important_keywords=["second"])

    assert second.id == first.id
    assert counts(rag, dataset, document) == after_first
    assert after_first[0] == 1
    assert after_first[2] == 1
    (only,) = document.list_chunks()
    assert only.id == first.id
    assert only.important_keywords == ["second"]


def test_added_chunk_is_immediately_listable_and_searchable(rag, unique_name):
    _dataset, document = new_document(rag, unique_name)
    document.add_chunk("Background noise about weather and clouds.")

    chunk = document.add_chunk("Axolotls regenerate their limbs remarkably well.")

    assert chunk.id in [c.id for c in document.list_chunks()]
    found = document.list_chunks(keywords="axolotls")
    assert [c.id for c in found] == [chunk.id]
    assert "<em>" in found[0].content
    assert "Axolotls" in found[0].content.replace("<em>", "").replace("</em>", "")


# ---- counters -------------------------------------------------------------------------------------


def test_counts_follow_add_and_delete(rag, unique_name):
    dataset, document = new_document(rag, unique_name)
    assert counts(rag, dataset, document) == (0, 0, 0)

    first = document.add_chunk("The first chunk has a handful of tokens in it.")
    chunks_1, tokens_1, dataset_1 = counts(rag, dataset, document)
    assert (chunks_1, dataset_1) == (1, 1)
    assert tokens_1 > 0

    document.add_chunk("A second, rather longer chunk that carries noticeably more tokens than the first one does.")
    chunks_2, tokens_2, dataset_2 = counts(rag, dataset, document)
    assert (chunks_2, dataset_2) == (2, 2)
    assert tokens_2 > tokens_1

    document.delete_chunks(ids=[first.id])
    assert counts(rag, dataset, document) == (1, tokens_2 - tokens_1, 1)

    document.delete_chunks(delete_all=True)
    assert counts(rag, dataset, document) == (0, 0, 0)


def test_dataset_chunk_count_sums_its_documents(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    one, two = dataset.upload_documents(
        [{"display_name": "one.txt", "blob": b"1"}, {"display_name": "two.txt", "blob": b"2"}]
    )
    for n in range(3):
        one.add_chunk(f"Document one, chunk {n}.")
    for n in range(2):
        two.add_chunk(f"Document two, chunk {n}.")

    assert counts(rag, dataset, one)[0] == 3
    assert counts(rag, dataset, two)[0] == 2
    assert rag.list_datasets(id=dataset.id)[0].chunk_count == 5

    two.delete_chunks(delete_all=True)
    assert counts(rag, dataset, one)[0::2] == (3, 3)


def test_concurrent_adds_are_all_counted(rag, unique_name):
    dataset, document = new_document(rag, unique_name)
    document.add_chunk("A chunk that was there before.")
    before = counts(rag, dataset, document)

    contents = [f"Concurrent chunk number {n} about topic {n * 7}." for n in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        added = list(pool.map(document.add_chunk, contents))

    assert len({chunk.id for chunk in added}) == 12
    after = counts(rag, dataset, document)
    assert after[0] == before[0] + 12
    assert after[2] == before[2] + 12
    assert after[1] > before[1]
    listed = {chunk.id for chunk in document.list_chunks(page_size=100)}
    assert listed >= {chunk.id for chunk in added}
    assert len(listed) == 13


# ---- list -----------------------------------------------------------------------------------------


def test_list_chunks_pages(rag, unique_name):
    _dataset, document = new_document(rag, unique_name)
    added = {document.add_chunk(f"Paged chunk {n} of five.").id for n in range(5)}

    pages = [[c.id for c in document.list_chunks(page=page, page_size=2)] for page in (1, 2, 3, 4)]
    assert [len(page) for page in pages] == [2, 2, 1, 0]
    assert set(pages[0] + pages[1] + pages[2]) == added
    assert {c.id for c in document.list_chunks()} == added
    with pytest.raises(Exception, match=re.escape("ValueError('page_size must be less than or equal to 100')")):
        document.list_chunks(page_size=101)


def test_list_chunks_keywords_highlight(rag, unique_name):
    _dataset, document = new_document(rag, unique_name)
    hit = document.add_chunk("Lighthouses guide ships along the rocky coast.")
    document.add_chunk("Bakeries sell bread early in the morning.")

    found = document.list_chunks(keywords="lighthouses")
    assert [c.id for c in found] == [hit.id]
    assert "<em>Lighthouses</em>" in found[0].content
    assert document.list_chunks(keywords="submarine") == []


def test_list_chunks_by_id(rag, unique_name):
    dataset, document = new_document(rag, unique_name)
    wanted = document.add_chunk("The chunk we ask for by id.")
    document.add_chunk("A chunk nobody asks for.")

    assert [c.id for c in document.list_chunks(id=wanted.id)] == [wanted.id]
    missing = "0123456789abcdef"
    with pytest.raises(Exception, match=f"^Chunk not found: {dataset.id}/{missing}$"):
        document.list_chunks(id=missing)


# ---- update ---------------------------------------------------------------------------------------


def test_update_content_is_reflected_and_searchable(rag, unique_name):
    _dataset, document = new_document(rag, unique_name)
    chunk = document.add_chunk("Volcanoes erupt with molten rock.")

    chunk.update({"content": "Glaciers carve valleys slowly."})

    assert by_id(document, chunk.id).content == "Glaciers carve valleys slowly."
    assert [c.id for c in document.list_chunks(keywords="glaciers")] == [chunk.id]
    assert document.list_chunks(keywords="volcanoes") == []


def test_update_keywords_questions_and_availability(rag, unique_name):
    dataset, document = new_document(rag, unique_name)
    chunk = document.add_chunk("Chunk whose metadata changes.", important_keywords=["old"])

    chunk.update({"important_keywords": ["new", "fresh"], "questions": ["What changed?"], "tag_kwd": ["t"]})
    listed = by_id(document, chunk.id)
    assert listed.important_keywords == ["new", "fresh"]
    assert listed.questions == ["What changed?"]
    assert listed.tag_kwd == ["t"]
    assert listed.content == "Chunk whose metadata changes."

    chunk.update({"available": False})
    assert by_id(document, chunk.id).available is False
    chunk.update({"available": True})
    assert by_id(document, chunk.id).available is True
    assert counts(rag, dataset, document)[0] == 1


def test_update_errors_raise_chunk_update_error(rag, unique_name):
    _dataset, document = new_document(rag, unique_name)
    chunk = document.add_chunk("Stays as it is.")

    with pytest.raises(ChunkUpdateError) as blank:
        chunk.update({"content": "  "})
    assert (blank.value.code, blank.value.message) == (102, "`content` is required")

    with pytest.raises(ChunkUpdateError) as not_list:
        chunk.update({"questions": "one question"})
    assert (not_list.value.code, not_list.value.message) == (102, "`questions` should be a list")

    with pytest.raises(ChunkUpdateError) as bad_available:
        chunk.update({"available": "True"})
    assert bad_available.value.code == 100
    assert bad_available.value.message == "ValueError(\"invalid literal for int() with base 10: 'True'\")"

    chunk.id = "0123456789abcdef"
    with pytest.raises(ChunkUpdateError) as unknown:
        chunk.update({"content": "anything"})
    assert (unknown.value.code, unknown.value.message) == (102, "Can't find this chunk 0123456789abcdef")

    (unchanged,) = document.list_chunks()
    assert unchanged.content == "Stays as it is."
    assert unchanged.available is True


# ---- delete ---------------------------------------------------------------------------------------


def test_delete_chunks_by_ids(rag, unique_name):
    dataset, document = new_document(rag, unique_name)
    a, b, c = (document.add_chunk(f"Deletable chunk {name}.") for name in "abc")

    document.delete_chunks(ids=[a.id, c.id])
    assert [chunk.id for chunk in document.list_chunks()] == [b.id]
    assert counts(rag, dataset, document)[0::2] == (1, 1)

    with pytest.raises(Exception, match="^rm_chunk deleted chunks 1, expect 2$"):
        document.delete_chunks(ids=[b.id, a.id])
    assert document.list_chunks() == []
    assert counts(rag, dataset, document) == (0, 0, 0)


def test_delete_chunks_without_ids_is_a_no_op_unless_delete_all(rag, unique_name):
    dataset, document = new_document(rag, unique_name)
    for n in range(3):
        document.add_chunk(f"Kept unless everything goes, {n}.")

    document.delete_chunks()
    document.delete_chunks(ids=[])
    assert len(document.list_chunks()) == 3

    document.delete_chunks(delete_all=True)
    assert document.list_chunks() == []
    assert counts(rag, dataset, document) == (0, 0, 0)


def test_parsed_chunks_can_be_listed_added_to_and_deleted(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    sentence = "Harbour {n} keeps its ferries, cranes, warehouses and fishing boats busy all year round. "
    text = "\n".join(f"Section {n}. " + sentence.format(n=n) * 12 for n in range(6))
    (document,) = dataset.upload_documents([{"display_name": "harbours.txt", "blob": text.encode()}])

    ((document_id, run, chunk_count, token_count),) = dataset.parse_documents([document.id])
    assert (document_id, run) == (document.id, "DONE")
    assert chunk_count >= 1
    assert token_count > 0

    parsed = document.list_chunks(page_size=100)
    assert len(parsed) == chunk_count
    assert all(chunk.document_id == document.id for chunk in parsed)
    assert len(parsed) >= 2
    joined = "".join(chunk.content for chunk in parsed)
    positions = [joined.find(f"Section {n}.") for n in range(6)]
    assert -1 not in positions
    assert positions == sorted(positions)  # listed in document order
    assert counts(rag, dataset, document) == (chunk_count, token_count, chunk_count)
    assert document.list_chunks(keywords="ferries")

    extra = document.add_chunk("A hand-written note next to parsed chunks.")
    assert counts(rag, dataset, document)[0::2] == (chunk_count + 1, chunk_count + 1)

    document.delete_chunks(ids=[parsed[0].id, extra.id])
    assert counts(rag, dataset, document)[0::2] == (chunk_count - 1, chunk_count - 1)
    document.delete_chunks(delete_all=True)
    assert counts(rag, dataset, document) == (0, 0, 0)
