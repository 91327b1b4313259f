"""Keeping the blob store in step with the metadata store.

Rows are deleted first and files after the commit, and files are written before their
rows are committed; a crash between the two steps leaves a file no row points to, and a
crash in the middle of a write leaves a partial file. Both are harmless but take space,
so :func:`sweep_orphans` removes them at start-up.

A server alone on its stores (the embedded SQLite database) removes them all. Servers sharing a
database and a blob store (PostgreSQL + S3, on several hosts) may start while another one is
uploading, so each keeps what was written in the last :data:`SHARED_GRACE_SECONDS`: a file whose
row is about to be committed, or an upload still in flight, is never taken for debris.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from ragloom.services.chunks import image_folder
from ragloom.storage.blobs import BlobStore
from ragloom.storage.metadata import MetadataStore

log = logging.getLogger(__name__)

SHARED_GRACE_SECONDS = 3600.0
"""How old debris must be before a server sharing its stores with others removes it."""


def remove_blobs(blobs: BlobStore, locations: Iterable[str]) -> None:
    """Delete files whose rows are gone; a failure is logged and left to the sweep."""
    for location in locations:
        try:
            blobs.delete(location)
        except OSError as error:
            log.warning("blob delete failed; the start-up sweep will remove it: %s (%s)", location, error)


def sweep_orphans(store: MetadataStore, blobs: BlobStore, *, grace_seconds: float | None = None) -> int:
    """Delete what interrupted writes left and every blob no document or dataset owns;
    returns how many blobs were removed (partial files not counted).

    A dataset owns its chunk images: they are kept while it exists (which chunks still show
    them is the index's business) and swept once it is deleted. Without ``grace_seconds`` run
    this only while no upload is in flight (at the start of a server alone on its stores), or it
    could remove a file whose row is about to be committed; with it, what was written in the last
    ``grace_seconds`` is kept.
    """
    before = None if grace_seconds is None else time.time() - grace_seconds
    partials = blobs.discard_interrupted_writes(begun_before=before)
    if partials:
        log.info("removed %d partial file(s) of interrupted writes", partials)
    with store.reading() as tx:
        referenced = tx.documents.all_locations()
        image_folders = tuple(image_folder(tenant, dataset) for tenant, dataset in tx.datasets.owners_and_ids())
    # the keys are listed after the rows were read: a blob written since is younger than the grace
    keys = blobs.iter_keys(modified_before=before)
    orphans = [key for key in keys if key not in referenced and not key.startswith(image_folders)]
    remove_blobs(blobs, orphans)
    if orphans:
        log.info("removed %d orphan blob(s)", len(orphans))
    return len(orphans)
