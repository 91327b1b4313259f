"""Optical character recognition behind a small protocol; the default is RapidOCR (bundled models)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from PIL import Image


@dataclass(frozen=True)
class OcrLine:
    """One recognised line: its text, its box in image pixels and the engine's confidence."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    score: float


class OcrEngine(Protocol):
    """Recognises text lines in an image, in reading order (top to bottom, left to right)."""

    def recognize(self, image: Image.Image) -> list[OcrLine]:
        """The lines of text found in ``image``."""
        ...


class RapidOcrEngine:
    """PP-OCR models run by onnxruntime through ``rapidocr``; Chinese and English."""

    def __init__(self) -> None:
        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        from rapidocr import RapidOCR

        self._engine: Any = RapidOCR()
        self._lock = threading.Lock()

    def recognize(self, image: Image.Image) -> list[OcrLine]:
        import numpy as np

        with self._lock:
            result = self._engine(np.asarray(image.convert("RGB")))
        if result.boxes is None or result.txts is None:
            return []
        lines = []
        for box, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
            xs = [float(point[0]) for point in box]
            ys = [float(point[1]) for point in box]
            lines.append(OcrLine(str(text), min(xs), min(ys), max(xs), max(ys), float(score)))
        lines.sort(key=lambda line: (round(line.top / 10), line.x0))
        return lines


@cache
def default_ocr() -> OcrEngine:
    """The process's OCR engine (about 1 s and 0.5 GB to load, so loaded once, on demand)."""
    return RapidOcrEngine()
