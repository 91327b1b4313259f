"""What a route can ask for, as ``Annotated`` aliases.

Request bodies and query strings are read by :mod:`ragloom.api.inputs`, whose readers depend
on :data:`CurrentCaller`, so a request without a valid key is answered 401 before its body is
looked at; once the caller is known, its path parameters and query string are held to the
limits before the route reads them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from ragloom.api.auth import authenticate, services_of
from ragloom.api.bodies import read_loose_body, read_strict_json
from ragloom.api.params import check_parameters
from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from ragloom.settings import LimitSettings


def limits_of(request: Request) -> LimitSettings:
    return services_of(request).settings.limits


def _caller(request: Request) -> Caller:
    caller = authenticate(request)
    check_parameters(request, limits_of(request))
    return caller


ServicesDep = Annotated[Services, Depends(services_of)]
CurrentCaller = Annotated[Caller, Depends(_caller)]
Limits = Annotated[LimitSettings, Depends(limits_of)]


def needs_key(call: object) -> bool:
    """Whether ``call`` is the dependency that demands an API key."""
    return call is _caller


# The readers main's routes were written with, until they are converted to ragloom.api.inputs.
async def _strict_body(request: Request, _caller: CurrentCaller) -> dict[str, Any]:
    return await read_strict_json(request, limits_of(request))


async def _loose_body(request: Request, _caller: CurrentCaller) -> dict[str, Any]:
    return await read_loose_body(request, limits_of(request))


StrictJsonBody = Annotated[dict[str, Any], Depends(_strict_body)]
LooseBody = Annotated[dict[str, Any], Depends(_loose_body)]
