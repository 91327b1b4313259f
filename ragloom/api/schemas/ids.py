"""Lists of ids in requests: distinct, and at most :data:`MAX_FILTER_IDS` when they filter a list.

``ragflow-sdk`` 0.27 sends ``ids`` as a repeated query parameter on ``GET /datasets`` and
``GET /datasets/{id}/documents``; RAGFlow refuses duplicates in id lists with
``Duplicate ids: '<id>, …'`` (its delete bodies, contract §3.2 and §4.5), and a list filter
holds no more ids than a page (``page_size`` is at most 100, §1.6). Errors are pydantic
errors, so they read ``Field: <ids> - Message: <…> - Value: <…>`` with code 101.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

MAX_FILTER_IDS = 100


def refuse_duplicates(ids: list[str]) -> list[str]:
    """``ids`` unchanged, or RAGFlow's duplicate-ids error naming each repeated id once."""
    duplicates = [item for item, count in Counter(ids).items() if count > 1]  # in order of first appearance
    if duplicates:
        raise PydanticCustomError(
            "duplicate_uuids", "Duplicate ids: '{duplicate_ids}'", {"duplicate_ids": ", ".join(duplicates)}
        )
    return ids


FilterIds = Annotated[list[str], Field(max_length=MAX_FILTER_IDS)]
"""Ids that filter a list, before their own checks (count first, so a long list is refused as such)."""


class DocumentIdsQuery(BaseModel):
    """The repeated ``ids`` of ``GET /datasets/{id}/documents`` (document ids are not UUID-checked)."""

    model_config = ConfigDict(extra="forbid")

    ids: Annotated[FilterIds, AfterValidator(refuse_duplicates)] = Field(default_factory=list)
