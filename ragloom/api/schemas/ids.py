"""Lists of ids in requests: distinct, and at most :data:`MAX_FILTER_IDS` when they filter a list.

``ragflow-sdk`` 0.27 sends ``ids`` as a repeated query parameter on ``GET /datasets`` and
``GET /datasets/{id}/documents``; RAGFlow refuses duplicates in id lists with
``Duplicate ids: '<id>, …'`` (its delete bodies, contract §3.2 and §4.5), and a list filter
holds no more ids than a page (``page_size`` is at most 100, §1.6). Errors are pydantic
errors, so they read ``Field: <ids> - Message: <…> - Value: <…>`` with code 101.

The dataset-level routes (contract §13) take id lists in the query comma-separated, as RAGFlow
reads them, or repeated, as HTTP clients send lists (:func:`id_list`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from ragloom.api.schemas.loose import QueryModel, Sent
from ragloom.errors import DataError

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


LIST_DESCRIPTION = "Comma-separated (as RAGFlow reads it) and/or the key repeated."


def id_list(values: Iterable[str] | None) -> list[str]:
    """The ids of a query key's values: comma-separated (``?dataset_ids=a,b``, as RAGFlow reads it)
    and/or repeated (``?dataset_ids=a&dataset_ids=b``, as HTTP clients send lists), blanks dropped."""
    return [part.strip() for value in values or () for part in str(value).split(",") if part.strip()]


class DatasetIdsQuery(QueryModel):
    """``?dataset_ids=…``: the datasets of a route over several, which it cannot do without."""

    required_keys = ("dataset_ids",)

    dataset_ids: Sent[list[str]] = Field(None, description=LIST_DESCRIPTION)

    def required_dataset_ids(self) -> list[str]:
        """The ids, or RAGFlow's refusal when there are none."""
        dataset_ids = id_list(self.given().get("dataset_ids"))
        if not dataset_ids:
            raise DataError("Lack of dataset_ids in query parameters")
        return dataset_ids
