"""The rerank-model role."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt


class RerankModel(Protocol):
    """Scores how well each text answers a query, from 0 (not at all) to 1.

    A provider that cannot answer raises :class:`~ragloom.errors.ProviderError`.
    """

    @property
    def model_id(self) -> str:
        """The ``name@factory`` id."""
        ...

    def scores(self, query: str, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """One score per text, in the texts' order."""
        ...
