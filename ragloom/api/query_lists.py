"""Id lists in a query string, as the dataset-level routes take them."""

from __future__ import annotations

from starlette.datastructures import QueryParams

from ragloom.errors import DataError


def id_list(params: QueryParams, key: str) -> list[str]:
    """The ids of ``key``: comma-separated (``?dataset_ids=a,b``, as RAGFlow reads it) and/or
    repeated (``?dataset_ids=a&dataset_ids=b``, as HTTP clients send lists), blanks dropped."""
    return [part.strip() for value in params.getlist(key) for part in value.split(",") if part.strip()]


def required_dataset_ids(params: QueryParams) -> list[str]:
    """``dataset_ids``, which routes over several datasets cannot do without."""
    dataset_ids = id_list(params, "dataset_ids")
    if not dataset_ids:
        raise DataError("Lack of dataset_ids in query parameters")
    return dataset_ids
