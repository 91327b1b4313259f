"""CodeExec: Python (or JavaScript) run in the operator's sandbox — a canvas node, or a function an
Agent's model calls with ``lang`` and ``script``.

Refused unless the operator enabled the sandbox (``agents.sandbox.enabled``); see
:mod:`ragloom.providers.tools.sandbox` for what confines a run. RAGFlow's parameters: ``lang``
(``python``, ``javascript``), ``script`` (it must define ``main``), ``arguments`` (name → a
reference or a literal; ``main`` is called with them). Outputs: each declared output (``outputs``)
gets ``main``'s return value — the value of its key when ``main`` returns an object holding one,
else the whole value — and ``content`` (the value as text: JSON for objects and lists),
``actual_type``, ``raw_result``, ``attachments`` (always empty: files the code writes are not
collected), ``stdout`` and ``stderr``. Code that fails (an exception, the time or CPU limit)
fails the component with the reason; an Agent's model gets it as the call's result.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field, field_validator

from ragloom.agents.components.base import Component, ComponentParams, Invocation, ToolSpec
from ragloom.agents.components.tools.arguments import Argument, Function, given
from ragloom.agents.references import bare_reference
from ragloom.agents.toolbox import CodeLanguage, CodeRun
from ragloom.agents.variables import kind_of
from ragloom.errors import ProviderError

SYSTEM_OUTPUTS = frozenset({"content", "actual_type", "attachments", "raw_result", "stdout", "stderr"})
DEFAULT_SCRIPT = 'def main(arg1: str, arg2: str) -> dict:\n    return {"result": arg1 + arg2}\n'
FUNCTION = Function(
    "execute_code",
    "Run a piece of Python or JavaScript code in a sandbox and get what its `main` function returns. Python: "
    "define `def main() -> dict:` and return a JSON-like value. JavaScript: define `async function main(args)` "
    "and export it with `module.exports = { main };`. The sandbox has no network.",
    [
        Argument("lang", "string", "The language of the code.", True, choices=("python", "javascript")),
        Argument("script", "string", "The code; it MUST define `main`.", True),
    ],
)


class CodeExecParams(ComponentParams):
    lang: CodeLanguage = "python"
    script: str = DEFAULT_SCRIPT
    arguments: dict[str, Any] = Field(default_factory=dict)
    outputs: dict[str, Any] = Field(
        default_factory=lambda: {
            "result": {"value": "", "type": "object"},
            "attachments": {"value": [], "type": "Array<String>"},
        }
    )

    @field_validator("lang", mode="before")
    @classmethod
    def _language(cls, value: Any) -> Any:
        return normalized_language(value) if isinstance(value, str) else value


class CodeExec(Component):
    """Runs code in the sandbox; see the module docstring."""

    name = "CodeExec"
    Params = CodeExecParams

    def _params(self) -> CodeExecParams:
        assert isinstance(self.params, CodeExecParams)
        return self.params

    def bare_reference_texts(self) -> list[str]:
        return [value for value in self._params().arguments.values() if isinstance(value, str) and value]

    def invoke(self, run: Invocation) -> dict[str, Any]:
        params = self._params()
        return self.execute(run, params.lang, params.script, self._arguments(run))

    def tool_spec(self) -> ToolSpec:
        return FUNCTION.spec(self.params.description)

    def invoke_tool(self, run: Invocation, arguments: dict[str, Any]) -> dict[str, Any]:
        params = self._params()
        named = normalized_language(str(given(arguments, "lang", params.lang)))
        if named == "python":
            language: CodeLanguage = "python"
        elif named == "javascript":
            language = "javascript"
        else:
            raise ProviderError(f"CodeExec: '{named}' is not a language the sandbox runs (python, javascript).")
        values = self._arguments(run)
        values.update({key: arguments[key] for key in params.arguments if key in arguments})
        return self.execute(run, language, str(given(arguments, "script", params.script)), values)

    def _arguments(self, run: Invocation) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, source in self._params().arguments.items():
            if isinstance(source, str) and source and bare_reference(source) is not None:
                values[name] = run.value(source)
            else:
                values[name] = source
        return values

    def execute(
        self, run: Invocation, language: CodeLanguage, script: str, arguments: dict[str, Any]
    ) -> dict[str, Any]:
        result = run.services.toolbox.run_code(CodeRun(language, script, arguments))
        if result.error:
            raise ProviderError(f"CodeExec: {result.error}")
        value = result.value
        outputs: dict[str, Any] = {
            name: _business_value(value, name, self._business_outputs()) for name in self._business_outputs()
        }
        if not outputs:
            outputs["result"] = value
        outputs.update(
            {
                "content": canonical_text(value),
                "actual_type": actual_type(value),
                "raw_result": value,
                "attachments": [],
                "stdout": result.stdout,
                "stderr": result.stderr,
            }
        )
        return outputs

    def _business_outputs(self) -> list[str]:
        return [name for name in self._params().outputs if name not in SYSTEM_OUTPUTS and not name.startswith("_")]


def normalized_language(value: str) -> str:
    """RAGFlow's names for the languages: python3 is python, nodejs is javascript."""
    lowered = value.strip().lower()
    return {"python3": "python", "nodejs": "javascript", "js": "javascript"}.get(lowered, lowered)


def _business_value(value: Any, name: str, names: list[str]) -> Any:
    if isinstance(value, dict) and name in value:
        return value[name]
    if isinstance(value, list) and len(names) > 1:
        position = names.index(name)
        return value[position] if position < len(value) else None
    return value if len(names) == 1 else None


def canonical_text(value: Any) -> str:
    """A value as text: strings as they are, objects and lists as indented JSON, nothing as ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    return json.dumps(value) if isinstance(value, bool) else str(value)


def actual_type(value: Any) -> str:
    """RAGFlow's name for a value's type: String, Number, Boolean, Object, Array<…>, Null (Any otherwise)."""
    if value is None:
        return "Null"
    if isinstance(value, list):
        kinds = {actual_type(item) for item in value}
        return f"Array<{kinds.pop()}>" if len(kinds) == 1 else "Array<Any>"
    kind = kind_of(value)
    return kind.capitalize() if kind else "Any"
