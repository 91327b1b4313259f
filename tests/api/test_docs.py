"""The documentation pages and everything they load come from the server itself: they work
with no network (the in-process client has none), and the pages name no other address."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

ATTRIBUTE_URLS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
SPEC_URLS = re.compile(r"""(?:url:\s*|spec-url=)["']([^"']+)["']""")


@pytest.mark.parametrize(("page", "assets"), [("/docs", 3), ("/redoc", 2)])
def test_the_documentation_page_and_its_assets_load_from_the_server(client: TestClient, page: str, assets: int) -> None:
    answer = client.get(page)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert "://" not in html
    urls = ATTRIBUTE_URLS.findall(html)
    assert len(urls) == assets
    for url in urls:
        assert url.startswith("/docs/assets/"), url
        loaded = client.get(url)
        assert loaded.status_code == 200, url
        assert len(loaded.content) > 1000
    (spec,) = SPEC_URLS.findall(html)
    assert client.get(spec).json()["info"]["title"] == "ragloom"


def test_the_assets_are_served_with_their_types(client: TestClient) -> None:
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.headers["content-type"].split(";")[0] in {"text/javascript", "application/javascript"}
    assert script.headers["x-content-type-options"] == "nosniff"
    assert client.get("/docs/assets/swagger-ui.css").headers["content-type"].startswith("text/css")
    assert "SwaggerUIBundle" in script.text
    assert "Redoc" in client.get("/docs/assets/redoc.standalone.js").text
    assert client.get("/docs/assets/nothing.js").status_code == 404


def test_swagger_ui_keeps_the_key_and_calls_no_validator(client: TestClient) -> None:
    html = client.get("/docs").text
    assert '"persistAuthorization": true' in html
    assert '"validatorUrl": null' in html
