"""Pictures of PDF pages, so a chunk can be shown where it sits on its page.

A picture is rendered from the stored PDF on first request and kept in a small in-process
cache (most recently used first, bounded in bytes), so the twenty chunks of a page of results,
which mostly share a few pages, cost a few renders. The cache is keyed by the document's
stored file, which never changes under the same key, so an entry is never stale; every
request is checked against the caller's tenant before the cache is consulted. pdfium is
imported on the first picture, as the parsers import it (a server that shows none never loads it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ragloom.errors import ArgumentError, DataError
from ragloom.services.documents import DocumentService
from ragloom.services.file_types import FileType
from ragloom.services.tenants import Caller
from ragloom.storage.blobs import BlobStore

if TYPE_CHECKING:
    from ragloom.ingest.parsers.pdf_render import PagePicture

DEFAULT_WIDTH = 800
MIN_WIDTH = 64
MAX_WIDTH = 2000
MAX_SIDE = 4000  # pixels: a very tall page is rendered narrower, so neither side passes this
CACHE_BYTES = 64 << 20


@dataclass(frozen=True)
class PageImage:
    """A page picture ready to send: PNG bytes and the page's size in points."""

    png: bytes
    page_width: float
    page_height: float


class _PictureCache:
    """Rendered pages by (file, page, width), least recently used dropped past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._size = 0
        self._entries: OrderedDict[tuple[str, int, int], PagePicture] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, int]) -> PagePicture | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[str, int, int], picture: PagePicture) -> None:
        if len(picture.png) > self._limit:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            self._size -= len(previous.png) if previous else 0
            self._entries[key] = picture
            self._size += len(picture.png)
            while self._size > self._limit:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.png)


def page_number(text: str) -> int:
    """The ``{page}`` of the route as a page number from 1, or a clear refusal."""
    if not text.isdigit() or int(text) < 1:
        raise ArgumentError(f"Page must be a whole number from 1, not '{text}'.")
    return int(text)


class PageImageService:
    """Renders pages of the caller's PDF documents (see the module docstring)."""

    def __init__(self, documents: DocumentService, blobs: BlobStore, *, cache_bytes: int = CACHE_BYTES) -> None:
        self._documents = documents
        self._blobs = blobs
        self._cache = _PictureCache(cache_bytes)

    def page(self, caller: Caller, dataset_id: str, document_id: str, number: int, width: int) -> PageImage:
        """Page ``number`` of the document, ``width`` pixels wide (:data:`MIN_WIDTH`–:data:`MAX_WIDTH`).

        Another tenant's or a missing document is refused as a download is; a document that is
        not a PDF, and a page past its end, with what to do instead."""
        document = self._documents.stored(caller, dataset_id, document_id)
        if document.type != FileType.PDF:
            raise DataError(f"Only PDF documents have page images; {document.name} is not a PDF.")
        key = (document.location, number, width)
        picture = self._cache.get(key)
        if picture is None:
            from ragloom.ingest.parsers.pdf_render import render_page  # pdfium only once a page is asked for

            picture = render_page(
                self._blobs.get(document.location), number, width, max_side=MAX_SIDE, name=document.name
            )
            self._cache.put(key, picture)
        return PageImage(picture.png, picture.page_width, picture.page_height)
