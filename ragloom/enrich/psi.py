"""The shape of a Psi tree (``raptor.tree_builder: "psi"``): which nodes each summary will cover.

Psi-RAG (2025) builds its tree from the ranking of all pairs of chunks by similarity in the
embedding space itself, instead of clustering each level again. Its three moves, taken pair by pair
from the most similar down, are *merging* (two nodes with no parent get a new one), *leaf collapse*
(a node joins the parent its partner already has) and *abstract collapse* (two nodes whose roots
differ get their roots joined). ragloom runs them level by level:

1. Every pair of the level's nodes is ranked by similarity, best first (ties by position, so the
   same vectors always give the same tree). A pair of two free nodes is merged into a new group; a
   pair of a free node and a grouped one puts the free node into that group while it has fewer than
   ``fan_out`` members (a summary over a handful of passages, each keeping a fair share of the
   model's content budget); a pair of two grouped nodes is left to the next level. A node no pair
   could place stays alone and is carried up unchanged (it is not summarised by itself).
2. The groups become the next level's nodes, and two of them are as similar as their two most
   similar leaves (single linkage in the original space): joining two groups at the next level is
   the abstract collapse of two roots, made in the order their closest leaves rank. The level's
   matrix is reduced from the one below, never recomputed from vectors.
3. This repeats until one node remains. A level always merges its best pair, so it always ends.

The similarity of ``n`` leaves is an ``n`` × ``n`` matrix; above ``exact_max`` leaves they are split
into consecutive buckets (document order) of at most that many, each bucket gets its exact tree, and
the buckets' roots are then joined as nodes whose vector is the mean of their leaves (in the order of
those means' similarity), so memory stays bounded for any number of chunks.

:func:`plan` returns the tree's inner nodes bottom up; a node's children are leaf numbers
(``0 … n-1``) or ``n + i`` for the ``i``-th inner node, which comes before every node that holds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]


FAN_OUT = 8
"""The most nodes one summary covers."""
EXACT_MAX = 2048
"""The most leaves whose pairs are ranked together (a 16 MiB similarity matrix)."""


@dataclass(frozen=True)
class Inner:
    """A summary to be written: its level (one above its highest child) and the nodes it covers."""

    level: int
    children: tuple[int, ...]


def plan(vectors: npt.NDArray[np.float32], *, fan_out: int = FAN_OUT, exact_max: int = EXACT_MAX) -> list[Inner]:
    """The inner nodes of the Psi tree over the rows of ``vectors``, children before parents."""
    import numpy as np

    units = _unit(np.asarray(vectors, dtype=np.float32))
    inner: list[Inner] = []
    _build(units, list(range(len(units))), len(units), inner, max(2, fan_out), max(2, exact_max))
    return inner


def _build(
    units: Matrix, nodes: list[int], leaves: int, inner: list[Inner], fan_out: int, exact_max: int
) -> int | None:
    """Join ``nodes`` (numbered as in :func:`plan`, their vectors in ``units``) into one tree,
    appending to ``inner``; returns the root's number (``None`` for none)."""
    import numpy as np

    if not nodes:
        return None
    if len(nodes) > exact_max:
        roots: list[int] = []
        means = []
        for start in range(0, len(nodes), exact_max):
            bucket = units[start : start + exact_max]
            root = _build(bucket, nodes[start : start + exact_max], leaves, inner, fan_out, exact_max)
            if root is not None:
                roots.append(root)
                means.append(bucket.mean(axis=0))
        return _build(_unit(np.vstack(means)), roots, leaves, inner, fan_out, exact_max)
    similarity = units @ units.T
    while len(nodes) > 1:
        groups = _groups(similarity, fan_out)
        joined: list[int] = []
        for group in groups:
            if len(group) == 1:
                joined.append(nodes[group[0]])
                continue
            children = tuple(nodes[row] for row in group)
            inner.append(Inner(1 + max(_level(child, leaves, inner) for child in children), children))
            joined.append(leaves + len(inner) - 1)
        similarity = _reduce(similarity, groups)
        nodes = joined
    return nodes[0]


def _level(node: int, leaves: int, inner: Sequence[Inner]) -> int:
    return 0 if node < leaves else inner[node - leaves].level


def _groups(similarity: Matrix, fan_out: int) -> list[list[int]]:
    """One level's merges and leaf collapses (see the module docstring), groups by first member."""
    import numpy as np

    count = len(similarity)
    first, second = np.triu_indices(count, 1)
    ranking = np.lexsort((second, first, -similarity[first, second]))
    group_of = [-1] * count
    groups: list[list[int]] = []
    free = count
    for pair in ranking:
        if free == 0:
            break
        one, other = int(first[pair]), int(second[pair])
        if group_of[one] < 0 and group_of[other] < 0:
            group_of[one] = group_of[other] = len(groups)
            groups.append([one, other])
            free -= 2
        elif (group_of[one] < 0) != (group_of[other] < 0):
            loose, placed = (one, other) if group_of[one] < 0 else (other, one)
            group = groups[group_of[placed]]
            if len(group) < fan_out:
                group.append(loose)
                group_of[loose] = group_of[placed]
                free -= 1
    groups.extend([row] for row in range(count) if group_of[row] < 0)
    return sorted((sorted(group) for group in groups), key=lambda group: group[0])


def _reduce(similarity: Matrix, groups: list[list[int]]) -> Matrix:
    """The groups' similarity: that of their two most similar members."""
    import numpy as np

    rows = np.vstack([similarity[group].max(axis=0) for group in groups])
    return np.column_stack([rows[:, group].max(axis=1) for group in groups])


def _unit(vectors: Matrix) -> Matrix:
    import numpy as np

    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: Matrix = (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)
    return unit
