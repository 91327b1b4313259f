"""Structured logging: one line per event, as text or JSON, with extra fields kept.

Logged values come from clients (a request path can hold ``%0A``), so neither format lets
a value start a line of its own or reach a terminal as a control sequence: the text format
writes control characters, Unicode line and paragraph separators and bidirectional
overrides as backslash escapes, the JSON format as ``\\u`` escapes inside its strings.
A traceback keeps its lines, each indented, so none can pass for a record.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from ragloom.settings import LogSettings

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}
_UNSAFE = [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_TEXT_ESCAPES = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _UNSAFE} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}
# json.dumps escapes C0 controls already; the rest are legal raw in JSON strings but split lines.
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in _UNSAFE if code >= 0x7F}
_TRACEBACK_INDENT = "    "


def escape_controls(text: str) -> str:
    """``text`` on one line: control characters and line breaks written as escapes."""
    return text.translate(_TEXT_ESCAPES)


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {key: value for key, value in record.__dict__.items() if key not in _STANDARD}


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", ...extra}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str).translate(_JSON_ESCAPES)


class TextFormatter(logging.Formatter):
    """``time level logger message key=value ...`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        fields = " ".join(f"{key}={value}" for key, value in _extras(record).items())
        line = f"{moment} {record.levelname:<7} {record.name} {record.getMessage()}"
        if fields:
            line = f"{line} {fields}"
        line = escape_controls(line)
        if record.exc_info:
            lines = self.formatException(record.exc_info).split("\n")
            line += "".join(f"\n{_TRACEBACK_INDENT}{escape_controls(part)}" for part in lines)
        return line


def configure_logging(settings: LogSettings) -> None:
    """Send ragloom's and uvicorn's logs to stderr in the configured format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.format == "json" else TextFormatter())
    for name in ("ragloom", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(settings.level)
        logger.propagate = False
