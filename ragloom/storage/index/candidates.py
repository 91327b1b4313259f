"""What every backend's ``match`` computes the same way: the unit query vector, and how much each
query term counts when the backend picks its ``top_k`` candidates by text.

Candidates by text are the eligible records with the highest sum of the weights of the terms they
contain, each term weighted by its IDF among the eligible records; the scorer in ``ragloom.rag``
ranks them afterwards, so these weights only decide who is a candidate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt


def unit_vector(vector: npt.NDArray[np.float32] | None) -> npt.NDArray[np.float32] | None:
    """``vector`` flattened and scaled to unit length; ``None`` for none or a zero vector."""
    import numpy as np

    if vector is None:
        return None
    query = np.asarray(vector, dtype=np.float32).ravel()
    norm = float(np.linalg.norm(query))
    return query / norm if norm > 0 else None


def term_weights(eligible: int, frequency: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Each term's weight for choosing candidates: ``log(1 + (N - n + 0.5) / (n + 0.5))`` for ``N``
    eligible records of which ``n`` contain it (always positive)."""
    import numpy as np

    weights: npt.NDArray[np.float64] = np.log1p((eligible - frequency + 0.5) / (frequency + 0.5))
    return weights
