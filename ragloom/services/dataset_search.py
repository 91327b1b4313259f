"""The retrieval test of datasets (``POST /datasets/search`` and ``POST /datasets/{id}/search``,
contract §13.3): retrieval as RAGFlow's "retrieval test" runs it.

It is :class:`~ragloom.services.retrieval.RetrievalService` with the test's own defaults and
inputs, so it ranks exactly as ``/retrieval`` does:

- its requests (:mod:`ragloom.api.schemas.dataset_search`) default ``similarity_threshold`` to
  0.0 and page by ``size`` (30); ``top_k`` is held to 1..2048;
- ``meta_data_filter`` is a chat's or search app's filter: ``{"method": "manual", "manual":
  [{"key", "op", "value"}, ...], "logic": "and"}`` narrows to the documents whose metadata
  satisfies it (together with ``doc_ids`` when both are given); ``"disabled"`` or no method
  filters nothing; ``"auto"`` and ``"semi_auto"`` have a chat model write the filter, which
  ragloom does not do yet, and are refused;
- ``labels`` are the question's tags, from the tag datasets the datasets name.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ragloom.errors import DataError
from ragloom.services.retrieval import Retrieval, RetrievalQuery, RetrievalService, check_question_length
from ragloom.services.tenants import Caller

MAX_TOP_K = 2048
FILTER_METHODS_NEEDING_A_MODEL = ("auto", "semi_auto")


def metadata_condition_of(meta_data_filter: dict[str, Any] | None) -> dict[str, Any] | None:
    """A ``meta_data_filter`` as the ``metadata_condition`` of §7.2 (``None``: no filter)."""
    if not meta_data_filter:
        return None
    method = meta_data_filter.get("method")
    if method in FILTER_METHODS_NEEDING_A_MODEL:
        raise DataError(
            f"`meta_data_filter` method '{method}' has a chat model write the filter from the question, "
            "which ragloom does not do yet; use method 'manual'."
        )
    if method != "manual":
        return None
    items = meta_data_filter.get("manual") or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise DataError("`meta_data_filter.manual` must be a list of conditions.")
    conditions = [
        {
            "name": item.get("key", item.get("name")),
            "comparison_operator": item.get("op", item.get("comparison_operator")),
            "value": item.get("value"),
        }
        for item in items
    ]
    return {"logic": meta_data_filter.get("logic") or "and", "conditions": conditions}


class DatasetSearchService:
    """Runs the retrieval test through the retrieval service."""

    def __init__(self, retrieval: RetrievalService, *, max_question_length: int) -> None:
        self._retrieval = retrieval
        self._max_question_length = max_question_length

    def search(
        self,
        caller: Caller,
        query: RetrievalQuery,
        *,
        meta_data_filter: dict[str, Any] | None = None,
        search_id: str | None = None,
    ) -> Retrieval:
        """Rank the datasets' chunks for the question; see the module docstring. ``query``
        carries the test's settings; its metadata condition comes from ``meta_data_filter``."""
        if not query.question.strip():
            raise DataError("`question` is required.")
        check_question_length(query.question, self._max_question_length)
        if search_id:
            raise DataError(
                "`search_id` (the settings of a search app) is not supported by the retrieval test yet; "
                "send the settings in the request."
            )
        tested = replace(
            query,
            top_k=max(1, min(query.top_k, MAX_TOP_K)),
            metadata_condition=metadata_condition_of(meta_data_filter),
            metadata_narrows_documents=True,
        )
        return self._retrieval.retrieve(caller, tested)
