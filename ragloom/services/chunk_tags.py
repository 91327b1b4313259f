"""The tags of a dataset's chunks: list, count across datasets, rename, remove (contract §13.3).

Tags are the chunks' ``tag_keywords`` (RAGFlow's ``tag_kwd``): set by hand on a chunk, or the
labels of a ``tag``-method dataset's rows. Renaming and removing rewrite every chunk of the
dataset that carries the tag, in the chunk index.
"""

from __future__ import annotations

from collections.abc import Collection

from ragloom.errors import ArgumentError
from ragloom.services.dataset_access import no_authorization, owned_dataset, owned_datasets
from ragloom.services.tenants import Caller
from ragloom.storage.index import ChunkIndex
from ragloom.storage.metadata import MetadataStore


class TagService:
    """Tags of the caller's datasets."""

    def __init__(self, store: MetadataStore, index: ChunkIndex, *, max_tag_length: int) -> None:
        self._store = store
        self._index = index
        self._max_tag_length = max_tag_length

    def _require(self, caller: Caller, dataset_id: str) -> None:
        with self._store.reading() as tx:
            owned_dataset(tx, caller, dataset_id, no_authorization())

    def counts(self, caller: Caller, dataset_id: str) -> list[tuple[str, int]]:
        """Each tag of the dataset with how many chunks carry it, most common first."""
        self._require(caller, dataset_id)
        return self._index.tag_counts([dataset_id])

    def aggregate(self, caller: Caller, dataset_ids: Collection[str]) -> list[tuple[str, int]]:
        """Tag counts summed over several datasets, all of them the caller's."""
        with self._store.reading() as tx:
            wanted = owned_datasets(tx, caller, dataset_ids)
        return self._index.tag_counts(wanted)

    def rename(self, caller: Caller, dataset_id: str, old: str, new: str) -> int:
        """Put ``new`` in place of ``old`` on every chunk; returns how many chunks changed.

        Renaming to an empty tag is refused: it would leave a tag no one can name. An empty
        ``old`` names no tag, so nothing changes (RAGFlow answers that with success too).
        """
        self._require(caller, dataset_id)
        if old and not new.strip():
            raise ArgumentError("to_tag must not be empty")
        if len(new) > self._max_tag_length:
            raise ArgumentError(f"to_tag is longer than the limit of {self._max_tag_length} characters.")
        if not old or old == new:
            return 0
        return self._index.replace_tag(dataset_id, old, new)

    def remove(self, caller: Caller, dataset_id: str, tags: Collection[str]) -> int:
        """Take the tags off every chunk; returns how many chunks changed."""
        self._require(caller, dataset_id)
        return self._index.remove_tags(dataset_id, [tag for tag in tags if tag])
