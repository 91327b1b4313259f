"""The task queue role: the protocol and its backends."""

from ragloom.storage.queue.protocol import (
    ACTIVE,
    LEASED,
    Claim,
    Lease,
    Standing,
    TaskQueue,
    TaskStatus,
)

__all__ = ["ACTIVE", "LEASED", "Claim", "Lease", "Standing", "TaskQueue", "TaskStatus"]
