"""The listing tools: ``list_datasets`` (as ``GET /datasets``) and ``list_chats`` (as ``GET /chats``).

Each reads its arguments with the REST route's query model and lists through the same service,
then keeps the fields an MCP client chooses by (ids, names, descriptions, sizes, models).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import Field

from ragloom.api.bodies import validate
from ragloom.api.schemas.chats import ListChatsQuery, chat_list_item
from ragloom.api.schemas.datasets import ListDatasetsQuery, dataset_public
from ragloom.api.schemas.loose import RequestContext
from ragloom.integers import MAX_PAGE
from ragloom.mcp.tools import Outcome, Tool, ToolArguments
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

DATASET_FIELDS = (
    "id",
    "name",
    "description",
    "language",
    "embedding_model",
    "chunk_method",
    "permission",
    "document_count",
    "chunk_count",
    "token_num",
    "create_time",
    "update_time",
)
CHAT_FIELDS = ("id", "name", "description", "dataset_ids", "kb_names", "llm_id", "create_time", "update_time")

PageSize = Annotated[int, Field(ge=1, le=100, description="Items per page, at most 100.")]


class ListArguments(ToolArguments):
    """What both listing tools take."""

    page: Annotated[int, Field(ge=1, le=MAX_PAGE, description="Page of the list, from 1.")] = 1
    page_size: PageSize = 30
    orderby: Literal["create_time", "update_time"] = Field("create_time", description="The column to order by.")
    desc: bool = Field(True, description="Newest (or last updated) first.")
    name: str | None = Field(None, description="Only the one of this exact name.")
    keywords: str | None = Field(None, description="Only those whose name contains this text.")


class ListDatasetsArguments(ListArguments):
    """Arguments of ``list_datasets``."""


class ListChatsArguments(ListArguments):
    """Arguments of ``list_chats`` (all of a tenant's chats fit one page, usually)."""

    page_size: PageSize = 100


def _context(services: Services) -> RequestContext:
    return RequestContext(services.settings.limits)


def _fields(item: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: item.get(name) for name in names}


def list_datasets(services: Services, caller: Caller, arguments: dict[str, Any]) -> Outcome:
    """One page of the caller's datasets, as ``GET /datasets`` lists them."""
    keywords = arguments.pop("keywords", None)
    if keywords is not None:
        arguments["ext"] = {"keywords": keywords}
    query = validate(ListDatasetsQuery, arguments, context=_context(services))
    views, total = services.datasets.list_page(caller, query.listing())
    datasets = [_fields(dict(dataset_public(view)), DATASET_FIELDS) for view in views]
    return _page("datasets", "dataset", datasets, total, _dataset_line)


def list_chats(services: Services, caller: Caller, arguments: dict[str, Any]) -> Outcome:
    """One page of the caller's chat assistants, as ``GET /chats`` lists them."""
    arguments.setdefault("page", 1)
    arguments.setdefault("page_size", 100)
    query = validate(ListChatsQuery, arguments, context=_context(services))
    views, total = services.chats.list_page(caller, query.listing())
    chats = [_fields(chat_list_item(view.record, view.dataset_names, view.owner), CHAT_FIELDS) for view in views]
    return _page("chats", "chat assistant", chats, total, _chat_line)


def _page(
    key: str, noun: str, items: list[dict[str, Any]], total: int, line: Callable[[dict[str, Any]], str]
) -> Outcome:
    """A page of a list: ``{key: items, "total": total}``, and a line of text per item."""
    text = [f"{len(items)} {noun}(s) on this page, {total} in all.", *(line(item) for item in items)]
    return Outcome({key: items, "total": total}, "\n".join(text))


def _dataset_line(dataset: dict[str, Any]) -> str:
    return (
        f"- {dataset['name']} (id {dataset['id']}): {dataset['document_count']} documents, "
        f"{dataset['chunk_count']} chunks, embedded with {dataset['embedding_model']}. {dataset['description'] or ''}"
    ).rstrip()


def _chat_line(chat: dict[str, Any]) -> str:
    datasets = ", ".join(chat["kb_names"]) or "no datasets"
    return f"- {chat['name']} (id {chat['id']}) over {datasets}. {chat['description'] or ''}".rstrip()


LIST_DATASETS = Tool(
    name="list_datasets",
    title="List datasets",
    description=(
        "List the datasets (knowledge bases) of the API key's tenant: their ids, names, descriptions, "
        "document and chunk counts and embedding models. Use the ids with `retrieve`."
    ),
    arguments=ListDatasetsArguments,
    function=list_datasets,
)
LIST_CHATS = Tool(
    name="list_chats",
    title="List chat assistants",
    description=(
        "List the chat assistants of the API key's tenant: their ids, names, descriptions and the datasets "
        "they answer from. Use the ids with `ask_chat`."
    ),
    arguments=ListChatsArguments,
    function=list_chats,
)
