"""The web UI is served from the package at ``/`` and ``/ui/…``: outside the OpenAPI document,
under a Content-Security-Policy that allows this origin only, every file shipped as package data,
and every UI text in English and Chinese."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from importlib.resources import files
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ragloom.api.schemas.parser_config import ParserConfig
from ragloom.api.web_ui import CONTENT_SECURITY_POLICY
from ragloom.services import parser_config as parser_config_defaults

STATIC = Path(str(files("ragloom.web").joinpath("static")))
REPOSITORY = Path(__file__).resolve().parents[2]
TYPES = {".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".html": "text/html"}
# an address of another machine, wherever it stands (imports, fetches, CSS urls, links)
REMOTE = re.compile(r"""(?:https?:)?//(?!127\.0\.0\.1)[a-z0-9.-]+\.[a-z]{2,}""", re.IGNORECASE)
TEXT_KEY = re.compile(r"""\bt\("([a-zA-Z]+\.[a-zA-Z]+)"[,)]""")


def static_files() -> list[Path]:
    return sorted(path for path in STATIC.rglob("*") if path.is_file())


def test_the_page_is_served_at_the_root_under_a_policy_that_allows_this_origin_only(client: TestClient) -> None:
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY
    assert "connect-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert '<script type="module" src="/ui/js/main.js"></script>' in answer.text


def test_every_static_file_is_served_with_its_type(client: TestClient) -> None:
    assert len(static_files()) >= 10
    for path in static_files():
        answer = client.get(f"/ui/{path.relative_to(STATIC).as_posix()}")
        assert answer.status_code == 200, path
        expected = TYPES[path.suffix]
        content_type = answer.headers["content-type"].split(";")[0]
        assert content_type == expected or (path.suffix == ".js" and content_type == "application/javascript"), path
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert client.get("/ui/js/nothing.js").status_code == 404


def test_nothing_names_another_machine() -> None:
    for path in static_files():
        found = REMOTE.findall(path.read_text(encoding="utf-8"))
        assert not found, f"{path.name} names {found}"


def test_the_ui_is_not_in_the_openapi_document_and_the_api_keeps_its_404(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert all(path.startswith("/api/") or path.startswith("/v1/") for path in paths), sorted(paths)
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["code"] == 404


def test_every_static_file_is_package_data() -> None:
    """A non-editable install ships exactly what pyproject's package-data names: every file must match it."""
    configuration = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())
    patterns = configuration["tool"]["setuptools"]["package-data"]["ragloom.web"]
    package = STATIC.parent
    for path in static_files():
        relative = path.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), f"{relative} is not package data"


def test_every_ui_text_exists_in_english_and_chinese() -> None:
    english = json.loads((STATIC / "i18n" / "en.json").read_text(encoding="utf-8"))
    chinese = json.loads((STATIC / "i18n" / "zh.json").read_text(encoding="utf-8"))
    assert english.keys() == chinese.keys()
    assert all(value.strip() for value in [*english.values(), *chinese.values()])
    used = {key for path in STATIC.rglob("*.js") for key in TEXT_KEY.findall(path.read_text(encoding="utf-8"))}
    assert used, "no t(...) call found"
    assert used <= english.keys(), sorted(used - english.keys())
    for key, text in english.items():
        placeholders = set(re.findall(r"\{(\w+)\}", text))
        assert placeholders == set(re.findall(r"\{(\w+)\}", chinese[key])), key


def test_api_data_never_reaches_inner_html() -> None:
    """Everything the API returns is set as text (dom.js builds elements): no HTML parsing sinks."""
    for path in STATIC.rglob("*.js"):
        source = path.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in source, f"{path.name} uses {sink}"


FIELD_LINE = re.compile(r'^  "?([\w.]+)"?: \{ type: "(\w+)"(.*) \},$', re.MULTILINE)
JS_NUMBER = {"min": re.compile(r"\bmin: (-?[\d.]+)"), "max": re.compile(r"\bmax: (-?[\d.]+)")}
JS_DEFAULT = re.compile(r"\bdefault: (.*?), (?:ext|nullable|label|choices|min|max|step|rows)\b")


def _server_field(key: str, *, ext: bool) -> FieldInfo | None:
    """The ParserConfig field (nested for ``raptor.…``) a UI key names; None for an ``ext`` key."""
    if ext:
        return None
    model: type[BaseModel] = ParserConfig
    *parents, last = key.split(".")
    for part in parents:
        annotation = model.model_fields[part].annotation
        assert isinstance(annotation, type), key
        assert issubclass(annotation, BaseModel), key
        model = annotation
    assert last in model.model_fields, f"the settings form sends {key}, which ParserConfig refuses"
    return model.model_fields[last]


def test_the_parser_settings_form_sends_what_the_server_accepts_with_its_bounds_and_defaults() -> None:
    """Every field of the settings form is a ParserConfig key (or travels in ``ext``), with the
    server's bounds and default and a label in both languages; every chunk method has its fields."""
    source = (STATIC / "js" / "parser_fields.js").read_text(encoding="utf-8")
    english = json.loads((STATIC / "i18n" / "en.json").read_text(encoding="utf-8"))
    fields = FIELD_LINE.findall(source)
    assert len(fields) > 30
    for key, _kind, rest in fields:
        for text_key in re.findall(r'(?:label|hint): "([\w.]+)"', rest):
            assert text_key in english, text_key
        info = _server_field(key, ext="ext: true" in rest)
        if info is None:
            continue
        bounds = {
            bound: getattr(item, bound) for item in info.metadata for bound in ("ge", "le") if hasattr(item, bound)
        }
        for side, bound in (("min", "ge"), ("max", "le")):
            found = JS_NUMBER[side].search(rest)
            assert (float(found.group(1)) if found else None) == bounds.get(bound), (key, side)
        default = JS_DEFAULT.search(rest)
        assert default, key
        shown = json.loads(default.group(1))
        if shown is not None or key != "raptor.prompt":  # an empty prompt leaves the server's own
            assert shown == info.get_default(call_default_factory=True), key
    for methods in ("DATASET_CHUNK_METHODS", "DOCUMENT_CHUNK_METHODS"):
        for method in getattr(parser_config_defaults, methods):
            assert re.search(rf"^  {method}: ", source, re.MULTILINE), f"no parser fields for {method}"
