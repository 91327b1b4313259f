"""Server-sent events: RAGFlow's framing, one line per event whichever way a client splits lines."""

from __future__ import annotations

import json

from ragloom.api import sse


def test_an_event_is_data_compact_json_and_a_blank_line() -> None:
    assert sse.event({"code": 0, "data": "é"}) == 'data:{"code":0,"data":"é"}\n\n'.encode()
    assert sse.raw_event("[DONE]") == b"data:[DONE]\n\n"


def test_line_breaks_json_leaves_raw_are_escaped_so_str_splitlines_keeps_the_event_whole() -> None:
    # Found by the fuzz run: an agent echoing a question with U+0085 sent an event ragflow-sdk
    # (requests' iter_lines(decode_unicode=True), i.e. str.splitlines) cut in two and dropped.
    text = "a\u0085b\u2028c\u2029d\x1ce\fg"
    framed = sse.event({"answer": text}).decode("utf-8")
    lines = [line for line in framed.splitlines() if line]
    assert len(lines) == 1
    assert json.loads(lines[0].removeprefix("data:")) == {"answer": text}
