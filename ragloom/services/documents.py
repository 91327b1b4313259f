"""Documents of a dataset: upload, list, update, download and delete."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

from ragloom.clock import now_ms
from ragloom.errors import (
    ArgumentError,
    AuthorizationError,
    DataError,
    StorageError,
    UnsupportedFileTypeError,
)
from ragloom.ids import new_id
from ragloom.nlp import TextAnalyzer
from ragloom.services.blob_cleanup import remove_blobs
from ragloom.services.file_types import FileType, content_type_of, extension_of, file_type_of, initial_chunk_method
from ragloom.services.metadata_filter import matches_simple, matching_ids
from ragloom.services.names import first_free_name, split_extension
from ragloom.services.ordering import check_orderby
from ragloom.services.parser_config import lift_ext, method_defaults
from ragloom.services.parsing import cancel_active_tasks
from ragloom.services.retry import retry_on_conflict
from ragloom.services.tenants import Caller
from ragloom.settings import UploadSettings
from ragloom.storage.blobs import BlobStore
from ragloom.storage.index import ChunkIndex
from ragloom.storage.metadata import MetadataStore, Transaction, retried
from ragloom.storage.metadata.documents import SORTABLE_COLUMNS, DocumentQuery, DocumentState
from ragloom.storage.metadata.tables import Dataset, Document, Tenant
from ragloom.storage.queue import TaskQueue

NAME_BYTE_LIMIT = 255
RUN_WORDS = {"0": "UNSTART", "1": "RUNNING", "2": "CANCEL", "3": "DONE", "4": "FAIL", "5": "SCHEDULE"}
_RUN_DIGITS = {word: digit for digit, word in RUN_WORDS.items()}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ORDER_ALIASES = {
    "chunk_num": "chunk_count",
    "token_num": "token_count",
    "kb_id": "dataset_id",
    "parser_id": "chunk_method",
}
_UNSUPPORTED_CHUNK_METHOD_EXTENSIONS = {"ppt", "pptx", "pages"}


def run_word(run: str) -> str:
    """The wire word for a stored run digit (``SCHEDULE`` shows as ``UNSTART``)."""
    word = RUN_WORDS.get(run, "UNSTART")
    return "UNSTART" if word == "SCHEDULE" else word


def run_digit(value: str) -> str | None:
    """A run state sent as a digit (``"3"``) or a word (``"DONE"``) as its stored digit, or ``None``."""
    text = value.strip()
    if text in RUN_WORDS:
        return text
    return _RUN_DIGITS.get(text.upper())


def blob_key(document: Document) -> str:
    return f"{document.tenant_id}/{document.dataset_id}/{document.id}"


def check_file_name(name: str) -> None:
    """Refuse names that are empty, too long, path-like or hold control characters."""
    if not name:
        raise ArgumentError("No file selected!")
    if len(name.encode("utf-8")) > NAME_BYTE_LIMIT:
        raise ArgumentError("File name must be 255 bytes or less.")
    if "/" in name or "\\" in name or name.strip() in {".", ".."}:
        raise ArgumentError(f"File name must not be a path: {name!r}")
    if _CONTROL.search(name):
        raise ArgumentError(f"File name must not contain control characters: {name!r}")


@dataclass(frozen=True)
class IncomingFile:
    """One file part of an upload request."""

    name: str
    stream: BinaryIO
    size: int
    meta_fields: dict[str, Any] | None = None  # the new document's (``ragloom ingest`` records its file's hash)


@dataclass(frozen=True)
class DocumentView:
    """A document with its creator (for ``nickname``)."""

    record: Document
    creator: Tenant | None


@dataclass(frozen=True)
class DocumentListing:
    """A document list request as it arrived (strings are validated by the service)."""

    document_id: str | None = None
    document_ids: tuple[str, ...] = ()
    name: str | None = None
    keywords: str | None = None
    suffixes: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    runs: tuple[str, ...] = ()
    create_time_from: int = 0
    create_time_to: int = 0
    metadata_condition: str | None = None
    metadata: str | None = None
    return_empty_metadata: bool = False
    page: int = 1
    page_size: int = 30
    orderby: str = "create_time"
    desc: bool = True


@dataclass(frozen=True)
class Download:
    """A document's bytes, ready to stream."""

    name: str
    content_type: str
    size: int
    chunks: Iterator[bytes]


def dataset_not_owned(dataset_id: str) -> DataError:
    return DataError(f"You don't own the dataset {dataset_id}. ")


