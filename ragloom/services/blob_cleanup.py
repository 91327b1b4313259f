"""Keeping the blob store in step with the metadata store.

Rows are deleted first and files after the commit, and files are written before their
rows are committed; a crash between the two steps leaves a file no row points to, and a
crash in the middle of a write leaves a partial file. Both are harmless but take space,
so :func:`sweep_orphans` removes them at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ragloom.services.chunks import image_folder
from ragloom.storage.blobs import BlobStore
from ragloom.storage.metadata import MetadataStore

log = logging.getLogger(__name__)


def remove_blobs(blobs: BlobStore, locations: Iterable[str]) -> None:
    """Delete files whose rows are gone; a failure is logged and left to the sweep."""
    for location in locations:
        try:
            blobs.delete(location)
        except OSError as error:
            log.warning("blob delete failed; the start-up sweep will remove it: %s (%s)", location, error)


def sweep_orphans(store: MetadataStore, blobs: BlobStore) -> int:
    """Delete what interrupted writes left and every blob no document or dataset owns;
    returns how many blobs were removed (partial files not counted).

    A dataset owns its chunk images: they are kept while it exists (which chunks still show
    them is the index's business) and swept once it is deleted. Run this only while no upload
    is in flight (at server start), or it could remove a file whose row is about to be
    committed.
    """
    partials = blobs.discard_interrupted_writes()
    if partials:
        log.info("removed %d partial file(s) of interrupted writes", partials)
    with store.reading() as tx:
        referenced = tx.documents.all_locations()
        image_folders = tuple(image_folder(tenant, dataset) for tenant, dataset in tx.datasets.owners_and_ids())
    orphans = [key for key in blobs.iter_keys() if key not in referenced and not key.startswith(image_folders)]
    remove_blobs(blobs, orphans)
    if orphans:
        log.info("removed %d orphan blob(s)", len(orphans))
    return len(orphans)
