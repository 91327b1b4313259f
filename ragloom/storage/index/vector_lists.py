"""Nearest neighbours of a large dataset without scanning every vector: faiss inverted lists.

Below :data:`APPROXIMATE_FROM` eligible vectors a query scans every vector exactly (one matrix
product, a few milliseconds at 100,000). Above it, the scan's cost (memory bandwidth: 1.5 GB of
float32 at a million 384-dimension vectors, 60–90 ms on a laptop core) would dominate the query, so
each process keeps, next to a dataset's snapshot, an IVF index (``faiss.IndexIVFScalarQuantizer``):
the vectors clustered into about ``sqrt(n)`` lists by k-means, stored as 8-bit codes (a quarter of
the float32 size). A query reads the :data:`PROBED_SHARE` of the lists whose centres are nearest,
keeps the eligible rows among them (a bitmap of the snapshot's rows), and the candidates it returns
are re-scored exactly against the snapshot's float32 vectors: every similarity reported is exact,
only *which* rows are candidates is approximate (``benchmarks/retrieval_latency.py --scale`` prints
recall@10 against an exact scan).

The index is built from a snapshot in a background thread the first time a query needs it (queries
scan exactly until it is ready), grows with the rows that extensions of the snapshot append, and is
built again when the snapshot is read again after a rewrite (rows are addressed by their position in
the snapshot, which a rewrite moves). The positions it holds are those of the snapshot it was built
from and the extensions after it, so any of them can search it: rows it does not know are not
eligible for it.
"""

from __future__ import annotations

import importlib
import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    from collections.abc import Callable

    import numpy as np
    import numpy.typing as npt

APPROXIMATE_FROM = 200_000
"""Eligible vectors in one dataset from which a query uses the inverted lists (once built)."""
PROBED_SHARE = 1 / 16
"""The share of the lists a query reads (at least :data:`MIN_PROBES`)."""
MIN_PROBES = 32
TRAINING_POINTS_PER_LIST = 40
"""k-means trains on this many sampled vectors per list (faiss asks for at least 39)."""
TRAINING_ROUNDS = 10
SEED = 1234
ADD_BLOCK = 65_536
"""Vectors added to the lists at a time while building (bounds the build's extra memory)."""


@dataclass(frozen=True)
class Nearest:
    """Candidates from the inverted lists: snapshot positions and their exact cosines, nearest first."""

    positions: npt.NDArray[np.intp]
    similarity: npt.NDArray[np.float32]


def list_count(vectors: int) -> int:
    """How many inverted lists for ``vectors`` vectors: about their square root."""
    return max(1, int(math.sqrt(vectors)))


class VectorLists:
    """The inverted lists of one dataset's vectors in this process (see the module docstring).

    Thread-safe: one lock guards the faiss index (its searches and additions must not overlap).
    """

    def __init__(self, start: Callable[[Callable[[], None]], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._index: Any = None
        self._count = 0  # snapshot rows the index holds (positions 0 .. count - 1)
        self._building = False
        self._built = threading.Event()
        self._start = start or _in_thread

    @property
    def ready(self) -> bool:
        return self._index is not None

    def build_from(self, vectors: npt.NDArray[np.float32]) -> None:
        """Start building from the snapshot's vectors (once; later calls do nothing)."""
        with self._lock:
            if self._building or self._index is not None:
                return
            self._building = True
        self._start(lambda: self._build(vectors))

    def _build(self, vectors: npt.NDArray[np.float32]) -> None:
        import numpy as np

        faiss = _faiss()
        count, dimension = vectors.shape
        lists = list_count(count)
        generator = np.random.default_rng(SEED)
        sample = vectors[np.sort(generator.choice(count, min(count, TRAINING_POINTS_PER_LIST * lists), replace=False))]
        index = faiss.IndexIVFScalarQuantizer(
            faiss.IndexFlatIP(dimension), dimension, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        index.cp.niter = TRAINING_ROUNDS
        index.cp.seed = SEED
        index.train(np.ascontiguousarray(sample))
        for first in range(0, count, ADD_BLOCK):  # faiss holds a float copy of what it adds at once
            index.add(np.ascontiguousarray(vectors[first : first + ADD_BLOCK]))
        with self._lock:
            self._index, self._count = index, count
        self._built.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the index is built (``build_from`` must have been called); true if it is."""
        return self._built.wait(timeout)

    def nearest(
        self,
        vectors: npt.NDArray[np.float32],
        eligible: npt.NDArray[np.bool_],
        query: npt.NDArray[np.float32],
        limit: int,
    ) -> Nearest | None:
        """The ``limit`` eligible rows nearest to the unit ``query`` by the lists, re-scored exactly
        with ``vectors`` (the snapshot's); ``None`` until the index is built, or when the lists hold
        fewer than ``limit`` eligible rows near enough (the caller scans exactly instead)."""
        import numpy as np

        faiss = _faiss()
        with self._lock:
            index = self._index
            if index is None:
                return None
            if vectors.shape[0] > self._count:  # rows an extension of the snapshot appended
                index.add(np.ascontiguousarray(vectors[self._count :]))
                self._count = vectors.shape[0]
            bitmap = np.packbits(eligible[: self._count], bitorder="little")
            probes = min(index.nlist, max(MIN_PROBES, math.ceil(index.nlist * PROBED_SHARE)))
            parameters = faiss.SearchParametersIVF(nprobe=probes, sel=faiss.IDSelectorBitmap(bitmap))
            _scores, found = index.search(query.reshape(1, -1), limit, params=parameters)
        positions = found[0][found[0] >= 0].astype(np.intp)
        if positions.size < limit:
            return None
        similarity = (vectors[positions] @ query).astype(np.float32)
        order = np.argsort(-similarity, kind="stable")
        return Nearest(positions[order], similarity[order])


def _faiss() -> Any:
    """The faiss module, imported only by processes that search a large dataset (its SWIG stubs
    don't describe the keyword arguments used here)."""
    return importlib.import_module("faiss")


def _in_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="ragloom-vector-lists", daemon=True).start()