class DocumentService:
    """The rules of documents; every method is scoped to the caller's tenant."""

    def __init__(
        self,
        store: MetadataStore,
        blobs: BlobStore,
        index: ChunkIndex,
        analyzer: TextAnalyzer,
        upload: UploadSettings,
        queue: TaskQueue,
    ) -> None:
        self._queue = queue
        self._store = store
        self._blobs = blobs
        self._index = index
        self._analyzer = analyzer
        self._upload = upload

    # ---- upload -------------------------------------------------------------------------

    def _upload_target(self, tx: Transaction, caller: Caller, dataset_id: str) -> Dataset:
        dataset = tx.datasets.get(dataset_id)
        if dataset is None:
            raise DataError(f"Can't find the dataset with ID {dataset_id}!")
        if dataset.tenant_id != caller.tenant_id:
            raise AuthorizationError("No authorization.")
        return dataset

    def check_upload_target(self, caller: Caller, dataset_id: str) -> None:
        """Raise unless the caller may upload into the dataset."""
        with self._store.reading() as tx:
            self._upload_target(tx, caller, dataset_id)

    def upload(
        self,
        caller: Caller,
        dataset_id: str,
        files: list[IncomingFile],
        *,
        parser_overrides: dict[str, Any] | None = None,
    ) -> list[Document]:
        """Store every file or none: names are checked first, rows and files go together.

        ``parser_overrides`` are merged over the dataset's ``parser_config`` for these files.
        """
        if not files:
            raise ArgumentError("No file part!")
        if len(files) > self._upload.max_files:
            raise ArgumentError(f"Too many files in one request: {len(files)}; the limit is {self._upload.max_files}.")
        for incoming in files:
            check_file_name(incoming.name)
        unsupported = [
            f"{f.name}: This type of file has not been supported yet!" for f in files if file_type_of(f.name) is None
        ]
        if unsupported:
            raise UnsupportedFileTypeError("\n".join(unsupported))
        limit = self._upload.max_file_size
        for incoming in files:
            if incoming.size > limit:
                raise ArgumentError(f"File {incoming.name} is {incoming.size} bytes, over the limit of {limit} bytes.")
        with self._store.reading() as tx:
            dataset = self._upload_target(tx, caller, dataset_id)

        documents = [self._new_document(caller, dataset, incoming.name) for incoming in files]
        for document, incoming in zip(documents, files, strict=True):
            document.parser_config = {**document.parser_config, **(parser_overrides or {})}
            if incoming.meta_fields:
                document.meta_fields = dict(incoming.meta_fields)
        written: list[str] = []
        try:
            for document, incoming in zip(documents, files, strict=True):
                info = self._blobs.put(document.location, incoming.stream)
                written.append(document.location)
                document.size, document.content_hash = info.size, info.sha256
            return retry_on_conflict(lambda: self._insert(caller, dataset_id, documents), what="the documents")
        except BaseException:
            remove_blobs(self._blobs, written)
            raise

    def _new_document(self, caller: Caller, dataset: Dataset, name: str) -> Document:
        file_type = file_type_of(name) or FileType.OTHER
        now = now_ms()
        document = Document(
            id=new_id(),
            dataset_id=dataset.id,
            tenant_id=dataset.tenant_id,
            created_by=caller.tenant_id,
            name=name,
            suffix=extension_of(name),
            type=str(file_type),
            size=0,
            content_hash="",
            source_type="local",
            thumbnail="",
            chunk_method=initial_chunk_method(name, file_type, dataset.chunk_method),
            pipeline_id=dataset.pipeline_id,
            parser_config=dict(dataset.parser_config),
            meta_fields={},
            status="1",
            run="0",
            progress=0.0,
            progress_msg="",
            process_begin_at=None,
            process_duration=0.0,
            chunk_count=0,
            token_count=0,
            create_time=now,
            update_time=now,
        )
        document.location = blob_key(document)
        return document

    def _insert(self, caller: Caller, dataset_id: str, documents: list[Document]) -> list[Document]:
        with self._store.writing() as tx:
            self._upload_target(tx, caller, dataset_id)
            tx.datasets.lock(dataset_id)
            for document in documents:
                document.name = first_free_name(document.name, lambda name: tx.documents.name_taken(dataset_id, name))
                tx.documents.add(document)
            for document in documents:
                tx.session.expunge(document)
            return documents

    def create_empty(self, caller: Caller, dataset_id: str, name: str) -> Document:
        """A virtual document with no bytes (upload ``type=empty``)."""
        if not name:
            raise ArgumentError("File name can't be empty.")
        check_file_name(name)
        with self._store.writing() as tx:
            dataset = self._upload_target(tx, caller, dataset_id)
            tx.datasets.lock(dataset_id)
            if tx.documents.name_taken(dataset_id, name):
                raise DataError("Duplicated document name in the same dataset.")
            document = self._new_document(caller, dataset, name)
            document.type = str(FileType.VIRTUAL)
            return tx.documents.add(document)

    # ---- list ---------------------------------------------------------------------------

    def list_page(self, caller: Caller, dataset_id: str, listing: DocumentListing) -> tuple[list[DocumentView], int]:
        """One page of a dataset's documents and the number matching the filters."""
        with self._store.reading() as tx:
            if tx.datasets.owned(caller.tenant_id, dataset_id) is None:
                raise dataset_not_owned(dataset_id)
            query = self._query(tx, dataset_id, listing)
            if query is None:
                return [], 0
            documents, total = tx.documents.page(query)
            creators = {document.created_by: tx.tenants.get(document.created_by) for document in documents}
            return [DocumentView(document, creators[document.created_by]) for document in documents], total

    def aggregate(self, caller: Caller, dataset_id: str, listing: DocumentListing) -> dict[str, Any]:
        """Counts of suffixes, run states and metadata values over the matching documents."""
        with self._store.reading() as tx:
            if tx.datasets.owned(caller.tenant_id, dataset_id) is None:
                raise dataset_not_owned(dataset_id)
            query = self._query(tx, dataset_id, replace(listing, page=0, page_size=0))
            documents = tx.documents.page(query)[0] if query is not None else []
        suffixes: Counter[str] = Counter(document.suffix for document in documents)
        runs: Counter[str] = Counter(document.run for document in documents)
        metadata: dict[str, Counter[str]] = {}
        for document in documents:
            for key, value in (document.meta_fields or {}).items():
                for item in value if isinstance(value, list) else [value]:
                    metadata.setdefault(key, Counter())[str(item)] += 1
        return {
            "total": len(documents),
            "filter": {
                "suffix": dict(suffixes),
                "run_status": dict(runs),
                "metadata": {key: dict(values) for key, values in metadata.items()},
            },
        }

    def _query(self, tx: Transaction, dataset_id: str, listing: DocumentListing) -> DocumentQuery | None:
        if listing.document_id and listing.document_ids:
            raise DataError(f"Should not provide both 'id':{listing.document_id} and 'ids'{list(listing.document_ids)}")
        if listing.document_id and tx.documents.in_dataset(dataset_id, listing.document_id) is None:
            raise DataError(f"You don't own the document {listing.document_id}.")
        if listing.document_ids:
            present = {document.id for document in tx.documents.many_in_dataset(dataset_id, listing.document_ids)}
            missing = [document_id for document_id in listing.document_ids if document_id not in present]
            if missing:
                raise DataError(f"You don't own the document {', '.join(missing)}.")
        if listing.name and not tx.documents.name_taken(dataset_id, listing.name):
            raise DataError(f"You don't own the document {listing.name}.")
        types = tuple(dict.fromkeys(listing.types))
        bad_types = [value for value in types if value not in {str(member) for member in FileType}]
        if bad_types:
            plural = "s" if len(bad_types) > 1 else ""
            raise DataError(f"Invalid filter conditions: {', '.join(bad_types)} type{plural}")
        runs = tuple(run_digit(value) for value in listing.runs)
        bad_runs = [raw for raw, digit in zip(listing.runs, runs, strict=True) if digit is None]
        if bad_runs:
            raise DataError(f"Invalid filter run status conditions: {', '.join(bad_runs)}")
        orderby = _ORDER_ALIASES.get(listing.orderby, listing.orderby)
        check_orderby(orderby, SORTABLE_COLUMNS)
        only_ids = self._metadata_restriction(tx, dataset_id, listing)
        if listing.document_ids:
            wanted = frozenset(listing.document_ids)
            only_ids = wanted if only_ids is None else only_ids & wanted
        if only_ids is not None and not only_ids:
            return None
        paged = listing.page > 0 and listing.page_size > 0
        return DocumentQuery(
            dataset_id=dataset_id,
            document_id=listing.document_id or None,
            name=listing.name or None,
            name_contains=listing.keywords or None,
            only_ids=only_ids,
            suffixes=tuple(suffix.lower().lstrip(".") for suffix in listing.suffixes),
            types=types,
            runs=tuple(digit for digit in runs if digit is not None),
            create_time_from=listing.create_time_from,
            create_time_to=listing.create_time_to,
            orderby=orderby,
            desc=listing.desc,
            offset=(listing.page - 1) * listing.page_size if paged else 0,
            limit=listing.page_size if paged else None,
        )

    def _metadata_restriction(
        self, tx: Transaction, dataset_id: str, listing: DocumentListing
    ) -> frozenset[str] | None:
        if not (listing.metadata_condition or listing.metadata or listing.return_empty_metadata):
            return None
        restriction: frozenset[str] | None = None
        metas = tx.documents.metadata_of_dataset(dataset_id)
        if listing.metadata_condition:
            condition = _json_object(listing.metadata_condition, "metadata_condition")
            if condition.get("conditions"):
                restriction = frozenset(matching_ids(metas, condition))
        return_empty = listing.return_empty_metadata
        if listing.metadata:
            wanted = _json_object(listing.metadata, "metadata", raw_in_message=False)
            if wanted.pop("empty_metadata", False):
                return_empty = True
            if wanted:
                found = frozenset(document_id for document_id, meta in metas if matches_simple(meta, wanted))
                restriction = found if restriction is None else restriction & found
        if return_empty:
            empty = frozenset(document_id for document_id, meta in metas if not meta)
            restriction = empty if restriction is None else restriction & empty
        return restriction

    # ---- read one, download ----------------------------------------------------------------

    def require(self, caller: Caller, dataset_id: str, document_id: str) -> Document:
        """The document, or the errors document updates give (contract §4.3 step 1)."""
        with self._store.reading() as tx:
            return _document_to_update(tx, caller, dataset_id, document_id)

    def present(self, caller: Caller, dataset_id: str, document_ids: list[str]) -> list[Document]:
        """Those of ``document_ids`` still in the caller's dataset (a client watching them parse)."""
        with self._store.reading() as tx:
            if tx.datasets.owned(caller.tenant_id, dataset_id) is None:
                raise dataset_not_owned(dataset_id)
            return tx.documents.many_in_dataset(dataset_id, document_ids)

    def states(self, caller: Caller, dataset_id: str, document_ids: list[str]) -> list[DocumentState]:
        """How the parses of those of ``document_ids`` still in the caller's dataset stand (as
        :meth:`present`, only the fields a client watching them needs, cheaply)."""
        with self._store.reading() as tx:
            if tx.datasets.owned(caller.tenant_id, dataset_id) is None:
                raise dataset_not_owned(dataset_id)
            return tx.documents.states_in_dataset(dataset_id, document_ids)

    def download(self, caller: Caller, dataset_id: str | None, document_id: str, *, preview: bool = False) -> Download:
        """The stored bytes; refuses other tenants' documents and empty files.

        Without ``dataset_id`` the document is looked up by id alone (``/documents/{id}``,
        or its ``/preview``, which words a missing document differently).
        """
        document = self.stored(caller, dataset_id, document_id, preview=preview)
        return Download(
            name=document.name,
            content_type=content_type_of(document.name, document.type),
            size=self._blobs.size(document.location),
            chunks=self._blobs.iter_chunks(document.location),
        )

    def stored(self, caller: Caller, dataset_id: str | None, document_id: str, *, preview: bool = False) -> Document:
        """The caller's document whose file is in storage, refused as a download refuses it:
        another tenant's or a missing one, an empty file, a file gone from storage."""
        with self._store.reading() as tx:
            if dataset_id is None:
                document = tx.documents.get(document_id)
                if document is None or document.tenant_id != caller.tenant_id:
                    missing = "Document not found!" if preview else f"The dataset not own the document {document_id}."
                    raise DataError(missing)
            else:
                if tx.datasets.owned(caller.tenant_id, dataset_id) is None:
                    raise DataError(f"You do not own the dataset {dataset_id}.")
                found = tx.documents.in_dataset(dataset_id, document_id)
                if found is None:
                    raise DataError(f"The dataset not own the document {document_id}.")
                document = found
        if document.size == 0:
            raise DataError("This file is empty.")
        if not self._blobs.exists(document.location):
            raise StorageError(f"The file of document {document.id} is missing from storage.")
        return document

    # ---- update -------------------------------------------------------------------------------

    @retried
    def update(self, caller: Caller, dataset_id: str, document_id: str, values: dict[str, Any]) -> Document:
        """Apply validated, sent keys (contract §4.3 steps 3–5 and effects)."""
        with self._store.writing() as tx:
            document = _document_to_update(tx, caller, dataset_id, document_id)
            if "name" in values:
                tx.datasets.lock(dataset_id)
            for field in ("chunk_count", "token_count", "progress"):
                if values.get(field) and values[field] != getattr(document, field):
                    raise DataError(f"Can't change `{field}`.")
            name: str | None = values.get("name")
            renamed = name is not None and name != document.name
            if name is not None and renamed:
                self._check_rename(tx, document, name)
                document.name = name
            chunk_method = values.get("chunk_method")
            if chunk_method is not None:
                if chunk_method == "":
                    raise DataError("`chunk_method` (empty string) is not valid")
                if (
                    document.type == FileType.VISUAL
                    or extension_of(document.name) in _UNSUPPORTED_CHUNK_METHOD_EXTENSIONS
                ):
                    raise DataError("Not supported yet!")
            if "meta_fields" in values:
                document.meta_fields = dict(values["meta_fields"])
            if values.get("parser_config") is not None:
                document.parser_config = lift_ext(values["parser_config"])
            method_changed = chunk_method is not None and chunk_method.lower() != document.chunk_method.lower()
            reset = method_changed or values.get("pipeline_id") is not None
            if reset:
                cancel_active_tasks(tx, self._queue, document.id)
                self._reset_for_reparse(document)
                if values.get("parser_config") is None and chunk_method is not None:
                    document.parser_config = method_defaults(chunk_method)
            if chunk_method is not None:
                document.chunk_method = chunk_method
            if values.get("pipeline_id") is not None:
                document.pipeline_id = values["pipeline_id"]
            if values.get("enabled") is not None:
                document.status = str(values["enabled"])
            document.update_time = now_ms()
            tx.session.flush()
            tx.session.expunge(document)
        if reset:
            self._index.delete(dataset_id, document_ids=[document.id])
        if renamed:
            title_terms = self._analyzer.joined(split_extension(document.name)[0])
            self._index.rename_document(dataset_id, document.id, document.name, title_terms)
        if values.get("enabled") is not None:
            self._index.set_available(dataset_id, bool(values["enabled"]), document_id=document.id)
        return document

    def _check_rename(self, tx: Transaction, document: Document, name: str) -> None:
        if len(name.encode("utf-8")) > NAME_BYTE_LIMIT:
            raise ArgumentError("File name must be 255 bytes or less.")
        if extension_of(name) != extension_of(document.name):
            raise ArgumentError("The extension of file can't be changed")
        check_file_name(name)
        if tx.documents.name_taken(document.dataset_id, name, except_id=document.id):
            raise DataError("Duplicated document name in the same dataset.")

    @staticmethod
    def _reset_for_reparse(document: Document) -> None:
        document.run = "0"
        document.progress = 0.0
        document.progress_msg = ""
        document.chunk_count = 0
        document.token_count = 0
        document.process_begin_at = None
        document.process_duration = 0.0

    # ---- delete -------------------------------------------------------------------------------

    def delete(self, caller: Caller, dataset_id: str, document_ids: list[str] | None, delete_all: bool) -> int:
        """Delete the named documents (all or none) or every document of the dataset."""
        with self._store.writing() as tx:
            if tx.datasets.owned(caller.tenant_id, dataset_id) is None:
                raise dataset_not_owned(dataset_id)
            if not document_ids and not delete_all:
                raise DataError(f"should either provide doc ids or set delete_all(true), dataset: {dataset_id}. ")
            if document_ids and delete_all:
                raise DataError(f"should not provide both doc ids and delete_all(true), dataset: {dataset_id}. ")
            if document_ids:
                targets = tx.documents.many_in_dataset(dataset_id, document_ids)
                present = {document.id for document in targets}
                missing = [document_id for document_id in document_ids if document_id not in present]
                if missing:
                    raise DataError(
                        f"These documents do not belong to dataset {dataset_id} "
                        f"or Document not found: {', '.join(missing)}"
                    )
            else:
                targets = tx.documents.of_dataset(dataset_id)
            deleted = tx.documents.delete([document.id for document in targets])
            locations = [document.location for document in targets]
        if targets:
            self._index.delete(dataset_id, document_ids=[document.id for document in targets])
        remove_blobs(self._blobs, locations)
        return deleted


def _document_to_update(tx: Transaction, caller: Caller, dataset_id: str, document_id: str) -> Document:
    if tx.datasets.owned(caller.tenant_id, dataset_id) is None:
        raise DataError("You don't own the dataset.")
    document = tx.documents.in_dataset(dataset_id, document_id)
    if document is None:
        raise DataError("The dataset doesn't own the document.")
    return document


def _json_object(raw: str, what: str, *, raw_in_message: bool = True) -> dict[str, Any]:
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise DataError(
            f"{what} must be valid JSON: {raw}." if raw_in_message else f"{what} must be valid JSON."
        ) from None
    if not isinstance(parsed, dict):
        raise DataError(f"{what} must be an object.")
    return parsed
