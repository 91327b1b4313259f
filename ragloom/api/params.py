"""Query-string and path values: parsed the way RAGFlow parses them (``int()``; a value
that is not a number is code 100), and refused (101) when longer, more numerous or
larger than the limits allow, or holding the NUL character (no PostgreSQL text can hold it:
refused on every backend, so that each answers alike)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from fastapi import Request

from ragloom.errors import ArgumentError, RagloomError, RetCode
from ragloom.integers import INT64_MAX, INT64_MIN, MAX_PAGE
from ragloom.settings import LimitSettings

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 30
NUL = "\x00"


def nul_refusal(key: str) -> ArgumentError:
    return ArgumentError(f"`{key}` must not contain the NUL character.")


def check_parameters(request: Request, limits: LimitSettings) -> None:
    """Refuse a path parameter or query-string value longer than ``max_string_length``
    characters or holding NUL, and a query-string parameter sent more than ``max_json_items`` times."""
    longest = limits.max_string_length
    for key, value in request.path_params.items():
        if isinstance(value, str) and len(value) > longest:
            raise ArgumentError(f"`{key}` is longer than the limit of {longest} characters.")
        if isinstance(value, str) and NUL in value:
            raise nul_refusal(key)
    sent: Counter[str] = Counter()
    for key, value in request.query_params.multi_items():
        if len(key) > longest:
            raise ArgumentError(f"A query-string parameter name is longer than the limit of {longest} characters.")
        if len(value) > longest:
            raise ArgumentError(f"`{key}` is longer than the limit of {longest} characters.")
        if NUL in key + value:
            raise nul_refusal(key.replace(NUL, "\\x00"))
        sent[key] += 1
        if sent[key] > limits.max_json_items:
            raise ArgumentError(f"`{key}` is given more than the limit of {limits.max_json_items} times.")


def _parsed_int(params: Mapping[str, Any], key: str, default: int) -> int:
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise RagloomError(repr(error), code=RetCode.EXCEPTION_ERROR) from None


def query_int(params: Mapping[str, Any], key: str, default: int, *, low: int = INT64_MIN, high: int = INT64_MAX) -> int:
    """``int(params[key])``, or ``default``; a non-number is RAGFlow's code 100 ``ValueError``,
    a number outside ``low``..``high`` (by default what 64 bits hold) a 101."""
    return in_range(key, _parsed_int(params, key, default), low, high)


def in_range(key: str, value: int, low: int = INT64_MIN, high: int = INT64_MAX) -> int:
    """``value``, or a 101 naming ``key`` when it lies outside ``low``..``high``."""
    if value > high:
        raise ArgumentError(f"`{key}` must be at most {high}.")
    if value < low:
        raise ArgumentError(f"`{key}` must be at least {low}.")
    return value


def refuse_large_page_size(page_size: int) -> None:
    """Every RAGFlow list refuses a page size over 100 with this code-100 ``ValueError``."""
    if page_size > MAX_PAGE_SIZE:
        error = ValueError(f"page_size must be less than or equal to {MAX_PAGE_SIZE}")
        raise RagloomError(repr(error), code=RetCode.EXCEPTION_ERROR)


def page_and_size(params: Mapping[str, Any], *, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> tuple[int, int]:
    """``page`` and ``page_size`` as sent (the given defaults when absent): a page size over 100
    is refused as every RAGFlow list refuses it, a page beyond ``MAX_PAGE`` with a 101; a page
    size below 0 is 0 (each route says what 0 means)."""
    number = query_int(params, "page", page, high=MAX_PAGE)
    size = _parsed_int(params, "page_size", page_size)
    refuse_large_page_size(size)
    return number, max(size, 0)


def sane_page(page: int, page_size: int, *, default_size: int = DEFAULT_PAGE_SIZE) -> tuple[int, int]:
    """A page of 0 or less is the first page and a page size of 0 or less the default one:
    never "everything", which would bypass the 100-row cap."""
    return max(page, 1), page_size if page_size > 0 else default_size


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def flag(value: object, *, default: bool) -> bool:
    """A loose boolean as RAGFlow reads one: ``None`` is ``default``; text is true when it says so."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in TRUE_WORDS
    return bool(value)
