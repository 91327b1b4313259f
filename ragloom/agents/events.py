"""What a run reports, in order, as RAGFlow's agent stream names it (AGENTS.md §1.4).

The runtime yields :class:`Event` values; the service adds the envelope every event carries on
the wire (``message_id``, ``created_at``, ``task_id``, ``session_id``) and chooses which ones a
route forwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """The ``event`` field of a stream line."""

    WORKFLOW_STARTED = "workflow_started"
    NODE_STARTED = "node_started"
    NODE_FINISHED = "node_finished"
    MESSAGE = "message"  # data.content is a delta
    MESSAGE_END = "message_end"  # data.reference once the answer cites chunks
    USER_INPUTS = "user_inputs"  # the run paused at a UserFillUp: data.inputs, data.tips
    WORKFLOW_FINISHED = "workflow_finished"
    ERROR = "error"  # the run stopped: data.message (sent as RAGFlow's code-500 line)


@dataclass(frozen=True)
class Event:
    """One step of a run."""

    kind: EventKind
    data: dict[str, Any] = field(default_factory=dict)
