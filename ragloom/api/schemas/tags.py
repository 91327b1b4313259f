"""Tag requests (``PUT``/``DELETE /datasets/{id}/tags``): RAGFlow checks them by hand, so its
messages and codes are kept (a missing key 102, a wrong type 101)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from ragloom.api.bodies import worded
from ragloom.errors import RetCode


class DeleteTagsRequest(BaseModel):
    """``{"tags": [str]}``."""

    model_config = ConfigDict(extra="ignore")

    tags: list[str]

    @model_validator(mode="before")
    @classmethod
    def _ragflow_checks(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "tags" not in data:
            raise worded("Lack of tags in request body")
        tags = data["tags"]
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise worded("tags must be a list of strings", RetCode.ARGUMENT_ERROR)
        return data


class RenameTagRequest(BaseModel):
    """``{"from_tag": str, "to_tag": str}``."""

    model_config = ConfigDict(extra="ignore")

    from_tag: str
    to_tag: str

    @model_validator(mode="before")
    @classmethod
    def _ragflow_checks(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "from_tag" not in data or "to_tag" not in data:
            raise worded("Lack of from_tag or to_tag in request body")
        if not isinstance(data["from_tag"], str) or not isinstance(data["to_tag"], str):
            raise worded("from_tag and to_tag must be strings", RetCode.ARGUMENT_ERROR)
        return data


def tag_values(counts: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """Tag counts as ``GET /datasets/tags/aggregation`` answers them."""
    return [{"value": tag, "count": count} for tag, count in counts]
