"""What every tool shares: schemas that document each argument, unknown arguments refused, and
refusals and failures turned into MCP tool errors (never a traceback)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from ragloom.api.schemas.chats import ListChatsQuery
from ragloom.api.schemas.datasets import ListDatasetsQuery
from ragloom.api.schemas.retrieval import RetrievalRequest
from ragloom.errors import DataError, RetCode
from ragloom.mcp import TOOLS, Outcome, Tool
from ragloom.mcp.tools import UNEXPECTED_FAILURE, ToolArguments, call_result
from ragloom.services.container import Services
from ragloom.services.tenants import Caller


def properties(schema: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = schema["properties"]
    return found


def test_the_tools_and_their_names() -> None:
    assert [tool.name for tool in TOOLS] == ["list_datasets", "retrieve", "list_chats", "ask_chat"]


@pytest.mark.parametrize("tool", TOOLS, ids=lambda tool: tool.name)
def test_every_argument_is_documented_and_no_other_is_taken(tool: Tool) -> None:
    schema = tool.input_schema()
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    for name, field in properties(schema).items():
        assert field.get("description"), f"{tool.name}.{name} has no description"
    spec = tool.spec()
    assert spec.description
    assert spec.annotations is not None
    assert spec.annotations.read_only_hint is (tool.name != "ask_chat")


def test_retrieve_takes_every_parameter_of_the_retrieval_route() -> None:
    (retrieve,) = [tool for tool in TOOLS if tool.name == "retrieve"]
    schema = retrieve.input_schema()
    # use_kg is read by the route's checks without being declared in its model
    assert set(properties(schema)) == {*RetrievalRequest.model_fields, "use_kg"}
    assert set(schema["required"]) == {"dataset_ids", "question"}


def test_the_listing_tools_take_only_what_their_route_reads() -> None:
    by_name = {tool.name: tool for tool in TOOLS}
    datasets = set(properties(by_name["list_datasets"].input_schema()))
    assert datasets - {"keywords"} <= set(ListDatasetsQuery.model_fields)  # keywords go in `ext`, as on the route
    assert set(properties(by_name["list_chats"].input_schema())) <= set(ListChatsQuery.model_fields)


class EchoArguments(ToolArguments):
    text: str = ""


def _tool(function: Any) -> Tool:
    return Tool(name="echo", title="Echo", description="Echoes.", arguments=EchoArguments, function=function)


def test_an_outcome_is_text_and_structured_content(services: Services, caller: Caller) -> None:
    tool = _tool(lambda _services, _caller, arguments: Outcome({"echo": arguments["text"]}, arguments["text"]))
    result = call_result(tool, services, caller, {"text": "hi"})
    assert not result.is_error
    assert result.structured_content == {"echo": "hi"}
    assert [block.text for block in result.content if block.type == "text"] == ["hi"]


def test_unknown_arguments_are_refused_naming_those_taken(services: Services, caller: Caller) -> None:
    tool = _tool(lambda *_: pytest.fail("the function ran"))
    result = call_result(tool, services, caller, {"text": "hi", "colour": "red", "size": 2})
    assert result.is_error
    message = "Unknown argument(s) of echo: colour, size. It takes: text."
    assert result.structured_content == {"code": RetCode.ARGUMENT_ERROR, "message": message}
    assert [block.text for block in result.content if block.type == "text"] == [message]


def test_a_refusal_is_a_tool_error_with_its_ragflow_code(services: Services, caller: Caller) -> None:
    def refuse(*_: Any) -> Outcome:
        raise DataError("`question` is required.")

    result = call_result(_tool(refuse), services, caller, {})
    assert result.is_error
    assert result.structured_content == {"code": 102, "message": "`question` is required."}


def test_an_unexpected_failure_is_logged_and_answered_without_its_details(
    services: Services, caller: Caller, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(*_: Any) -> Outcome:
        raise KeyError("internal-detail")

    with caplog.at_level(logging.ERROR, logger="ragloom.mcp.tools"):
        result = call_result(_tool(crash), services, caller, {})
    assert result.is_error
    assert result.structured_content == {"code": 100, "message": UNEXPECTED_FAILURE}
    assert "internal-detail" not in str(result.model_dump())
    assert "MCP tool echo failed" in caplog.text
    assert "internal-detail" in caplog.text
