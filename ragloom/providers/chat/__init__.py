"""Chat models: the protocol, the local llama.cpp model and remote providers."""

from ragloom.providers.chat.protocol import (
    ChatMessage,
    ChatModel,
    Delta,
    GenerationOptions,
    ToolCall,
    ToolChoice,
    Usage,
)
from ragloom.providers.chat.registry import ChatModels

__all__ = [
    "ChatMessage",
    "ChatModel",
    "ChatModels",
    "Delta",
    "GenerationOptions",
    "ToolCall",
    "ToolChoice",
    "Usage",
]
