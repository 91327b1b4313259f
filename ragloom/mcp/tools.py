"""What an MCP tool of ragloom is, and how a call of one becomes an MCP result.

A :class:`Tool` is a name, a description, the model documenting its arguments (its JSON schema
is the tool's ``inputSchema``; an argument it does not name is refused) and a function of the
services, the caller and the arguments *as sent*. The function checks the arguments with the
same readers the REST routes use, so a bad value is refused with RAGFlow's words, and calls the
same service; it returns an :class:`Outcome` — structured content and the text a model reads.

:func:`call_result` turns a call into the MCP ``CallToolResult``: a :class:`RagloomError`
becomes a tool error (``isError``) carrying its message and RAGFlow code, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from pydantic import BaseModel, ConfigDict

from ragloom.errors import ArgumentError, RagloomError, RetCode
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

log = logging.getLogger(__name__)

UNEXPECTED_FAILURE = "The tool failed unexpectedly; the server's log has the details."


class ToolArguments(BaseModel):
    """The documented arguments of a tool: types, defaults and descriptions for its schema.

    Only the schema is read from it (and its field names, to refuse unknown arguments): the
    values are checked by the REST API's readers, in RAGFlow's order and words."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Outcome:
    """What a tool found: ``data`` (the structured content, a JSON object) and ``text``."""

    data: dict[str, Any]
    text: str


ToolFunction = Callable[[Services, Caller, dict[str, Any]], Outcome]


@dataclass(frozen=True)
class Tool:
    """One MCP tool: what ``tools/list`` shows of it and the function a call runs."""

    name: str
    title: str
    description: str
    arguments: type[ToolArguments]
    function: ToolFunction
    read_only: bool = True  # False: a call changes what is stored (a chat's turn is kept in its session)

    def spec(self) -> types.Tool:
        """The tool as ``tools/list`` describes it."""
        annotations = types.ToolAnnotations(
            title=self.title,
            read_only_hint=self.read_only,
            destructive_hint=None if self.read_only else False,
            open_world_hint=False,
        )
        return types.Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=self.input_schema(),
            annotations=annotations,
        )

    def input_schema(self) -> dict[str, Any]:
        schema = self.arguments.model_json_schema()
        schema.pop("title", None)
        return schema

    def run(self, services: Services, caller: Caller, arguments: Mapping[str, Any]) -> Outcome:
        """The tool's outcome for ``arguments``; a :class:`RagloomError` when they are refused."""
        known = self.arguments.model_fields
        unknown = sorted(name for name in arguments if name not in known)
        if unknown:
            raise ArgumentError(
                f"Unknown argument(s) of {self.name}: {', '.join(unknown)}. It takes: {', '.join(known)}."
            )
        return self.function(services, caller, dict(arguments))


def call_result(tool: Tool, services: Services, caller: Caller, arguments: Mapping[str, Any]) -> types.CallToolResult:
    """Run ``tool`` and answer as MCP does: the outcome, or a tool error saying what was refused."""
    try:
        outcome = tool.run(services, caller, arguments)
    except RagloomError as error:
        return error_result(error.message, error.code)
    except Exception:  # the boundary of a tool call, as the REST API's handler is of a request
        log.exception("MCP tool %s failed", tool.name)
        return error_result(UNEXPECTED_FAILURE, RetCode.EXCEPTION_ERROR)
    return types.CallToolResult(content=[types.TextContent(text=outcome.text)], structured_content=outcome.data)


def error_result(message: str, code: int) -> types.CallToolResult:
    """A tool error: the message as text, and ``{"code", "message"}`` as RAGFlow would answer."""
    return types.CallToolResult(
        content=[types.TextContent(text=message)],
        structured_content={"code": int(code), "message": message},
        is_error=True,
    )
