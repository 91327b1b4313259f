"""Browser tests: headless Chromium (Debian's ``chromium``) driven by Playwright against a live
``ragloom serve``.

Playwright's own browser download needs the network, so the machine's Chromium is used
(``RAGLOOM_CHROMIUM`` names another). Without Chromium or Playwright the tests are skipped on a
developer's machine and fail under CI (``CI`` set), where ``scripts/test`` installs both.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ragloom, server_env, start_server, stop_server

__all__ = ["server_env"]

WEB_DIRECTORY = Path(__file__).parent
CHROMIUM_FLAGS = [
    # as root (CI) Chromium refuses to start sandboxed; the rest keep it from reaching out to the
    # network (updates, sync, field trials), which this machine would refuse anyway
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test drives a live server and takes seconds: ``e2e`` and ``slow``."""
    for item in items:
        if item.path.is_relative_to(WEB_DIRECTORY):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail under CI, where the browser must be there."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (scripts/test installs it; CI must run the browser tests)", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str:
    named = os.environ.get("RAGLOOM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not named or not Path(named).exists():
        unavailable("Chromium is not installed: `apt-get install chromium`, or set RAGLOOM_CHROMIUM")
    return str(named)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed: `pip install -e '.[test]'`")
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@dataclass
class WebServer:
    """A live server with one tenant's key, shared by the browser tests (each names what it creates uniquely)."""

    base_url: str
    api_url: str
    key: str
    data_dir: Path

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]) -> Iterator[WebServer]:
    data_dir = tmp_path_factory.mktemp("web") / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=server_env).strip()
    process, base_url = start_server(data_dir, server_env, data_dir.parent / "server.log")
    yield WebServer(base_url, f"{base_url}/api/v1", key, data_dir)
    stop_server(process)


class OffMachine:
    """Requests the page made to anywhere but the server under test (each is refused)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.requests: list[str] = []

    def handle(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.base_url) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()


@pytest.fixture
def off_machine(web_server: WebServer) -> OffMachine:
    return OffMachine(web_server.base_url)


@pytest.fixture
def page(browser: Any, web_server: WebServer, off_machine: OffMachine) -> Iterator[Any]:
    """A fresh tab (its own sessionStorage) at 1280 px, every request outside the server refused
    and recorded, JavaScript errors collected in ``page.errors``."""
    context = browser.new_context(viewport=WIDE, locale="en-US", accept_downloads=True)
    context.route("**/*", off_machine.handle)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    """Where a test's screenshots go (``RAGLOOM_SCREENSHOTS`` names a directory to copy them to)."""
    return tmp_path
