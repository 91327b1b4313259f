"""Helpers for parser tests: a scripted OCR engine and a context that records progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from PIL import Image

from ragloom.ingest.context import IngestContext
from ragloom.ingest.ocr import OcrLine


@dataclass
class ScriptedOcr:
    """Answers every image with the same lines (boxes in the image's pixels) and remembers the images."""

    lines: Sequence[OcrLine] = ()
    images: list[Image.Image] = field(default_factory=list)

    def recognize(self, image: Image.Image) -> list[OcrLine]:
        self.images.append(image)
        return list(self.lines)


@dataclass
class Recorder:
    """A context's progress reports, in order."""

    reports: list[tuple[float, str]] = field(default_factory=list)

    def __call__(self, fraction: float, message: str) -> None:
        self.reports.append((fraction, message))


@pytest.fixture
def ocr() -> ScriptedOcr:
    return ScriptedOcr()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def context(ocr: ScriptedOcr, recorder: Recorder) -> IngestContext:
    """A context whose OCR is scripted (fast) and whose progress is recorded."""
    return IngestContext(recorder, ocr=lambda: ocr)
