"""Deciding from content hashes what a run does with each file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragloom.client.resume import Decision, Inventory, base_name, file_sha256
from ragloom.client.target import DocumentRun, RemoteDocument
from ragloom.client.walk import FoundFile


def found(relative: str, size: int = 5) -> FoundFile:
    return FoundFile(Path("/nowhere") / relative, relative, size)


def document(
    document_id: str, sha256: str | None, run: DocumentRun = DocumentRun.DONE, **fields: object
) -> RemoteDocument:
    values: dict[str, object] = {"name": f"{document_id}.txt", "size": 5, "path": None} | fields
    return RemoteDocument(id=document_id, sha256=sha256, run=run, **values)  # type: ignore[arg-type]


def test_file_sha256(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    assert file_sha256(path) == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


@pytest.mark.parametrize(
    ("stored", "original"),
    [("a.txt", "a.txt"), ("a(1).txt", "a.txt"), ("a(12).txt", "a.txt"), ("notes(2)", "notes"), ("(1).md", ".md")],
)
def test_base_name_undoes_the_servers_de_duplication(stored: str, original: str) -> None:
    assert base_name(stored) == original


@pytest.mark.parametrize(
    ("run", "parse", "decision"),
    [
        (DocumentRun.DONE, True, Decision.DONE),
        (DocumentRun.RUNNING, True, Decision.WAIT),
        (DocumentRun.UNSTART, True, Decision.PARSE),
        (DocumentRun.FAIL, True, Decision.PARSE),
        (DocumentRun.CANCEL, True, Decision.PARSE),
        (DocumentRun.UNSTART, False, Decision.KEEP),
    ],
)
def test_a_file_whose_content_is_there_is_not_uploaded_again(run: DocumentRun, parse: bool, decision: Decision) -> None:
    inventory = Inventory([document("d1", "aaa", run)])
    planned = inventory.plan(found("docs/a.txt"), "aaa", parse=parse)
    assert planned.decision is decision
    assert planned.document is not None
    assert planned.document.id == "d1"


def test_new_content_is_uploaded_and_a_second_file_with_it_is_a_duplicate() -> None:
    inventory = Inventory([])
    assert inventory.plan(found("docs/a.txt"), "aaa", parse=True).decision is Decision.UPLOAD
    again = inventory.plan(found("docs/copy.txt"), "aaa", parse=True)
    assert again.decision is Decision.DUPLICATE
    assert again.duplicate_of == "docs/a.txt"
    # the same file planned twice (a retried batch) is not its own duplicate
    assert inventory.plan(found("docs/a.txt"), "aaa", parse=True).decision is Decision.UPLOAD


def test_documents_without_a_recorded_hash_are_candidates_by_name_and_size() -> None:
    unhashed = [
        document("same", None, name="a.txt"),
        document("renamed", None, name="a(1).txt"),
        document("other-size", None, name="a.txt", size=6),
        document("other-name", None, name="b.txt"),
        document("hashed", "bbb", name="a.txt"),
    ]
    inventory = Inventory(unhashed)
    assert [doc.id for doc in inventory.candidates(found("docs/a.txt"))] == ["same", "renamed"]
    inventory.add(document("same", "aaa", name="a.txt"))  # its hash learnt
    assert [doc.id for doc in inventory.candidates(found("docs/a.txt"))] == ["renamed"]
    assert inventory.plan(found("docs/a.txt"), "aaa", parse=True).decision is Decision.DONE


def test_a_changed_file_replaces_the_document_of_its_path() -> None:
    inventory = Inventory([document("old", "aaa", path="docs/a.txt"), document("kept", "ccc", path="docs/c.txt")])
    inventory.add(document("new", "bbb", path="docs/a.txt"))
    assert [doc.id for doc in inventory.replaced_by(found("docs/a.txt"), "bbb")] == ["old"]
    inventory.forget(["old"])
    assert inventory.replaced_by(found("docs/a.txt"), "bbb") == []
    assert inventory.plan(found("docs/other.txt"), "aaa", parse=True).decision is Decision.UPLOAD
