"""What every web search client shares: the endpoint it is given, and reading its answers."""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ragloom.agents.toolbox import WebResult, WebSearch
from ragloom.errors import ProviderError
from ragloom.providers.http import LOGGED_CHARACTERS
from ragloom.providers.tools.fetch import Answer, Call, send, shown

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Endpoint:
    """A service as the operator configured it, and the limits of one call to it."""

    url: str
    timeout_seconds: float
    max_bytes: int
    api_key: str = ""
    email: str = ""

    def call(self, what: str, method: str, url: str, **request: Any) -> Answer:
        """Call ``url`` of this service (the operator's: not address-vetted, proxy variables honoured)."""
        return send(
            Call(
                what=f"{what} at {shown(url)}",
                method=method,
                url=url,
                timeout_seconds=self.timeout_seconds,
                max_bytes=self.max_bytes,
                **request,
            ),
            guard=None,
        )


SearchClient = Callable[[Endpoint, WebSearch], list[WebResult]]
"""Searches one service: the results, best first, at most ``search.top_n``."""


def json_of(answer: Answer, what: str) -> Any:
    """The JSON an answer holds, or a :class:`ProviderError` (the body only in the log)."""
    try:
        return json.loads(answer.body)
    except ValueError:
        log.warning("%s answered something that is not JSON: %r", what, answer.body[:LOGGED_CHARACTERS])
        raise ProviderError(f"{what} answered something that is not JSON") from None


def xml_of(answer: Answer, what: str) -> ElementTree.Element:
    """The XML document an answer holds (entity expansion is bounded by expat), or a :class:`ProviderError`."""
    try:
        return ElementTree.fromstring(answer.body)
    except ElementTree.ParseError:
        log.warning("%s answered something that is not XML: %r", what, answer.body[:LOGGED_CHARACTERS])
        raise ProviderError(f"{what} answered something that is not XML") from None


def unexpected(what: str, shape: str) -> ProviderError:
    """The error for an answer that parsed but is not shaped as the service's answers are."""
    return ProviderError(f"{what} answered {shape}, not the service's usual answer")


def text(value: Any) -> str:
    """A field of a service's record as text ('' for nothing)."""
    return "" if value is None else str(value)
