"""Models built on first use and shared by the process: one per configuration, closed together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from ragloom.providers.catalog import ModelEntry, model_key

M = TypeVar("M")


class LoadedModels(Generic[M]):
    """The models a registry has built, keyed by :func:`~ragloom.providers.catalog.model_key`."""

    def __init__(self, build: Callable[[ModelEntry], M]) -> None:
        self._build = build
        self._models: dict[tuple[str, str], M] = {}
        self._lock = threading.Lock()

    def get(self, entry: ModelEntry) -> M:
        """The model for ``entry``, built now if this is its first use."""
        key = model_key(entry)
        with self._lock:
            if key not in self._models:
                self._models[key] = self._build(entry)
            return self._models[key]

    def close(self) -> None:
        """Release every model's processes, weights or connections."""
        with self._lock:
            models, self._models = list(self._models.values()), {}
        for model in models:
            close = getattr(model, "close", None)
            if close is not None:
                close()
