"""First-load time of the web UI's main pages on localhost, in headless Chromium.

A live ``ragloom serve`` holds a dataset of ``--documents`` small text files (10,000 by default,
uploaded, not parsed). Each page is loaded ``--runs`` times, each time in a fresh browser context
(nothing cached, the API key already in the tab's session): the time runs from navigation to the
page showing its data (its list or form drawn, the app no longer busy). Pages: datasets, the
documents of the large dataset, retrieval test, chat, settings. Target: under one second each.

Needs Chromium (Debian's ``chromium``, or ``RAGLOOM_CHROMIUM``) and Playwright (the test extra).

Usage: ``python benchmarks/ui.py [--documents 10000] [--runs 5]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.retrieval_quality import Server
from tests.web.conftest import CHROMIUM_FLAGS, WIDE, chromium_path

BATCH = 1000
TARGET_SECONDS = 1.0


def fill(server: Server, count: int) -> str:
    """A dataset holding ``count`` small text documents; its id."""
    dataset, _ = server.call("POST", "/datasets", json={"name": f"ui-benchmark-{count}"})
    for start in range(0, count, BATCH):
        files = [
            ("file", (f"note-{number:05d}.txt", f"Note {number}: nothing much.".encode()))
            for number in range(start, min(start + BATCH, count))
        ]
        server.call("POST", f"/datasets/{dataset['id']}/documents", files=files)
    return str(dataset["id"])


def first_load(browser: Any, url: str, key: str, ready: str) -> float:
    """Seconds from navigation to ``ready`` drawn, in a fresh context."""
    context = browser.new_context(viewport=WIDE)
    context.add_init_script(f"sessionStorage.setItem('ragloom.apiKey', {json.dumps(key)})")
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(ready, timeout=60_000)
    page.wait_for_selector("#app[aria-busy=false]", timeout=60_000)
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as directory:
        server = Server(Path(directory) / "data")
        try:
            started = time.perf_counter()
            dataset = fill(server, arguments.documents)
            print(f"{arguments.documents} documents uploaded in {time.perf_counter() - started:.1f} s")
            base = server.api.removesuffix("/api/v1")
            key = server.headers["Authorization"].removeprefix("Bearer ")
            pages = [
                ("datasets", "#/datasets", "#dataset-list table"),
                (f"documents ({arguments.documents:,})", f"#/datasets/{dataset}", "#document-list table"),
                ("retrieval test", "#/retrieval", "#retrieval-form"),
                ("chat", "#/chats", "#assistant-form"),
                ("settings", "#/settings", "#api-keys ul"),
            ]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
                print(f"{'page':<22}{'median':>10}{'max':>10}  target < {TARGET_SECONDS:.0f} s")
                for name, route, ready in pages:
                    first_load(browser, f"{base}/{route}", key, ready)  # the server's first answer warms it
                    times = [first_load(browser, f"{base}/{route}", key, ready) for _ in range(arguments.runs)]
                    verdict = "ok" if max(times) < TARGET_SECONDS else "SLOW"
                    print(f"{name:<22}{statistics.median(times) * 1000:>8.0f}ms{max(times) * 1000:>8.0f}ms  {verdict}")
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
