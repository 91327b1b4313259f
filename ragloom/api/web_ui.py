"""The web UI: ``/`` serves the page, ``/ui/…`` its ES modules, CSS and UI text, all from the
``ragloom.web`` package (nothing from a CDN, no build step).

The page is a client of the public API like any other: it signs in with an API key, which it
keeps in the tab's ``sessionStorage``, and calls ``/api/v1`` with it. Its routes are client-side
(``/#/datasets``), so the server has only these two to serve, outside the OpenAPI document. A
Content-Security-Policy lets the page load and connect to this origin only, so a page that
works here works with the network cut.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

ASSETS = "/ui"
ASSET_PACKAGE = ("ragloom.web", "static")
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    "Referrer-Policy": "no-referrer",
}


def index_html() -> bytes:
    """The page, read from the installed package."""
    return files("ragloom.web").joinpath("static", "index.html").read_bytes()


def add_web_ui(app: FastAPI) -> None:
    """Serve the page at ``/`` and its assets under :data:`ASSETS`."""
    app.mount(ASSETS, StaticFiles(packages=[ASSET_PACKAGE]), name="web-ui-assets")
    page = index_html()

    @app.get("/", include_in_schema=False)
    def web_ui() -> Response:
        return Response(page, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)
