"""The wire between the server and a model process: length-prefixed frames on a pipe.

A frame is a JSON object (its *header*) and an optional binary *payload*::

    uint32 header length | uint32 payload length | header, UTF-8 JSON | payload

Every header has ``id`` (the request it answers, or the request it is) and ``kind``.
Requests (server to model process): ``generate`` (``messages``, ``options``, and optionally
``tools`` and ``tool_choice`` in OpenAI's shapes), ``embed`` (``texts``, ``query``) and
``cancel`` (stop working on request ``id``). Replies: ``text`` (a fragment of a generation),
``tool_call`` (``call``: one whole call, ``{"id", "name", "arguments"}``, after the text),
``done`` (``usage``; the generation ended), ``vectors`` (``shape``; the payload holds
little-endian float32 rows) and ``error`` (``message``); the model process announces with
``ready`` (id 0) that it has finished loading its model.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import IO, Any

PREFIX = struct.Struct(">II")
MAX_HEADER_BYTES = 256 * 1024 * 1024
MAX_PAYLOAD_BYTES = 1024 * 1024 * 1024
FINAL_KINDS = frozenset({"done", "vectors", "error"})
"""Reply kinds that end their request."""


class FrameError(ValueError):
    """The other side wrote something that is not a frame."""


@dataclass(frozen=True)
class Frame:
    """One message on the wire."""

    header: dict[str, Any]
    payload: bytes = field(default=b"", repr=False)

    @property
    def id(self) -> int:
        return int(self.header["id"])

    @property
    def kind(self) -> str:
        return str(self.header["kind"])


def encode(frame: Frame) -> bytes:
    """The bytes of ``frame`` on the wire."""
    header = json.dumps(frame.header, ensure_ascii=False, separators=(",", ":")).encode()
    return PREFIX.pack(len(header), len(frame.payload)) + header + frame.payload


def write_frame(stream: IO[bytes], frame: Frame) -> None:
    """Write ``frame`` whole and flush it (the caller serialises writers)."""
    stream.write(encode(frame))
    stream.flush()


def read_frame(stream: IO[bytes]) -> Frame | None:
    """The next frame, or ``None`` when the stream ended cleanly between frames."""
    prefix = _read_exactly(stream, PREFIX.size, at_start=True)
    if prefix is None:
        return None
    header_length, payload_length = PREFIX.unpack(prefix)
    if header_length > MAX_HEADER_BYTES or payload_length > MAX_PAYLOAD_BYTES:
        raise FrameError(f"frame too large ({header_length} + {payload_length} bytes)")
    header_bytes = _read_exactly(stream, header_length)
    payload = _read_exactly(stream, payload_length) if payload_length else b""
    try:
        header = json.loads(header_bytes or b"")
    except ValueError as error:
        raise FrameError(f"frame header is not JSON: {error}") from None
    if not isinstance(header, dict) or not isinstance(header.get("id"), int) or not isinstance(header.get("kind"), str):
        raise FrameError("frame header lacks an integer id or a kind")
    return Frame(header, payload or b"")


def _read_exactly(stream: IO[bytes], size: int, *, at_start: bool = False) -> bytes | None:
    pieces: list[bytes] = []
    remaining = size
    while remaining:
        piece = stream.read(remaining)
        if not piece:
            if at_start and remaining == size:
                return None
            raise FrameError("the stream ended inside a frame")
        pieces.append(piece)
        remaining -= len(piece)
    return b"".join(pieces)
