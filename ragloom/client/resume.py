"""Resuming an ingest: what the dataset already holds, by content hash.

A file is uploaded once: each document an ingest creates carries the SHA-256 of its file and
the path it came from in ``meta_fields`` (:data:`~ragloom.client.target.META_SHA256`,
:data:`~ragloom.client.target.META_PATH`), which any later run — over HTTP or on the data
directory — can read. A run killed between an upload and that annotation leaves a document
whose hash is not recorded; :meth:`Inventory.candidates` names the documents that could be
such a file (no recorded hash, the same size, the same name or a de-duplicated form of it,
``name(1).txt``), and the caller hashes their stored bytes to know.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ragloom.client.target import DocumentRun, RemoteDocument
from ragloom.client.walk import FoundFile

_READ_SIZE = 1 << 20
_DEDUPLICATED = re.compile(r"^(?P<stem>.*)\(\d+\)$")


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(_READ_SIZE):
            digest.update(block)
    return digest.hexdigest()


def base_name(document_name: str) -> str:
    """The name a document had before the server made it unique: ``a(2).txt`` → ``a.txt``."""
    stem, dot, extension = document_name.rpartition(".")
    if not dot:
        stem, extension = document_name, ""
    match = _DEDUPLICATED.match(stem)
    if match is None:
        return document_name
    return f"{match['stem']}.{extension}" if dot else match["stem"]


class Decision(StrEnum):
    """What a run does with one file."""

    UPLOAD = "upload"  # nothing holds its content yet
    PARSE = "parse"  # uploaded, not parsed (or the parse failed or was stopped): parse it
    WAIT = "wait"  # uploaded and being parsed: wait for it
    DONE = "done"  # uploaded and parsed: nothing to do
    KEEP = "keep"  # uploaded; this run does not parse
    DUPLICATE = "duplicate"  # another file of this run has the same content


@dataclass(frozen=True)
class Planned:
    """A file, its hash and what to do with it; ``document`` is the one already holding it."""

    file: FoundFile
    sha256: str
    decision: Decision
    document: RemoteDocument | None = None
    duplicate_of: str = ""


class Inventory:
    """The documents of a dataset, found by the hash of the file each was made from."""

    def __init__(self, documents: Iterable[RemoteDocument]) -> None:
        self._by_hash: dict[str, RemoteDocument] = {}
        self._unhashed: dict[str, RemoteDocument] = {}
        self._by_path: dict[str, list[RemoteDocument]] = {}
        self._claimed: dict[str, str] = {}  # hash -> relative path of the file of this run holding it
        for document in documents:
            self.add(document)

    def add(self, document: RemoteDocument) -> None:
        """Know of a document (just uploaded, or its hash just learnt)."""
        self._unhashed.pop(document.id, None)
        if document.sha256 is None:
            self._unhashed[document.id] = document
        else:
            self._by_hash.setdefault(document.sha256, document)
        if document.path is not None:
            self._by_path.setdefault(document.path, []).append(document)

    def candidates(self, file: FoundFile) -> list[RemoteDocument]:
        """Documents with no recorded hash that could hold ``file``: same size, same name before
        de-duplication. Their stored bytes must be hashed to know."""
        return [
            document
            for document in self._unhashed.values()
            if document.size == file.size and base_name(document.name) == file.name
        ]

    def plan(self, file: FoundFile, sha256: str, *, parse: bool) -> Planned:
        """What to do with ``file`` (its hash ``sha256``) given what the dataset holds; the first
        file of a run with some content claims it, later ones are duplicates."""
        claimant = self._claimed.get(sha256)
        if claimant is not None and claimant != file.relative:
            return Planned(file, sha256, Decision.DUPLICATE, self._by_hash.get(sha256), duplicate_of=claimant)
        self._claimed[sha256] = file.relative
        document = self._by_hash.get(sha256)
        if document is None:
            return Planned(file, sha256, Decision.UPLOAD)
        if not parse:
            return Planned(file, sha256, Decision.KEEP, document)
        if document.run is DocumentRun.DONE:
            return Planned(file, sha256, Decision.DONE, document)
        if document.run is DocumentRun.RUNNING:
            return Planned(file, sha256, Decision.WAIT, document)
        return Planned(file, sha256, Decision.PARSE, document)

    def replaced_by(self, file: FoundFile, sha256: str) -> list[RemoteDocument]:
        """Documents ingested from the same path with other content: the file changed since."""
        return [document for document in self._by_path.get(file.relative, []) if document.sha256 != sha256]

    def forget(self, document_ids: Iterable[str]) -> None:
        """Documents deleted: drop them."""
        gone = set(document_ids)
        self._by_hash = {sha: doc for sha, doc in self._by_hash.items() if doc.id not in gone}
        self._unhashed = {key: doc for key, doc in self._unhashed.items() if key not in gone}
        self._by_path = {
            path: [doc for doc in documents if doc.id not in gone] for path, documents in self._by_path.items()
        }
