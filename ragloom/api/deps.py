"""What a route can ask for, as ``Annotated`` aliases.

Body readers depend on :data:`CurrentCaller`, so a request without a valid key is
answered 401 before its body is looked at.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from ragloom.api.auth import authenticate, services_of
from ragloom.api.bodies import read_loose_body, read_strict_json
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

ServicesDep = Annotated[Services, Depends(services_of)]
CurrentCaller = Annotated[Caller, Depends(authenticate)]


async def _strict_body(request: Request, _caller: CurrentCaller) -> dict[str, Any]:
    return await read_strict_json(request)


async def _loose_body(request: Request, _caller: CurrentCaller) -> dict[str, Any]:
    return await read_loose_body(request)


StrictJsonBody = Annotated[dict[str, Any], Depends(_strict_body)]
LooseBody = Annotated[dict[str, Any], Depends(_loose_body)]
