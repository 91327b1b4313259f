"""Built-in models run in a supervised child process, so native code cannot take the server down."""

from ragloom.providers.isolated.chat import IsolatedChat
from ragloom.providers.isolated.embedding import IsolatedEmbedding
from ragloom.providers.isolated.spec import HostSpec
from ragloom.providers.isolated.supervisor import ModelProcess

__all__ = ["HostSpec", "IsolatedChat", "IsolatedEmbedding", "ModelProcess"]
