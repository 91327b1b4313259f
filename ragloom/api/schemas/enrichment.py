"""Requests of the enrichment-index routes (``/datasets/{id}/index`` and RAGFlow's older aliases)."""

from __future__ import annotations

from typing import Literal

from ragloom.api.schemas.loose import QueryModel, Sent


class IndexTypeQuery(QueryModel):
    """``/datasets/{id}/index``: which index (an unknown or missing one is refused by the service)."""

    required_keys = ("type",)

    type: Sent[Literal["graph", "raptor", "mindmap"]] = None
    wipe: Sent[str | bool] = None

    def index_type(self) -> str:
        return str(self.given().get("type", ""))

    def wiping(self) -> bool:
        """``DELETE``: whether the index goes too, not only its tasks (default: it does)."""
        return str(self.given().get("wipe", True)).lower() not in {"false", "0"}
