"""Agent templates that ship with ragloom: DSL files in ``ragloom/agents/templates/``.

Each file is one template row as ``GET /agents/templates`` returns it: ``id``, ``title`` and
``description`` keyed by language (``en``, ``zh``, …), ``canvas_type`` and ``dsl``. Every template
loads with the built-in components (a test holds that), so each can be created and run offline.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def templates() -> list[dict[str, Any]]:
    """Every shipped template, ordered by id."""
    folder = resources.files("ragloom.agents").joinpath("templates")
    rows = [json.loads(entry.read_text(encoding="utf-8")) for entry in folder.iterdir() if entry.name.endswith(".json")]
    return sorted(rows, key=lambda row: int(row.get("id", 0)))
