"""Query-string values parsed the way RAGFlow parses them (``int()``; errors are code 100)."""

from __future__ import annotations

from starlette.datastructures import QueryParams

from ragloom.errors import RagloomError, RetCode

MAX_PAGE_SIZE = 100


def query_int(params: QueryParams, key: str, default: int) -> int:
    """``int(params[key])``, or ``default``; a non-number is RAGFlow's code 100 ``ValueError``."""
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise RagloomError(repr(error), code=RetCode.EXCEPTION_ERROR) from None


def page_and_size(params: QueryParams, *, page: int = 1, page_size: int = 30) -> tuple[int, int]:
    """``page`` and ``page_size``, refusing page sizes over 100 as every RAGFlow list does."""
    number, size = query_int(params, "page", page), query_int(params, "page_size", page_size)
    if size > MAX_PAGE_SIZE:
        raise RagloomError(
            repr(ValueError(f"page_size must be less than or equal to {MAX_PAGE_SIZE}")), code=RetCode.EXCEPTION_ERROR
        )
    return number, size
