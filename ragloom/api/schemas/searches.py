"""Search-app requests (loose JSON, RAGFlow's messages) and the search app as each route shows it.

Bodies are validated by the models below. A key a route requires but the body lacks is
RAGFlow's 101 ``required argument are missing: …; ``; the rules RAGFlow words itself (a
search name, ``search_config`` not an object) are its 102s; any other problem with a value
is a 101 naming the field (``Field: <search_config.top_k> - Message: <…> - Value: <…>``).
Keys the routes do not know are ignored, as RAGFlow ignores them.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from ragloom.api.bodies import validation_message
from ragloom.clock import http_date
from ragloom.errors import ArgumentError, DataError
from ragloom.services.search_apps import SearchAppView
from ragloom.services.search_config import SearchConfig
from ragloom.storage.metadata.tables import SearchApp

M = TypeVar("M", bound=BaseModel)
RAGFLOW_RULE = "ragflow_rule"
"""The pydantic error type of a rule RAGFlow words itself (answered 102 with its message)."""
SEARCH_NAME_LIMIT = 128
"""Bytes of UTF-8 a search name may take (RAGFlow's column holds 128)."""


def _rule(message: str) -> PydanticCustomError:
    return PydanticCustomError(RAGFLOW_RULE, message)


def _search_name(value: Any) -> str:
    if not isinstance(value, str):
        raise _rule("Search name must be string.")
    name = value.strip()
    if not name:
        raise _rule("Search name can't be empty.")
    size = len(name.encode("utf-8"))
    if size > SEARCH_NAME_LIMIT:
        raise _rule(f"Search name length is {size} which is large than {SEARCH_NAME_LIMIT}")
    return name


def _config_object(value: Any) -> Any:
    if not isinstance(value, dict):
        raise _rule("search_config must be a JSON object")
    return value


SearchName = Annotated[str, BeforeValidator(_search_name)]
ConfigObject = Annotated[SearchConfig, BeforeValidator(_config_object)]


class LooseModel(BaseModel):
    """A loose route's body: unknown keys ignored."""

    model_config = ConfigDict(extra="ignore")


class CreateSearchAppBody(LooseModel):
    """``POST /searches``."""

    name: SearchName
    description: str | None = None
    avatar: str | None = None
    search_config: ConfigObject | None = None


class UpdateSearchAppBody(LooseModel):
    """``PUT /searches/{id}``: ``search_config`` keys are merged into the stored ones."""

    name: SearchName
    search_config: ConfigObject
    description: str | None = None
    avatar: str | None = None


class SearchQuestionBody(LooseModel):
    """``POST /searches/{id}/completions``: ``kb_ids`` count only when the app has no datasets."""

    question: str
    kb_ids: list[str] | None = None


class EmbeddedQuestionBody(LooseModel):
    """``POST /searchbots/ask``: a question over ``kb_ids``, with a search app's settings if named."""

    question: str
    kb_ids: list[str]
    search_id: str | None = None


class RelatedQuestionsBody(LooseModel):
    """``POST /chat/recommendation`` and ``/searchbots/related_questions``."""

    question: str
    search_id: str | None = None


def read_body(model: type[M], body: dict[str, Any], *required: str) -> M:
    """``body`` as ``model``: missing ``required`` keys first (101, RAGFlow's wording), then the
    model's rules (102 for RAGFlow's own, 101 for the others)."""
    missing = [key for key in required if key not in body]
    if missing:
        raise ArgumentError(f"required argument are missing: {','.join(missing)}; ")
    try:
        return model.model_validate(body)
    except ValidationError as error:
        for problem in error.errors():
            if problem["type"] == RAGFLOW_RULE:
                raise DataError(problem["msg"]) from None
        raise ArgumentError(validation_message(error)) from None


def _identity(app: SearchApp) -> dict[str, Any]:
    return {
        "id": app.id,
        "avatar": app.avatar,
        "tenant_id": app.tenant_id,
        "name": app.name,
        "description": app.description,
        "created_by": app.created_by,
    }


def _owner(view: SearchAppView) -> dict[str, Any]:
    return {
        "nickname": view.owner.name if view.owner is not None else "",
        "tenant_avatar": view.owner.avatar if view.owner is not None else None,
    }


def search_app_list_item(view: SearchAppView) -> dict[str, Any]:
    """A ``GET /searches`` item: no settings, the owner's ``nickname`` and ``tenant_avatar``."""
    app = view.record
    return {
        **_identity(app),
        "status": "1",
        "update_time": app.update_time,
        "create_time": app.create_time,
        **_owner(view),
    }


def search_app_detail(view: SearchAppView) -> dict[str, Any]:
    """``GET /searches/{id}`` and ``/searchbots/detail``: the settings, the owner's name and avatar."""
    app = view.record
    return {**_identity(app), "search_config": app.search_config, "update_time": app.update_time, **_owner(view)}


def search_app_public(app: SearchApp) -> dict[str, Any]:
    """The ``PUT`` answer: the stored row with its dates."""
    return {
        **_identity(app),
        "search_config": app.search_config,
        "status": "1",
        "create_time": app.create_time,
        "create_date": http_date(app.create_time),
        "update_time": app.update_time,
        "update_date": http_date(app.update_time),
    }
