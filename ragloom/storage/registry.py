"""Backends of one storage role by name: ``name -> factory``, chosen by settings.

Each role (metadata store, blob store, chunk index) has a :class:`Registry`; its package's
``backends`` module builds one holding the built-in backends, registered exactly as a plug-in
registers its own::

    stores = builtin_blob_stores()
    stores.register("memory", lambda settings: MyMemoryBlobStore())
    store = stores.create("memory", settings)

A factory receives the whole :class:`~ragloom.settings.Settings` (a backend reads its own section,
e.g. ``settings.blobs.s3``, and the data directory) and returns a ready backend, or raises
:class:`~ragloom.errors.ConfigError` when its settings cannot work. No registry is global: the
server builds them when it starts (:class:`ragloom.storage.backends.StorageBackends`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from ragloom.errors import ConfigError

if TYPE_CHECKING:
    from ragloom.settings import Settings

T = TypeVar("T")


class UnknownBackendError(ConfigError):
    """Settings name a backend no registry entry has."""


class Registry(Generic[T]):
    """``name -> factory`` of the backends of one storage role.

    ``setting`` is where the name is chosen (``blobs.backend``); error messages name it, so an
    operator knows which line of the configuration to change.
    """

    def __init__(self, setting: str) -> None:
        self.setting = setting
        self._factories: dict[str, Callable[[Settings], T]] = {}

    def register(self, name: str, factory: Callable[[Settings], T]) -> None:
        """Add the backend ``name``; a name registered already is refused (no silent override)."""
        if not name or name != name.strip():
            raise ValueError(f"invalid backend name {name!r} for {self.setting}")
        if name in self._factories:
            raise ValueError(f"a backend named {name!r} is registered already for {self.setting}")
        self._factories[name] = factory

    def names(self) -> list[str]:
        """The registered backends' names, sorted."""
        return sorted(self._factories)

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def factory(self, name: str) -> Callable[[Settings], T]:
        """The factory of ``name``; :class:`UnknownBackendError` listing the valid names when there is none."""
        try:
            return self._factories[name]
        except KeyError:
            raise UnknownBackendError(
                f"Unknown {self.setting} {name!r}; the backends are: {', '.join(self.names())}"
            ) from None

    def create(self, name: str, settings: Settings) -> T:
        """The backend ``name`` built from ``settings``."""
        return self.factory(name)(settings)
