"""Memories: where agents keep their conversations and what they learn from them.

Memories are rows of the metadata store; their messages are records of the chunk index
(:class:`~ragloom.storage.index.RecordKind` ``MESSAGE``), searched by the same query analysis
and hybrid scoring as datasets. Extraction runs on the durable task queue.
"""

from ragloom.memory.kinds import ForgettingPolicy, MessageType, Permission, StorageType
from ragloom.memory.memories import MemoryChanges, MemoryListing, MemoryService, MemoryView, NewMemory
from ragloom.memory.messages import ListedMessage, MessagePage, MessageService
from ragloom.memory.search import FoundMessage, MessageQuery
from ragloom.memory.writing import Turn

__all__ = [
    "ForgettingPolicy",
    "FoundMessage",
    "ListedMessage",
    "MemoryChanges",
    "MemoryListing",
    "MemoryService",
    "MemoryView",
    "MessagePage",
    "MessageQuery",
    "MessageService",
    "MessageType",
    "NewMemory",
    "Permission",
    "StorageType",
    "Turn",
]
