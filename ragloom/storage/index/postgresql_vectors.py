"""Building the PostgreSQL index's per-dimension HNSW indexes off the write path.

The first write of vectors of a new dimension starts one background thread that builds that
dimension's index (:func:`~ragloom.storage.index.postgresql_schema.create_vector_index`,
``CREATE INDEX CONCURRENTLY``). ``CONCURRENTLY`` waits for every transaction already open in the
database — the metadata store's too when the index shares its database — so the write that asked
for it must not wait: a caller holding a transaction would wait for itself. Until the index is
valid, searches scan exactly (they are exact either way). A build that fails (its waits are bounded
by ``lock_timeout``) is logged and tried again by a later write, no sooner than
:data:`RETRY_SECONDS` after.

Each index is built with the configured graph (:class:`~ragloom.storage.index.postgresql_schema.HnswGraph`,
the settings ``index.postgresql.hnsw_m`` and ``hnsw_ef_construction``). An index built with other
options is used as it is, with a warning on open: :meth:`VectorIndexes.rebuild` (``ragloom reindex``)
builds it again, which takes minutes at a million vectors and is not done behind a server's back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

import psycopg

from ragloom.storage.index.postgresql_connections import ConnectionPool
from ragloom.storage.index.postgresql_schema import (
    HnswGraph,
    create_vector_index,
    rebuild_vector_index,
    vector_index_graphs,
)

log = logging.getLogger(__name__)

RETRY_SECONDS = 600.0


class VectorIndexes:
    """Which dimensions have their HNSW index, and the builds under way."""

    def __init__(self, pool: ConnectionPool, graph: HnswGraph, *, build: bool = True) -> None:
        self._pool = pool
        self.graph = graph
        self._build_on_write = build
        built = vector_index_graphs(pool)
        for dimension, options in sorted(built.items()):
            if options != graph:
                log.warning(
                    "the HNSW index of %d-dimension vectors was built with %s; the settings ask for %s "
                    "(`ragloom reindex` builds it again)",
                    dimension,
                    options,
                    graph,
                )
        self._built = set(built)
        self._building: dict[int, threading.Thread] = {}
        self._retry_at: dict[int, float] = {}
        self._lock = threading.Lock()

    def ensure(self, dimensions: Iterable[int]) -> None:
        """Start building the index of each of ``dimensions`` that has none (returns at once)."""
        if not self._build_on_write:
            return
        now = time.monotonic()
        with self._lock:
            for dimension in sorted(set(dimensions)):
                if (
                    dimension <= 0
                    or dimension in self._built
                    or dimension in self._building
                    or self._retry_at.get(dimension, 0.0) > now
                ):
                    continue
                thread = threading.Thread(target=self._build, args=(dimension,), name=f"hnsw-{dimension}", daemon=True)
                self._building[dimension] = thread
                thread.start()

    def _build(self, dimension: int) -> None:
        try:
            create_vector_index(self._pool, dimension, self.graph)
        except (psycopg.Error, RuntimeError) as error:  # RuntimeError: the index was closed meanwhile
            log.warning(
                "the HNSW index of %d-dimension vectors was not built (tried again later): %s", dimension, error
            )
            with self._lock:
                self._retry_at[dimension] = time.monotonic() + RETRY_SECONDS
        else:
            with self._lock:
                self._built.add(dimension)
        finally:
            with self._lock:
                self._building.pop(dimension, None)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the builds under way (each at most ``timeout`` seconds)."""
        with self._lock:
            running = list(self._building.values())
        for thread in running:
            thread.join(timeout)

    def defer(self) -> None:
        """Build nothing on writes until :meth:`rebuild` (a bulk load builds once, at the end)."""
        self._build_on_write = False

    def rebuild(self, dimensions: Iterable[int]) -> None:
        """Build the index of each of ``dimensions`` again with the configured graph, one after the other,
        after the builds under way (blocks; searches and writes go on meanwhile); then writes build the
        index of a new dimension again."""
        self.wait()
        for dimension in sorted(set(dimensions)):
            rebuild_vector_index(self._pool, dimension, self.graph)
            with self._lock:
                self._built.add(dimension)
        self._build_on_write = True
