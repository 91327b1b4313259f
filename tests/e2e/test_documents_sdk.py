"""Documents through the unmodified ``ragflow-sdk``: upload, list, update, download, delete (contract §4, §14)."""

from __future__ import annotations

import re
import time

import pytest
import requests

from tests.e2e.sdk_version import SDK_027, needs_sdk_027


def blob(name: str, data: bytes) -> dict[str, object]:
    """An ``upload_documents`` item. ``Document.download`` parses bodies as JSON, so contents that are a bare JSON
    number or an object of exactly ``code`` and ``message`` would confuse the SDK itself; tests avoid them."""
    return {"display_name": name, "blob": data}


def document_count(rag, dataset_id: str) -> int:  # type: ignore[no-untyped-def]
    return int(rag.list_datasets(id=dataset_id)[0].document_count)


def meta_of(document) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The SDK turns the ``meta_fields`` object into an attribute object; read it back as a dict."""
    meta = document.meta_fields
    return meta if isinstance(meta, dict) else meta.to_json()


def listed_by_id(dataset, document_id: str):  # type: ignore[no-untyped-def]
    found = dataset.list_documents(id=document_id)
    assert [d.id for d in found] == [document_id]
    return found[0]


# ---- upload ---------------------------------------------------------------------------------------


def test_upload_several_files_returns_one_document_each_in_order(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    documents = dataset.upload_documents(
        [blob("notes.txt", b"hello world"), blob("paper.pdf", b"%PDF-1.4 fake"), blob("readme.md", b"# title")]
    )

    assert [d.name for d in documents] == ["notes.txt", "paper.pdf", "readme.md"]
    assert len({d.id for d in documents}) == 3
    for document, size in zip(documents, (11, 13, 7), strict=True):
        assert len(document.id) == 32
        assert document.dataset_id == dataset.id
        assert document.size == size
        assert document.source_type == "local"
        assert document.run == "UNSTART"
        assert document.progress == 0
        assert document.chunk_count == 0
        assert document.token_count == 0
    assert [d.type for d in documents] == ["doc", "pdf", "doc"]


def test_uploaded_documents_are_listed_with_their_defaults(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    (uploaded,) = dataset.upload_documents([blob("notes.txt", b"some text")])

    listed = listed_by_id(dataset, uploaded.id)
    assert listed.name == "notes.txt"
    assert listed.run == "UNSTART"
    assert listed.progress == 0
    assert listed.chunk_count == 0
    assert listed.token_count == 0
    assert listed.status == "1"
    assert listed.size == 9
    assert listed.type == "doc"
    assert meta_of(listed) == {}


def test_document_chunk_method_is_inherited_from_the_dataset(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name, chunk_method="qa")
    documents = dataset.upload_documents([blob("faq.txt", b"Q: a?\nA: b."), blob("faq.pdf", b"%PDF")])

    assert [d.chunk_method for d in documents] == ["qa", "qa"]
    assert [d.chunk_method for d in dataset.list_documents(orderby="name", desc=False)] == ["qa", "qa"]


def test_chunk_method_depends_on_the_kind_of_file(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name, chunk_method="book")
    documents = dataset.upload_documents(
        [
            blob("photo.png", b"\x89PNG"),
            blob("scan.JPG", b"\xff\xd8"),
            blob("slides.pptx", b"PK"),
            blob("old.ppt", b"\xd0\xcf"),
            blob("mail.eml", b"From: a@b.c\n\nhi"),
            blob("chapter.docx", b"PK"),
        ]
    )

    assert {d.name: (d.type, d.chunk_method) for d in documents} == {
        "photo.png": ("visual", "picture"),
        "scan.JPG": ("visual", "picture"),
        "slides.pptx": ("doc", "presentation"),
        "old.ppt": ("doc", "presentation"),
        "mail.eml": ("doc", "email"),
        "chapter.docx": ("doc", "book"),
    }


def test_same_name_in_one_request_is_numbered(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    documents = dataset.upload_documents([blob("a.txt", b"one"), blob("a.txt", b"two"), blob("a.txt", b"three")])

    assert [d.name for d in documents] == ["a.txt", "a(1).txt", "a(2).txt"]
    by_name = {d.name: d for d in dataset.list_documents()}
    assert sorted(by_name) == ["a(1).txt", "a(2).txt", "a.txt"]
    assert by_name["a(2).txt"].download() == b"three"


def test_same_name_across_requests_is_numbered(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    first = dataset.upload_documents([blob("report.final.md", b"v1")])
    second = dataset.upload_documents([blob("report.final.md", b"v2")])
    third = dataset.upload_documents([blob("report.final.md", b"v3"), blob("other.md", b"o")])

    assert [d.name for d in first + second + third] == [
        "report.final.md",
        "report.final(1).md",
        "report.final(2).md",
        "other.md",
    ]
    assert second[0].download() == b"v2"


def test_upload_increments_document_count(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    assert document_count(rag, dataset.id) == 0

    dataset.upload_documents([blob("a.txt", b"a"), blob("b.txt", b"b")])
    assert document_count(rag, dataset.id) == 2

    dataset.upload_documents([blob("a.txt", b"again")])
    assert document_count(rag, dataset.id) == 3


# ---- list -----------------------------------------------------------------------------------------


def test_list_documents_by_id_name_and_keywords(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    alpha, beta, gamma = dataset.upload_documents(
        [blob("Alpha-Report.txt", b"a"), blob("beta_report.md", b"b"), blob("gamma.pdf", b"g")]
    )

    assert [d.id for d in dataset.list_documents(id=beta.id)] == [beta.id]
    assert [d.id for d in dataset.list_documents(name="gamma.pdf")] == [gamma.id]
    assert sorted(d.name for d in dataset.list_documents(keywords="REPORT")) == ["Alpha-Report.txt", "beta_report.md"]
    assert dataset.list_documents(keywords="nothing-like-this") == []
    assert {d.id for d in dataset.list_documents()} == {alpha.id, beta.id, gamma.id}


def test_list_documents_refuses_an_unknown_orderby(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    dataset.upload_documents([blob("a.txt", b"x")])
    with pytest.raises(Exception, match=r"^orderby should be create_time or update_time$"):
        dataset.list_documents(orderby="unknown")
    assert [d.name for d in dataset.list_documents(orderby="update_time")] == ["a.txt"]


def test_list_documents_unknown_id_or_name_raises(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    dataset.upload_documents([blob("a.txt", b"a")])
    missing = "0" * 32

    with pytest.raises(Exception, match="^You don't own the document 0{32}\\.$"):
        dataset.list_documents(id=missing)
    with pytest.raises(Exception, match="^You don't own the document nope\\.txt\\.$"):
        dataset.list_documents(name="nope.txt")


def test_a_document_is_listable_by_id_right_after_upload(rag, unique_name):
    """ragflow-sdk 0.27's ``parse_documents`` polls ``list_documents(id=…)`` and fails at once on an empty list or an
    error (0.26 retried quietly), so every uploaded document must be found by id straight away."""
    dataset = rag.create_dataset(name=unique_name, embedding_model="universal-sentence-encoder-multilingual@Builtin")
    documents = dataset.upload_documents([blob(f"fresh{i}.txt", f"Pandas eat bamboo {i}.".encode()) for i in range(3)])

    for document in documents:
        (listed,) = dataset.list_documents(id=document.id)
        assert (listed.id, listed.name, listed.run) == (document.id, document.name, "UNSTART")

    results = dataset.parse_documents([document.id for document in documents])
    assert sorted(result[:2] for result in results) == sorted((document.id, "DONE") for document in documents)


@needs_sdk_027
def test_list_documents_by_ids(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    alpha, beta, gamma = dataset.upload_documents([blob("a.txt", b"a"), blob("b.txt", b"b"), blob("c.txt", b"c")])

    assert [d.id for d in dataset.list_documents(ids=[gamma.id, alpha.id], orderby="name", desc=False)] == [
        alpha.id,
        gamma.id,
    ]
    everything = [alpha.id, beta.id, gamma.id]
    assert [d.name for d in dataset.list_documents(ids=everything, page=2, page_size=2, orderby="name")] == ["a.txt"]
    assert [d.name for d in dataset.list_documents(ids=everything, keywords="b")] == ["b.txt"]


@needs_sdk_027
def test_list_documents_by_ids_refuses_foreign_repeated_and_too_many_ids(rag, other_rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    (mine,) = dataset.upload_documents([blob("mine.txt", b"m")])
    (elsewhere,) = rag.create_dataset(name=f"{unique_name}-other").upload_documents([blob("other.txt", b"o")])
    (theirs,) = other_rag.create_dataset(name=unique_name).upload_documents([blob("theirs.txt", b"t")])

    with pytest.raises(Exception, match=f"^You don't own the document {elsewhere.id}, {theirs.id}\\.$"):
        dataset.list_documents(ids=[mine.id, elsewhere.id, theirs.id])
    with pytest.raises(Exception, match=f"^Field: <ids> - Message: <Duplicate ids: '{mine.id}'> - Value: "):
        dataset.list_documents(ids=[mine.id, mine.id])
    with pytest.raises(
        Exception, match="^Field: <ids> - Message: <List should have at most 100 items after validation"
    ):
        dataset.list_documents(ids=[f"{index:032x}" for index in range(101)])


def test_list_documents_pages(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    dataset.upload_documents([blob(f"doc{i}.txt", str(i).encode()) for i in range(5)])

    pages = [dataset.list_documents(page=page, page_size=2, orderby="name", desc=False) for page in (1, 2, 3, 4)]
    assert [[d.name for d in page] for page in pages] == [
        ["doc0.txt", "doc1.txt"],
        ["doc2.txt", "doc3.txt"],
        ["doc4.txt"],
        [],
    ]


def test_list_documents_orderby_and_desc(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    for name in ("b.txt", "c.txt", "a.txt"):
        dataset.upload_documents([blob(name, name.encode())])
        time.sleep(0.005)  # distinct create_time values

    assert [d.name for d in dataset.list_documents()] == ["a.txt", "c.txt", "b.txt"]  # newest first by default
    assert [d.name for d in dataset.list_documents(orderby="create_time", desc=False)] == ["b.txt", "c.txt", "a.txt"]
    assert [d.name for d in dataset.list_documents(orderby="name", desc=False)] == ["a.txt", "b.txt", "c.txt"]
    assert [d.name for d in dataset.list_documents(orderby="name", desc=True)] == ["c.txt", "b.txt", "a.txt"]


def test_list_documents_create_time_range(rag, unique_name, api, auth):
    dataset = rag.create_dataset(name=unique_name)
    for name in ("first.txt", "second.txt", "third.txt"):
        dataset.upload_documents([blob(name, b"x")])
        time.sleep(0.005)
    listed = requests.get(f"{api}/datasets/{dataset.id}/documents", headers=auth, timeout=10).json()["data"]["docs"]
    created = {doc["name"]: doc["create_time"] for doc in listed}
    assert created["first.txt"] < created["second.txt"] < created["third.txt"]

    def names(**window: int) -> list[str]:
        return sorted(d.name for d in dataset.list_documents(**window))

    assert names(create_time_from=created["second.txt"]) == ["second.txt", "third.txt"]
    assert names(create_time_to=created["second.txt"]) == ["first.txt", "second.txt"]
    assert names(create_time_from=created["second.txt"], create_time_to=created["second.txt"]) == ["second.txt"]
    assert names(create_time_from=created["third.txt"] + 1) == []
    assert names(create_time_from=0, create_time_to=0) == ["first.txt", "second.txt", "third.txt"]


# ---- update ---------------------------------------------------------------------------------------


def test_update_renames_a_document(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    (document,) = dataset.upload_documents([blob("draft.txt", b"content")])

    document.update({"name": "final.txt"})

    assert document.name == "final.txt"
    assert listed_by_id(dataset, document.id).name == "final.txt"
    assert document.download() == b"content"


def test_update_with_display_name_renames_as_the_sdk_reference_says(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    (document,) = dataset.upload_documents([blob("draft.txt", b"content")])

    document.update({"display_name": "final.txt"})

    assert listed_by_id(dataset, document.id).name == "final.txt"
    document.update({"display_name": "ignored.txt", "name": "chosen.txt"})  # `name` wins when both are sent
    assert listed_by_id(dataset, document.id).name == "chosen.txt"
    with pytest.raises(Exception, match="^The extension of file can't be changed$"):
        document.update({"display_name": "final.pdf"})


def test_rename_may_change_only_the_case(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    document, _other = dataset.upload_documents([blob("draft.txt", b"1"), blob("other.txt", b"2")])

    document.update({"name": "OTHER.TXT"})

    assert sorted(d.name for d in dataset.list_documents()) == ["OTHER.TXT", "other.txt"]


def test_rename_to_another_extension_is_refused(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    (document,) = dataset.upload_documents([blob("draft.txt", b"1")])

    with pytest.raises(Exception, match="^The extension of file can't be changed$"):
        document.update({"name": "draft.pdf"})
    with pytest.raises(Exception, match="^The extension of file can't be changed$"):
        document.update({"name": "draft"})
    assert listed_by_id(dataset, document.id).name == "draft.txt"


def test_rename_to_a_taken_name_is_refused(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    first, _second = dataset.upload_documents([blob("one.txt", b"1"), blob("two.txt", b"2")])

    with pytest.raises(Exception, match="^Duplicated document name in the same dataset\\.$"):
        first.update({"name": "two.txt"})
    assert sorted(d.name for d in dataset.list_documents()) == ["one.txt", "two.txt"]


def test_update_meta_fields_replaces_the_metadata(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    (document,) = dataset.upload_documents([blob("a.txt", b"1")])

    document.update({"meta_fields": {"author": "alice", "year": 2021, "score": 0.5, "tags": ["x", "y"]}})
    assert meta_of(listed_by_id(dataset, document.id)) == {
        "author": "alice",
        "year": 2021,
        "score": 0.5,
        "tags": ["x", "y"],
    }

    document.update({"meta_fields": {"reviewer": "bob"}})
    assert meta_of(listed_by_id(dataset, document.id)) == {"reviewer": "bob"}


def test_sdk_refuses_meta_fields_that_are_not_a_dict(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    (document,) = dataset.upload_documents([blob("a.txt", b"1")])

    with pytest.raises(Exception, match="^meta_fields must be a dictionary$"):
        document.update({"meta_fields": ["not", "a", "dict"]})


def test_update_chunk_method_installs_its_default_parser_config(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    (document,) = dataset.upload_documents([blob("a.txt", b"1")])

    document.update({"chunk_method": "qa"})

    listed = listed_by_id(dataset, document.id)
    assert listed.chunk_method == "qa"
    config = listed.parser_config.to_json()
    assert config["raptor"] == {"use_raptor": False}
    assert config["graphrag"] == {"use_graphrag": False}
    assert listed.run == "UNSTART"


def test_update_parser_config(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    (document,) = dataset.upload_documents([blob("a.txt", b"1")])

    document.update({"parser_config": {"chunk_token_num": 256, "delimiter": "\n!?"}})

    config = listed_by_id(dataset, document.id).parser_config.to_json()
    assert config["chunk_token_num"] == 256
    assert config["delimiter"] == "\n!?"


def test_update_enabled_takes_an_int_and_sets_status(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    (document,) = dataset.upload_documents([blob("a.txt", b"1")])

    document.update({"enabled": 0})
    assert document.status == "0"
    assert listed_by_id(dataset, document.id).status == "0"

    document.update({"enabled": 1})
    assert listed_by_id(dataset, document.id).status == "1"

    with pytest.raises(Exception, match="Input should be a valid integer"):
        document.update({"enabled": False})
    assert listed_by_id(dataset, document.id).status == "1"


# ---- download -------------------------------------------------------------------------------------


def test_download_returns_the_exact_bytes(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    payloads = {
        "text.txt": "héllo wörld\n".encode(),
        "binary.pdf": bytes(range(256)) * 40,
        "data.json": b'{"code": 0, "data": [1, 2], "note": "a JSON file is still handed back as bytes"}',
    }
    documents = dataset.upload_documents([blob(name, data) for name, data in payloads.items()])

    for document in documents:
        assert document.download() == payloads[document.name]
    for listed in dataset.list_documents():
        assert listed.download() == payloads[listed.name]


def test_download_of_an_empty_file_raises(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    (document,) = dataset.upload_documents([blob("empty.txt", b"")])

    assert document.size == 0
    with pytest.raises(Exception, match="^This file is empty\\.$"):
        document.download()


def test_download_of_a_file_shaped_like_an_error_envelope(rag, unique_name):
    """ragflow-sdk 0.27 takes any ``Content-Disposition: attachment`` answer as the file, which every download is;
    0.26 decides by the body alone and raises on an object of exactly ``code`` and ``message``."""
    dataset = rag.create_dataset(name=unique_name)
    data = b'{"code": 102, "message": "not an error: the stored file"}'
    (document,) = dataset.upload_documents([blob("envelope.json", data)])

    if SDK_027:
        assert document.download() == data
    else:
        with pytest.raises(Exception, match="^not an error: the stored file$"):
            document.download()


def test_download_with_a_wrong_key(live_server, rag, unique_name):
    """A 401 body (``code``, ``message``, ``data``) raises under ragflow-sdk 0.27 and is handed back as if it were
    the file by 0.26 (contract §4.4)."""
    from ragflow_sdk import RAGFlow
    from ragflow_sdk.modules.document import Document

    dataset = rag.create_dataset(name=unique_name)
    (document,) = dataset.upload_documents([blob("secret.txt", b"secret")])
    stranger = Document(
        RAGFlow("ragflow-not-a-key", live_server.base_url), {"id": document.id, "dataset_id": dataset.id}
    )

    if SDK_027:
        with pytest.raises(Exception, match="^<Unauthorized '401: Unauthorized'>$"):
            stranger.download()
    else:
        assert b'"code":401' in stranger.download().replace(b" ", b"")


# ---- delete ---------------------------------------------------------------------------------------


def test_delete_documents_by_ids(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    keep, drop1, drop2 = dataset.upload_documents([blob("keep.txt", b"k"), blob("d1.txt", b"1"), blob("d2.txt", b"2")])

    dataset.delete_documents(ids=[drop1.id, drop2.id])

    assert [d.id for d in dataset.list_documents()] == [keep.id]
    assert document_count(rag, dataset.id) == 1
    assert keep.download() == b"k"


def test_delete_all_documents(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    dataset.upload_documents([blob("a.txt", b"a"), blob("b.txt", b"b")])

    dataset.delete_documents(delete_all=True)

    assert dataset.list_documents() == []
    assert document_count(rag, dataset.id) == 0


def test_delete_documents_without_arguments_raises(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    dataset.upload_documents([blob("a.txt", b"a")])

    expected = f"should either provide doc ids or set delete_all(true), dataset: {dataset.id}. "
    with pytest.raises(Exception, match=f"^{re.escape(expected)}$"):
        dataset.delete_documents()
    assert [d.name for d in dataset.list_documents()] == ["a.txt"]


def test_deleted_document_cannot_be_downloaded_and_its_name_is_free(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    (document,) = dataset.upload_documents([blob("a.txt", b"old")])

    dataset.delete_documents(ids=[document.id])

    with pytest.raises(Exception, match=f"^The dataset not own the document {document.id}\\.$"):
        document.download()
    (again,) = dataset.upload_documents([blob("a.txt", b"new")])
    assert again.name == "a.txt"
    assert again.download() == b"new"
