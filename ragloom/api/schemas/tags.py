"""Tag requests (``PUT``/``DELETE /datasets/{id}/tags``, ``GET /datasets/tags/aggregation``):
RAGFlow checks them by hand, so its messages and codes are kept (a missing key 102, a wrong
type 101)."""

from __future__ import annotations

from typing import Any

from pydantic import model_validator
from typing_extensions import TypedDict  # pydantic reads typing's own only from Python 3.12

from ragloom.api.bodies import worded
from ragloom.api.schemas.loose import WordedModel
from ragloom.errors import RetCode


class DeleteTagsRequest(WordedModel):
    """``{"tags": [str]}``."""

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


class RenameTagRequest(WordedModel):
    """``{"from_tag": str, "to_tag": str}``."""

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


class TagCountOut(TypedDict):
    """A tag with how many chunks of the datasets carry it."""

    value: str
    count: int


RenamedTagOut = TypedDict("RenamedTagOut", {"from": str, "to": str})
"""``PUT /datasets/{id}/tags``: the tag renamed (``from`` is a keyword, hence the functional form)."""


def tag_values(counts: list[tuple[str, int]]) -> list[TagCountOut]:
    """Tag counts as ``GET /datasets/tags/aggregation`` answers them."""
    return [{"value": tag, "count": count} for tag, count in counts]
