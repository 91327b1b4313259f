"""How a route says what it reads — and reads it. One convention for every route.

A route names each input in its signature, with the pydantic model that reads it::

    def create_dataset(caller: CurrentCaller, services: ServicesDep, body: StrictBody[CreateDatasetRequest]) -> ...
    def add_chunk(dataset_id: str, ..., body: LooseBody[NewChunkRequest]) -> ...
    def list_chunks(dataset_id: str, ..., query: Query[ListChunksQuery]) -> ...
    def delete_chat(chat_id: str, ..., _: NoBody) -> ...   # a POST/PUT/PATCH/DELETE that reads no body

- ``StrictBody[M]``: RAGFlow's strict regime — ``application/json``, parseable, an object —
  then ``M`` validates it; a refusal is a 101 listing every problem (or ``M.refusal(error)``).
- ``LooseBody[M]``: the loose regime — JSON when the content type says so, form fields
  otherwise, ``{}`` when empty — then ``M`` (a :class:`~ragloom.api.schemas.loose.LooseModel`).
- ``Query[M]``: the query string; a key given more than once is a list when ``M``'s field is one.
- ``NoBody``: says that the route reads no body (RAGFlow ignores one if sent).

Path parameters are plain ``str`` parameters. Each reader runs after the API key is checked
(401 first; :func:`loose_body_after` and :func:`query_after` read after another key check, the
search widget's), validates with a :class:`~ragloom.api.schemas.loose.RequestContext` (limits, path
parameters), and carries a :class:`Declared` that :mod:`ragloom.api.openapi` turns into the
request body and parameters of the route's OpenAPI operation — the very models that validate.
A dependency that reads a request its own way (uploads) declares what it reads with
:func:`declares`. Nothing else reads a request: routes take no ``Request``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from pydantic import BaseModel

from ragloom.api.auth import services_of
from ragloom.api.bodies import read_loose_body, read_strict_json, validate
from ragloom.api.deps import CurrentCaller, limits_of
from ragloom.api.schemas.loose import RequestContext
from ragloom.errors import RagloomError
from ragloom.services.tenants import Caller, PresentedKey

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class Declared:
    """What one reader takes from a request: body models by media type, a query model, or
    explicitly no body."""

    bodies: tuple[tuple[str, type[BaseModel]], ...] = ()
    query: type[BaseModel] | None = None
    no_body: bool = False
    body_required: bool = False


def declares(inputs: Declared) -> Callable[[F], F]:
    """Mark a dependency as reading ``inputs`` (for readers other than the ones below)."""

    def mark(function: F) -> F:
        function.__declared__ = inputs  # type: ignore[attr-defined]
        return function

    return mark


def declared_by(call: Callable[..., Any] | None) -> Declared | None:
    declared = getattr(call, "__declared__", None)
    return declared if isinstance(declared, Declared) else None


def readers(dependant: Dependant) -> Iterator[Dependant]:
    """Every dependency of ``dependant``, depth first (the route itself included)."""
    yield dependant
    for dependency in dependant.dependencies:
        yield from readers(dependency)


def context_of(request: Request) -> RequestContext:
    return RequestContext(limits_of(request), {key: str(value) for key, value in request.path_params.items()})


def _after_key(read: F, key: Any) -> F:
    """``read`` made to depend on ``key`` (the API-key check) before it reads anything."""
    read.__annotations__ = {**read.__annotations__, "_caller": key}
    return read


@contextmanager
def _key_first(request: Request, caller: object) -> Iterator[None]:
    """Refusals of the input inside come after the key's: a key only presented (the route looks
    it up itself, :data:`~ragloom.api.deps.PresentedCaller`) is looked up before one leaves."""
    try:
        yield
    except RagloomError:
        if isinstance(caller, PresentedKey):
            services_of(request).tenants.confirm(caller)
        raise


@functools.cache
def _strict_reader(model: type[BaseModel], key: Any = CurrentCaller) -> Callable[..., Any]:
    @declares(Declared(bodies=((JSON, model),), body_required=True))
    async def read(request: Request, _caller: Caller) -> BaseModel:
        with _key_first(request, _caller):
            payload = await read_strict_json(request, limits_of(request))
            return validate(model, payload, context=context_of(request))

    return _after_key(read, key)


@functools.cache
def _loose_reader(model: type[BaseModel], key: Any = CurrentCaller) -> Callable[..., Any]:
    @declares(Declared(bodies=((JSON, model), (FORM, model))))
    async def read(request: Request, _caller: Caller) -> BaseModel:
        with _key_first(request, _caller):
            payload = await read_loose_body(request, limits_of(request))
            return validate(model, payload, context=context_of(request))

    return _after_key(read, key)


@functools.cache
def _list_keys(model: type[BaseModel]) -> frozenset[str]:
    """The query keys of ``model`` whose values are lists (by alias, as clients send them)."""
    properties = model.model_json_schema(mode="validation").get("properties", {})

    def is_list(schema: dict[str, Any]) -> bool:
        return schema.get("type") == "array" or any(is_list(option) for option in schema.get("anyOf", ()))

    return frozenset(key for key, schema in properties.items() if is_list(schema))


def query_values(request: Request, model: type[BaseModel]) -> dict[str, Any]:
    """The query string as ``model`` reads it: lists for its list fields, else one value per key."""
    lists = _list_keys(model)
    first = bool(getattr(model, "takes_first", False))
    values: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in lists:
            values.setdefault(key, []).append(value)
        elif not first or key not in values:
            values[key] = value
    return values


@functools.cache
def _query_reader(model: type[BaseModel], key: Any = CurrentCaller) -> Callable[..., Any]:
    @declares(Declared(query=model))
    async def read(request: Request, _caller: Caller) -> BaseModel:
        with _key_first(request, _caller):
            return validate(model, query_values(request, model), context=context_of(request))

    return _after_key(read, key)


def loose_body_after(key: Any, model: type[BaseModel]) -> Any:
    """What reads ``LooseBody[model]`` after the API-key check ``key`` instead of
    :data:`CurrentCaller` (the search widget checks keys its own way)::

        Question = Annotated[QuestionBody, loose_body_after(WidgetCaller, QuestionBody)]
    """
    return Depends(_loose_reader(model, key))


def query_after(key: Any, model: type[BaseModel]) -> Any:
    """What reads ``Query[model]`` after the API-key check ``key`` (as :func:`loose_body_after`)."""
    return Depends(_query_reader(model, key))


@declares(Declared(no_body=True))
def _no_body() -> None:
    """Reads nothing: the route takes no body."""


NoBody = Annotated[None, Depends(_no_body)]

if TYPE_CHECKING:
    StrictBody = Annotated[M, "a strict JSON body"]
    LooseBody = Annotated[M, "a loose JSON or form body"]
    Query = Annotated[M, "a query string"]
else:

    class StrictBody:
        """``StrictBody[M]``: the body under the strict regime, validated by ``M``."""

        def __class_getitem__(cls, model: type[BaseModel]) -> Any:
            return Annotated[model, Depends(_strict_reader(model))]

    class LooseBody:
        """``LooseBody[M]``: the body under the loose regime, validated by ``M``."""

        def __class_getitem__(cls, model: type[BaseModel]) -> Any:
            return Annotated[model, Depends(_loose_reader(model))]

    class Query:
        """``Query[M]``: the query string, validated by ``M``."""

        def __class_getitem__(cls, model: type[BaseModel]) -> Any:
            return Annotated[model, Depends(_query_reader(model))]
