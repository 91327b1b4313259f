"""Structured logs: one line per event, extra fields kept, in text or JSON."""

import json
import logging

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
