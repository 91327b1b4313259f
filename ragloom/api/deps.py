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

from ragloom.api.auth import authenticate, bearer_token, services_of
from ragloom.api.params import check_parameters
from ragloom.errors import RagloomError
from ragloom.services.container import Services
from ragloom.services.tenants import Caller, PresentedKey
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


@checks_key(KeyCheck())
def _presented_key(request: Request) -> PresentedKey:
    """The request's API key, to be looked up by the route's first read together with what that
    read is for (one statement instead of two); 401 at once when there is no key at all. A
    refusal before that read (a query-string value, the body) looks the key up first, so a wrong
    key is still answered 401 before any input is judged."""
    tenants = services_of(request).tenants
    presented = tenants.present(bearer_token(request.headers.get("authorization")))
    try:
        check_parameters(request, limits_of(request))
    except RagloomError:
        tenants.confirm(presented)
        raise
    return presented


ServicesDep = Annotated[Services, Depends(services_of)]
CurrentCaller = Annotated[Caller, Depends(_caller)]
PresentedCaller = Annotated[PresentedKey, Depends(_presented_key)]
"""The key of a route that looks it up itself (see :func:`_presented_key`)."""
Limits = Annotated[LimitSettings, Depends(limits_of)]
