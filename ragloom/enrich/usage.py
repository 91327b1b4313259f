"""What enrichment cost: model calls, answers read from the cache, tokens and time, per enricher."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class EnricherUsage:
    """The figures of one enricher over one or more documents.

    ``calls`` reached the model; ``cached`` were answered from the cache instead; ``unreadable``
    answers could not be read (their chunks got nothing). Tokens are the provider's counts when it
    reports them, else counted with cl100k. ``model_seconds`` sums the calls' own durations (calls
    run concurrently, so it may exceed ``wall_seconds``, the enricher's elapsed time).
    """

    calls: int = 0
    cached: int = 0
    unreadable: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = 0.0
    wall_seconds: float = 0.0

    def add(self, other: EnricherUsage) -> None:
        """Add ``other``'s figures to these."""
        self.calls += other.calls
        self.cached += other.cached
        self.unreadable += other.unreadable
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.model_seconds += other.model_seconds
        self.wall_seconds += other.wall_seconds


class UsageMeter:
    """Thread-safe counters of one enricher's calls (calls run on several threads at once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.usage = EnricherUsage()

    def called(self, prompt_tokens: int, completion_tokens: int, seconds: float) -> None:
        with self._lock:
            self.usage.calls += 1
            self.usage.prompt_tokens += prompt_tokens
            self.usage.completion_tokens += completion_tokens
            self.usage.model_seconds += seconds

    def cached(self, count: int) -> None:
        with self._lock:
            self.usage.cached += count

    def unreadable(self) -> None:
        with self._lock:
            self.usage.unreadable += 1
