"""What a run keeps between turns: history, globals, conversation variables, outputs, the path.

A session stores its agent's DSL as it was when the session began (so editing the agent does
not change a conversation under way) and this state next to it. The state is plain JSON: a
:class:`~ragloom.agents.streams.TextStream` is always read to its end before it is saved.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from ragloom.agents.streams import TextStream

SYSTEM_GLOBALS = ("sys.query", "sys.user_id", "sys.conversation_turns", "sys.files", "sys.history", "sys.date")


@dataclass
class RunState:
    """The mutable side of a conversation with an agent."""

    globals: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: list[list[str]] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    done: int = 0
    """How many entries of ``path`` have run; a paused run resumes at ``path[done]``."""
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    """Iteration and Loop counters by component id."""
    references: dict[str, dict[str, Any]] = field(default_factory=lambda: {"chunks": {}, "doc_aggs": {}})
    """The chunks the current run's answer may cite, keyed as RAGFlow's ``message_end.reference``."""
    paused: bool = False

    @classmethod
    def fresh(cls, document: dict[str, Any]) -> RunState:
        """The state a new session starts with: the DSL's globals emptied, its conversation variables."""
        declared = document.get("globals") if isinstance(document.get("globals"), dict) else {}
        globals_ = {key: _empty_like(value) for key, value in (declared or {}).items()}
        for key in SYSTEM_GLOBALS:
            globals_.setdefault(key, [] if key in ("sys.files", "sys.history") else "")
        globals_["sys.conversation_turns"] = 0
        variables = document.get("variables") if isinstance(document.get("variables"), dict) else {}
        return cls(globals=globals_, variables=copy.deepcopy(variables or {}))

    def begin_turn(self, query: str, user_id: str, files: list[Any]) -> None:
        """Start a new turn (not a resumed one): the question joins the history, outputs start empty."""
        self.history.append(["user", query])
        turns = self.globals.get("sys.conversation_turns") or 0
        self.globals.update(
            {
                "sys.query": query,
                "sys.user_id": user_id,
                "sys.files": files,
                "sys.conversation_turns": int(turns) + 1,
                "sys.history": [f"{role}: {content}" for role, content in self.history[:-1]],
                "sys.date": time.strftime("%Y-%m-%d %H:%M:%S"),
            }
        )
        self.path, self.done, self.outputs, self.positions = [], 0, {}, {}
        self.references = {"chunks": {}, "doc_aggs": {}}
        self.paused = False

    def to_json(self) -> dict[str, Any]:
        """The state as JSON (streams read to their end)."""
        return {
            "globals": self.globals,
            "variables": self.variables,
            "history": self.history,
            "path": self.path,
            "done": self.done,
            "outputs": {cid: {k: _settled(v) for k, v in values.items()} for cid, values in self.outputs.items()},
            "positions": self.positions,
            "references": self.references,
            "paused": self.paused,
        }

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> RunState:
        return cls(
            globals=dict(values.get("globals") or {}),
            variables=dict(values.get("variables") or {}),
            history=[list(turn) for turn in values.get("history") or []],
            path=list(values.get("path") or []),
            done=int(values.get("done") or 0),
            outputs={str(cid): dict(outs) for cid, outs in (values.get("outputs") or {}).items()},
            positions={str(cid): int(pos) for cid, pos in (values.get("positions") or {}).items()},
            references=dict(values.get("references") or {"chunks": {}, "doc_aggs": {}}),
            paused=bool(values.get("paused")),
        )


def _settled(value: Any) -> Any:
    return value.text() if isinstance(value, TextStream) else value


def _empty_like(value: Any) -> Any:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return 0
    if isinstance(value, list):
        return []
    if isinstance(value, dict):
        return {}
    return "" if isinstance(value, str) else None
