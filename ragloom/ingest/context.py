"""What a parser or chunker may ask of the task running it: progress, cancellation, OCR."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ragloom.ingest.ocr import OcrEngine


class IngestCancelledError(Exception):
    """Raised at a checkpoint when the task has been cancelled or taken over; not an error to report."""


class IngestContext:
    """Progress reporting within a stage of a task, plus cancellation checkpoints.

    ``report(fraction, message)`` receives the task's overall fraction (0..1); a stage
    created with :meth:`stage` maps its own 0..1 onto a slice of its parent's range.
    """

    def __init__(
        self,
        report: Callable[[float, str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        ocr: Callable[[], OcrEngine] | None = None,
        *,
        start: float = 0.0,
        end: float = 1.0,
    ) -> None:
        self._report = report or (lambda _fraction, _message: None)
        self._cancelled = cancelled or (lambda: False)
        self._ocr = ocr
        self._start = start
        self._end = end

    def check(self) -> None:
        """Raise :class:`IngestCancelledError` if the task should stop now."""
        if self._cancelled():
            raise IngestCancelledError

    def progress(self, fraction: float, message: str = "") -> None:
        """Report ``fraction`` (0..1) of this stage done; also a cancellation checkpoint."""
        self.check()
        bounded = min(max(fraction, 0.0), 1.0)
        self._report(self._start + (self._end - self._start) * bounded, message)

    def stage(self, start: float, end: float) -> IngestContext:
        """A context whose 0..1 covers ``start``..``end`` of this one."""
        span = self._end - self._start
        return IngestContext(
            self._report,
            self._cancelled,
            self._ocr,
            start=self._start + span * start,
            end=self._start + span * end,
        )

    @property
    def ocr(self) -> OcrEngine:
        """The OCR engine (loaded on first use, shared by the process)."""
        if self._ocr is None:
            from ragloom.ingest.ocr import default_ocr

            return default_ocr()
        return self._ocr()
