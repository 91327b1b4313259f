"""The frame format between the server and a model process."""

from __future__ import annotations

import io

import pytest

from ragloom.providers.isolated.frames import PREFIX, Frame, FrameError, encode, read_frame, write_frame


def test_frames_round_trip_in_order_with_payloads() -> None:
    stream = io.BytesIO()
    sent = [
        Frame({"id": 1, "kind": "text", "text": "héllo 世界"}),
        Frame({"id": 2, "kind": "vectors", "shape": [1, 3]}, b"\x00\x01\x02\x03" * 3),
        Frame({"id": 3, "kind": "done", "usage": {"prompt_tokens": 1, "completion_tokens": 2}}),
    ]
    for frame in sent:
        write_frame(stream, frame)
    stream.seek(0)
    received = [read_frame(stream) for _ in sent]
    assert received == sent
    assert read_frame(stream) is None  # a clean end between frames


def test_a_stream_cut_inside_a_frame_is_an_error() -> None:
    whole = encode(Frame({"id": 1, "kind": "text", "text": "cut"}))
    for cut in (2, PREFIX.size + 3, len(whole) - 1):
        with pytest.raises(FrameError, match="ended inside a frame"):
            read_frame(io.BytesIO(whole[:cut]))


@pytest.mark.parametrize(
    "header", [b"not json", b"[1, 2]", b'{"kind": "text"}', b'{"id": "1", "kind": "text"}', b'{"id": 1}']
)
def test_headers_that_are_not_frames_are_refused(header: bytes) -> None:
    with pytest.raises(FrameError):
        read_frame(io.BytesIO(PREFIX.pack(len(header), 0) + header))


def test_an_absurd_length_is_refused_before_reading() -> None:
    with pytest.raises(FrameError, match="too large"):
        read_frame(io.BytesIO(PREFIX.pack(2**31, 0)))
