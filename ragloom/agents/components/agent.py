"""Agent: an LLM that calls tools — components, sub-agents and MCP functions — by native function
calling (AGENTS.md §3), not a text ReAct prompt.

1. Each round calls the model with the tools (``tool_choice`` auto). A reply without tool calls
   is the answer; the calls of a reply run concurrently, and each result — or the error, as
   text — goes back to the model as a ``tool`` message after the reply that asked for it.
2. At most ``max_rounds`` + 1 such calls; then ``Exceed max rounds: N`` is said to the model and one
   more call without tools gives the answer.
3. A model call that fails before it produced anything is retried ``max_retries`` times,
   ``delay_after_error`` seconds apart; a failure after that fails the component.
4. With a Message downstream the loop runs as the Message streams: the model's text is streamed
   as it is written, tool calls and their results never are. With a structured-output schema the
   answer is parsed as JSON (a reply that does not parse is reformatted by the model, up to
   ``max_retries`` times).
5. Once the run holds chunks to cite (a Retrieval tool found some) and ``cite`` is on, the
   citation guidelines join the system prompt, so the answer can cite ``[ID:n]``.
6. An Agent listed in another's ``tools`` is a sub-agent: a function of ``user_prompt``,
   ``reasoning`` and ``context`` that runs its own loop and answers with its text (no citations).

An Agent without tools is an LLM. Every tool call is noted for the run's log.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import Field

from ragloom.agents.components.agent_tools import (
    McpEntry,
    Tool,
    ToolEntry,
    build_components,
    component_tools,
    mcp_tools,
    parse_arguments,
)
from ragloom.agents.components.base import Component, Invocation, ToolSpec
from ragloom.agents.components.llm import LLM, LLMParams, parse_object, structured_instruction
from ragloom.agents.prompts import CITATION_GUIDELINES
from ragloom.agents.streams import THINK_END, THINK_START, TextStream, answer_text
from ragloom.errors import ProviderError, RagloomError
from ragloom.providers.chat.protocol import ChatMessage, ChatModel, ToolCall

if TYPE_CHECKING:
    from ragloom.agents.components.registry import ComponentRegistry

AGENT_TIMEOUT_SECONDS = 1200.0
MAX_PARALLEL_CALLS = 8
SUB_AGENT_DESCRIPTION = "This is an agent for a specific task."
SUB_AGENT_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "user_prompt": {"type": "string", "description": "This is the order you need to send to the agent."},
        "reasoning": {
            "type": "string",
            "description": "Supervisor's reasoning for choosing this agent: why it is invoked and what is expected.",
        },
        "context": {
            "type": "string",
            "description": "All background the agent needs to solve the query: facts, decisions, state, as "
            "detailed and self-contained as possible.",
        },
    },
    "required": ["user_prompt", "reasoning", "context"],
}


class AgentParams(LLMParams):
    tools: list[ToolEntry] = Field(default_factory=list)
    mcp: list[McpEntry] = Field(default_factory=list)
    max_rounds: int = Field(default=5, ge=0, le=100)
    user_prompt: str = ""
    custom_header: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class _Reply:
    text: str
    calls: tuple[ToolCall, ...]


class Agent(LLM):
    """An LLM with tools; see the module docstring."""

    name = "Agent"
    Params = AgentParams
    timeout_seconds = AGENT_TIMEOUT_SECONDS

    def __init__(self, spec: Any, params: Any) -> None:
        super().__init__(spec, params)
        self._components: list[Component] = []

    def _agent_params(self) -> AgentParams:
        assert isinstance(self.params, AgentParams)
        return self.params

    def bind_components(self, registry: ComponentRegistry) -> None:
        self._components = build_components(self, self._agent_params().tools, registry)

    # ---- as a node ------------------------------------------------------------------------------

    def invoke(self, run: Invocation) -> dict[str, Any]:
        return self.answer(run, self.messages(run))

    def answer(self, run: Invocation, messages: list[ChatMessage]) -> dict[str, Any]:
        tools = self._tools()
        if not tools:
            return super().answer(run, messages)
        params = self._agent_params()
        model = run.services.chat_model(params.llm_id)
        schema = params.structured_schema()
        if schema is not None:
            return self._structured_with_tools(model, messages, tools, schema, run)
        if run.may_stream:
            return {"content": TextStream(lambda: self._loop(model, messages, tools, run))}
        return {"content": answer_text(self._loop(model, messages, tools, run))}

    def _tools(self) -> list[Tool]:
        tools = component_tools(self._components)
        params = self._agent_params()
        return [*tools, *mcp_tools(params.mcp, {tool.spec.name for tool in tools}, params.custom_header)]

    # ---- as a sub-agent ---------------------------------------------------------------------------

    def tool_spec(self) -> ToolSpec:
        parameters = {**SUB_AGENT_PARAMETERS, "properties": dict(SUB_AGENT_PARAMETERS["properties"])}
        if self._agent_params().user_prompt:
            parameters["properties"]["user_prompt"] = {
                "type": "string",
                "description": self._agent_params().user_prompt,
            }
        return ToolSpec(self.id.split("-->")[-1], self.params.description or SUB_AGENT_DESCRIPTION, parameters)

    def invoke_tool(self, run: Invocation, arguments: dict[str, Any]) -> dict[str, Any]:
        prompt = ""
        if arguments.get("reasoning"):
            prompt += f"\nREASONING:\n{arguments['reasoning']}\n"
        if arguments.get("context"):
            prompt += f"\nCONTEXT:\n{arguments['context']}\n"
        query = str(arguments.get("user_prompt") or "")
        prompt = f"{prompt}\nQUERY:\n{query}\n" if prompt else query
        messages = [*self.preamble(run, cite=False), ChatMessage("user", prompt)]
        outputs = self.answer(run, messages)
        content = outputs.get("content")
        if isinstance(content, TextStream):
            outputs["content"] = content.text()
        return outputs

    # ---- the loop ---------------------------------------------------------------------------------

    def _loop(self, model: ChatModel, messages: list[ChatMessage], tools: list[Tool], run: Invocation) -> Iterator[str]:
        params = self._agent_params()
        conversation = list(messages)
        offered = [tool.spec.as_openai() for tool in tools]
        by_name = {tool.spec.name: tool for tool in tools}
        for _round in range(params.max_rounds + 1):
            conversation = self._with_citations(conversation, run)
            reply = yield from self._call(model, conversation, run, offered)
            if not reply.calls or run.cancelled():
                return
            conversation.append(ChatMessage("assistant", reply.text, tool_calls=reply.calls))
            for call, result in self._run_tools(reply.calls, by_name, run):
                conversation.append(ChatMessage("tool", result, tool_call_id=call.id, name=call.name))
        conversation.append(ChatMessage("user", f"Exceed max rounds: {params.max_rounds}"))
        yield from self._call(model, self._with_citations(conversation, run), run, [])

    def _call(
        self, model: ChatModel, conversation: list[ChatMessage], run: Invocation, offered: list[dict[str, Any]]
    ) -> Generator[str, None, _Reply]:
        """One model call, its text as pieces (reasoning between THINK markers); returns the reply.
        Retried while it has produced nothing (see the module docstring)."""
        params = self._agent_params()
        attempt = 0
        while True:
            produced = False
            text: list[str] = []
            calls: tuple[ToolCall, ...] = ()
            thinking = False
            try:
                stream = model.stream(
                    conversation, params.options(), tools=offered, tool_choice="auto" if offered else None
                )
                for delta in stream:
                    if run.cancelled():
                        return _Reply("".join(text), ())
                    if delta.reasoning:
                        if not thinking:
                            thinking = True
                            yield THINK_START
                        produced = True
                        yield delta.reasoning
                    if delta.content:
                        if thinking:
                            thinking = False
                            yield THINK_END
                        produced = True
                        text.append(delta.content)
                        yield delta.content
                    calls = calls + delta.tool_calls
            except ProviderError:
                if produced or attempt >= params.max_retries:
                    raise
                attempt += 1
                time.sleep(params.delay_after_error)
                continue
            if thinking:
                yield THINK_END
            return _Reply("".join(text), calls)

    def _with_citations(self, conversation: list[ChatMessage], run: Invocation) -> list[ChatMessage]:
        """The conversation with the citation guidelines in its system prompt once there is something to
        cite (a top-level Agent with ``cite`` only)."""
        if not self._agent_params().cite or "-->" in self.id or not run.state.references.get("chunks"):
            return conversation
        if conversation and conversation[0].role == "system":
            if CITATION_GUIDELINES in conversation[0].content:
                return conversation
            system = ChatMessage("system", f"{conversation[0].content}\n\n{CITATION_GUIDELINES}".strip())
            return [system, *conversation[1:]]
        return [ChatMessage("system", CITATION_GUIDELINES), *conversation]

    def _run_tools(
        self, calls: tuple[ToolCall, ...], by_name: dict[str, Tool], run: Invocation
    ) -> list[tuple[ToolCall, str]]:
        if len(calls) == 1:
            return [(calls[0], self._run_tool(calls[0], by_name, run))]
        with ThreadPoolExecutor(max_workers=min(len(calls), MAX_PARALLEL_CALLS), thread_name_prefix="tool") as pool:
            results = [pool.submit(self._run_tool, call, by_name, run) for call in calls]
            return [(call, future.result()) for call, future in zip(calls, results, strict=True)]

    def _run_tool(self, call: ToolCall, by_name: dict[str, Tool], run: Invocation) -> str:
        """The result of one call as text: what the tool answered, or what went wrong."""
        started = time.perf_counter()
        tool = by_name.get(call.name)
        arguments: dict[str, Any] = {}
        if run.cancelled():
            result = "Error: the run was cancelled."
        elif tool is None:
            result = f"Error: there is no tool named {call.name!r}; the tools are: {', '.join(sorted(by_name))}."
        else:
            try:
                arguments = parse_arguments(call.arguments)
                result = tool.run(run, arguments)
            except ValueError as error:
                result = f"Error: {error}: {call.arguments}"
            except RagloomError as error:
                result = f"Error: {error.message}"
            except Exception as error:  # a tool's bug is the model's to read, not the run's end
                result = f"Error: {type(error).__name__}: {error}"
        root = self.id.split("-->")[0]
        run.record_tool_call(
            {
                "component_id": root,
                "path": self.id if "-->" in self.id else (self.spec.display_name or self.id),
                "tool_name": call.name,
                "arguments": arguments or call.arguments,
                "result": result,
                "elapsed_time": time.perf_counter() - started,
            }
        )
        return result

    # ---- structured output --------------------------------------------------------------------------

    def _structured_with_tools(
        self,
        model: ChatModel,
        messages: list[ChatMessage],
        tools: list[Tool],
        schema: dict[str, Any],
        run: Invocation,
    ) -> dict[str, Any]:
        params = self._agent_params()
        instruction = structured_instruction(schema)
        if messages and messages[0].role == "system":
            asked = [ChatMessage("system", f"{messages[0].content}\n\n{instruction}"), *messages[1:]]
        else:
            asked = [ChatMessage("system", instruction), *messages]
        text = answer_text(self._loop(model, asked, tools, run))
        value, problem = parse_object(text)
        for _ in range(params.max_retries):
            if value is not None:
                break
            reformat = [
                ChatMessage("system", f"{instruction}\nIMPORTANT: output only valid JSON, no markdown, no other text."),
                ChatMessage("user", text),
            ]
            text = answer_text(self._call(model, reformat, run, []))
            value, problem = parse_object(text)
        if value is None:
            raise ProviderError(f"Structured output failed: {problem}")
        return {"content": text, "structured": value}
