"""What a route can ask for, as ``Annotated`` aliases.

Request bodies and query strings are read by :mod:`ragloom.api.inputs`, whose readers depend
on :data:`CurrentCaller`, so a request without a valid key is answered 401 before its body is
looked at; once the caller is known, its path parameters and query string are held to the
limits before the route reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from ragloom.api.auth import authenticate, services_of
from ragloom.api.params import check_parameters
from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from ragloom.settings import LimitSettings

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class KeyCheck:
    """How a dependency that demands an API key answers a request without a valid one: with
    HTTP ``status`` (401 as on every RAGFlow route, or 200 with the envelope ``refusal`` says)."""

    status: int = 401
    refusal: str = "No API key, or not a valid one."


def checks_key(check: KeyCheck) -> Callable[[F], F]:
    """Mark a dependency as the API-key check of the routes that depend on it."""

    def mark(function: F) -> F:
        function.__key_check__ = check  # type: ignore[attr-defined]
        return function

    return mark


def key_check_of(call: object) -> KeyCheck | None:
    """The :class:`KeyCheck` of a dependency that demands an API key, else ``None``."""
    check = getattr(call, "__key_check__", None)
    return check if isinstance(check, KeyCheck) else None


def limits_of(request: Request) -> LimitSettings:
    return services_of(request).settings.limits


@checks_key(KeyCheck())
def _caller(request: Request) -> Caller:
    caller = authenticate(request)
    check_parameters(request, limits_of(request))
    return caller


ServicesDep = Annotated[Services, Depends(services_of)]
CurrentCaller = Annotated[Caller, Depends(_caller)]
Limits = Annotated[LimitSettings, Depends(limits_of)]
