"""Structured logs: one line per event, extra fields kept, in text or JSON."""

import json
import logging
import sys

from ragloom.logs import JsonFormatter, TextFormatter


def record(message: str, **extra: object) -> logging.LogRecord:
    entry = logging.makeLogRecord({"name": "ragloom.test", "levelname": "INFO", "msg": message, "args": ()})
    entry.__dict__.update(extra)
    return entry


def test_json_lines_carry_extra_fields() -> None:
    line = JsonFormatter().format(record("GET /x 200", duration_ms=1.5, color_message="ignored"))
    parsed = json.loads(line)
    assert parsed["message"] == "GET /x 200"
    assert parsed["level"] == "INFO"
    assert parsed["logger"] == "ragloom.test"
    assert parsed["duration_ms"] == 1.5
    assert "color_message" not in parsed
    assert "\n" not in line


def test_text_lines_append_key_values() -> None:
    line = TextFormatter().format(record("started", key="value"))
    assert line.endswith("INFO    ragloom.test started key=value")


def test_text_lines_escape_control_characters_in_messages_and_fields() -> None:
    line = TextFormatter().format(record("GET /x\nFAKE 200\r\x1b[31m\u2028\u202e", path="a\nb"))
    assert "\n" not in line
    assert line.endswith("GET /x\\nFAKE 200\\r\\x1b[31m\\u2028\\u202e path=a\\nb")
    assert len(line.splitlines()) == 1


def test_traceback_lines_are_indented_so_none_passes_for_a_record() -> None:
    try:
        raise ValueError("bad\n2025-01-01T00:00:00.000 INFO    ragloom.access GET /admin 200")
    except ValueError:
        entry = record("failed")
        entry.exc_info = sys.exc_info()
    first, *rest = TextFormatter().format(entry).split("\n")
    assert first.endswith("failed")
    assert rest
    assert all(line.startswith("    ") for line in rest)


def test_json_lines_stay_one_line_and_valid_whatever_the_values() -> None:
    line = JsonFormatter().format(record("GET /x\n\u2028\x85\x1b[2J\u202e 404", path="a\u2029b"))
    assert len(line.splitlines()) == 1
    parsed = json.loads(line)
    assert parsed["message"] == "GET /x\n\u2028\x85\x1b[2J\u202e 404"
    assert parsed["path"] == "a\u2029b"
