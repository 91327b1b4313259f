"""Search-app requests (loose JSON, RAGFlow's messages) and the search app as each route shows it.

Bodies are validated by the models below (:class:`SearchBody`). A key a route requires but the
body lacks is RAGFlow's 101 ``required argument are missing: …; ``; the rules RAGFlow words
itself (a search name, ``search_config`` not an object) are its 102s; any other problem with a
value is a 101 naming the field (``Field: <search_config.top_k> - Message: <…> - Value: <…>``).
Keys the routes do not know are ignored, as RAGFlow ignores them.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, ConfigDict, Field, model_validator

from ragloom.api.bodies import worded
from ragloom.api.params import page_and_size
from ragloom.api.schemas.loose import QueryModel, Sent, SortedPageQuery, WordedModel
from ragloom.clock import http_date
from ragloom.errors import RetCode
from ragloom.services.search_apps import SearchAppListing, SearchAppView
from ragloom.services.search_config import SearchConfig
from ragloom.storage.metadata.tables import SearchApp

SEARCH_NAME_LIMIT = 128
"""Bytes of UTF-8 a search name may take (RAGFlow's column holds 128)."""


def _search_name(value: Any) -> str:
    if not isinstance(value, str):
        raise worded("Search name must be string.")
    name = value.strip()
    if not name:
        raise worded("Search name can't be empty.")
    size = len(name.encode("utf-8"))
    if size > SEARCH_NAME_LIMIT:
        raise worded(f"Search name length is {size} which is large than {SEARCH_NAME_LIMIT}")
    return name


def _config_object(value: Any) -> Any:
    if not isinstance(value, dict):
        raise worded("search_config must be a JSON object")
    return value


SearchName = Annotated[str, BeforeValidator(_search_name)]
ConfigObject = Annotated[SearchConfig, BeforeValidator(_config_object)]


def _required_keys(schema: dict[str, Any], model: type[Any]) -> None:
    schema["required"] = list(getattr(model, "required_keys", ()))


class SearchBody(WordedModel):
    """A search route's loose body: a key it requires but the body lacks first (101 ``required
    argument are missing: …; ``), then the rules RAGFlow words itself (102), then any other
    problem with a value (101 naming the field). Unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_required_keys)
    problem_code = RetCode.ARGUMENT_ERROR
    required_keys: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _required_first(cls, data: Any) -> Any:
        missing = [key for key in cls.required_keys if not isinstance(data, dict) or key not in data]
        if missing:
            raise worded(f"required argument are missing: {','.join(missing)}; ", RetCode.ARGUMENT_ERROR)
        return data


class CreateSearchAppBody(SearchBody):
    """``POST /searches``."""

    required_keys = ("name",)

    name: SearchName = Field(description=f"At most {SEARCH_NAME_LIMIT} bytes of UTF-8.")
    description: str | None = None
    avatar: str | None = None
    search_config: ConfigObject | None = None


class UpdateSearchAppBody(SearchBody):
    """``PUT /searches/{id}``: ``search_config`` keys are merged into the stored ones."""

    required_keys = ("name", "search_config")

    name: SearchName
    search_config: ConfigObject
    description: str | None = None
    avatar: str | None = None


class SearchQuestionBody(SearchBody):
    """``POST /searches/{id}/completions``: ``kb_ids`` count only when the app has no datasets."""

    required_keys = ("question",)

    question: str
    kb_ids: list[str] | None = None


class EmbeddedQuestionBody(SearchBody):
    """``POST /searchbots/ask``: a question over ``kb_ids``, with a search app's settings if named."""

    required_keys = ("question", "kb_ids")

    question: str
    kb_ids: list[str]
    search_id: str | None = None


class MindMapBody(EmbeddedQuestionBody):
    """``POST /chat/mindmap`` and ``/searchbots/mindmap``: a mind map of what ``question`` retrieves
    from ``kb_ids`` (a search app's datasets instead when ``search_id`` names one that has some)."""


class RelatedQuestionsBody(SearchBody):
    """``POST /chat/recommendation`` and ``/searchbots/related_questions``."""

    required_keys = ("question",)

    question: str
    search_id: str | None = Field(None, description="Use this search app's chat model and settings.")


class ListSearchAppsQuery(SortedPageQuery):
    """``GET /searches``: a page of the caller's search apps (everything when ``page`` or
    ``page_size`` is 0 or left out)."""

    keywords: Sent[str] = Field(None, description="In the name, ignoring case.")
    owner_ids: Sent[list[str]] = Field(None, description="Only the caller's own tenant id is allowed.")

    def listing(self) -> SearchAppListing:
        params = self.given()
        page, page_size = page_and_size(params, page=0, page_size=0)
        return SearchAppListing(
            keywords=params.get("keywords") or None,
            owner_ids=[owner for owner in params.get("owner_ids") or () if owner] or None,
            page=page,
            page_size=page_size,
            orderby=self.orderby_or("create_time"),
            desc=self.descending(),
        )


class SearchIdQuery(QueryModel):
    """``GET /searchbots/detail``: which search app."""

    required_keys = ("search_id",)

    search_id: Sent[str] = None


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
