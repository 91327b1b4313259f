"""What a model process hosts: enough to build the model again after every restart."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum


class HostedKind(StrEnum):
    """The families of built-in models a model process can host."""

    CHAT = "chat"
    EMBEDDING = "embedding"


@dataclass(frozen=True)
class HostSpec:
    """One built-in model: its id, family, and the settings it is built with."""

    model_id: str
    kind: HostedKind
    threads: int = 2

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> HostSpec:
        values = json.loads(text)
        return cls(model_id=str(values["model_id"]), kind=HostedKind(values["kind"]), threads=int(values["threads"]))

    @property
    def label(self) -> str:
        """How errors name the model: ``Chat model X`` or ``Embedding model X``."""
        return f"{self.kind.value.capitalize()} model {self.model_id}"
