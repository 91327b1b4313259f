"""Which models the server knows, by RAGFlow's ``model_name@factory`` ids.

``Builtin`` models ship inside PyPI packages and need no configuration. Remote factories
(OpenAI, Ollama, ...) are known by name; a model of such a factory is usable once it is
configured, until then it is *unauthorized* — the answer RAGFlow gives for a provider
without an API key. Anything else is *unsupported*.

A remote model is either the operator's (``[[models.remote]]`` in the settings) or a
tenant's own (configured through the API); only the latter's connections are vetted by the
:class:`~ragloom.providers.address_guard.AddressPolicy` (:meth:`ModelCatalog.guard_for`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ragloom.errors import ConfigError, DataError
from ragloom.providers.address_guard import AddressPolicy
from ragloom.settings import ModelSettings, RemoteModel

BUILTIN_FACTORY = "Builtin"
BUILTIN_SUFFIX = "@" + BUILTIN_FACTORY.lower()

REMOTE_FACTORIES = (
    "OpenAI",
    "OpenAI-API-Compatible",
    "Azure-OpenAI",
    "Ollama",
    "DeepSeek",
    "Tongyi-Qianwen",
    "ZHIPU-AI",
    "SILICONFLOW",
    "Moonshot",
    "VLLM",
    "LM-Studio",
    "Xinference",
    "LocalAI",
    "Jina",
    "Cohere",
    "Voyage AI",
    "HuggingFace",
    "BAAI",
)


class ModelKind(StrEnum):
    """What a model is used for."""

    EMBEDDING = "embedding"
    CHAT = "chat"
    RERANK = "rerank"


@dataclass(frozen=True)
class ModelId:
    """A ``model_name@factory`` id, or ``model_name@instance@factory`` (RAGFlow v0.26 names several
    configurations of one provider by instance), split."""

    name: str
    factory: str
    instance: str = ""

    @classmethod
    def parse(cls, text: str) -> ModelId:
        """Split at ``@``: the last part is the factory, a middle one (if any) the instance, and the
        rest the name. Raise ``ValueError`` if a part is empty."""
        parts = [part.strip() for part in text.strip().split("@")]
        if len(parts) < 2 or not all(parts):
            raise ValueError(f"Model id must be <model_name>@<factory> or <model_name>@<instance>@<factory>: {text!r}")
        if len(parts) == 2:
            return cls(name=parts[0], factory=parts[1])
        return cls(name="@".join(parts[:-2]), factory=parts[-1], instance=parts[-2])

    @property
    def without_instance(self) -> ModelId:
        """``name@factory``."""
        return ModelId(self.name, self.factory)

    def __str__(self) -> str:
        if self.instance:
            return f"{self.name}@{self.instance}@{self.factory}"
        return f"{self.name}@{self.factory}"


@dataclass(frozen=True)
class ModelEntry:
    """One usable model; ``remote`` says where a non-built-in model is served, ``tenant_owned``
    whether a tenant configured it through the API (the operator's models are not)."""

    id: ModelId
    kind: ModelKind
    dimension: int | None = None
    max_tokens: int | None = None
    remote: RemoteModel | None = None
    tenant_owned: bool = False
    alias_of: ModelId | None = None
    """Set on the listing entry of an alias (``models.aliases``): the model the alias names."""


BUILTIN_MODELS = (
    ModelEntry(ModelId("multilingual-e5-small", BUILTIN_FACTORY), ModelKind.EMBEDDING, 384, 512),
    ModelEntry(ModelId("universal-sentence-encoder-multilingual", BUILTIN_FACTORY), ModelKind.EMBEDDING, 512, 512),
)


def unsupported_model(model_id: str) -> DataError:
    """RAGFlow's refusal of a model it does not know: ``Unsupported model: <id>`` (102)."""
    return DataError(f"Unsupported model: <{model_id}>")


def model_key(entry: ModelEntry) -> tuple[str, str]:
    """What a loaded model is cached by: its id and, for a remote model, its whole configuration
    (the API key by its hash) and whether a tenant owns it, so two tenants' models of one id
    never share a client, nor a tenant's model the unguarded client of an operator's."""
    if entry.remote is None:
        return str(entry.id).lower(), ""
    values = entry.remote.model_dump()
    if entry.remote.api_key is not None:
        values["api_key"] = hashlib.sha256(entry.remote.api_key.get_secret_value().encode()).hexdigest()
    values["tenant_owned"] = entry.tenant_owned
    return str(entry.id).lower(), json.dumps(values, sort_keys=True, default=str)


def _keyed(entries: Iterable[ModelEntry]) -> dict[tuple[str, ModelKind], ModelEntry]:
    """Entries by lower-cased id and kind. A model of an instance is also found by its id without
    the instance, unless a model configured without one (or an earlier instance) has that id."""
    keyed: dict[tuple[str, ModelKind], ModelEntry] = {}
    listed = list(entries)
    for entry in listed:
        keyed[(str(entry.id).lower(), entry.kind)] = entry
    for entry in listed:
        if entry.id.instance:
            keyed.setdefault((str(entry.id.without_instance).lower(), entry.kind), entry)
    return keyed


TenantModels = Callable[[str], Sequence[RemoteModel]]
"""The remote models one tenant configured for itself (read from the metadata store)."""


def remote_entry(model: RemoteModel, *, tenant_owned: bool = False) -> ModelEntry:
    """The catalog entry of a configured remote model (``tenant_owned``: configured by a tenant)."""
    return ModelEntry(
        ModelId(model.name, model.factory, model.instance),
        ModelKind(model.kind),
        model.dimension,
        model.max_tokens,
        model,
        tenant_owned,
    )


class ModelCatalog:
    """The models this server can use, looked up by id and kind.

    Server-wide models (built in, or configured in settings) serve every tenant; a tenant's
    own models (configured through the API, read through ``tenant_models``) serve only it,
    and take precedence over a server-wide model of the same id and kind.
    """

    def __init__(
        self,
        entries: tuple[ModelEntry, ...] = BUILTIN_MODELS,
        remote_factories: tuple[str, ...] = REMOTE_FACTORIES,
        tenant_models: TenantModels | None = None,
        tenant_addresses: AddressPolicy | None = None,
    ) -> None:
        self._entries = _keyed(entries)
        self._aliases: dict[tuple[str, ModelKind], ModelEntry] = {}
        self._alias_entries: list[ModelEntry] = []
        self._tenant_models = tenant_models
        self.tenant_addresses = tenant_addresses or AddressPolicy()
        """What tenants' own models may connect to."""
        self.remote_factories = remote_factories
        self._factories = {factory.lower() for factory in (*remote_factories, BUILTIN_FACTORY)}
        self.default_chat_model = ""

    @classmethod
    def configured(cls, settings: ModelSettings) -> ModelCatalog:
        """The built-in models (the local chat model when installed) plus the remote ones ``settings`` configures."""
        from ragloom.providers.chat.local_llama import SMOLLM2_ID, local_chat_available

        local = (
            (ModelEntry(ModelId.parse(SMOLLM2_ID), ModelKind.CHAT, max_tokens=4096),) if local_chat_available() else ()
        )
        remote = tuple(remote_entry(model) for model in settings.remote)
        addresses = AddressPolicy(settings.tenant_allow_private_urls, tuple(settings.tenant_allowed_networks))
        catalog = cls((*BUILTIN_MODELS, *local, *remote), tenant_addresses=addresses)
        catalog.default_chat_model = settings.default_chat_model or (SMOLLM2_ID if local else "")
        for alias, target in settings.aliases.items():
            catalog.add_alias(alias, target)
        return catalog

    def add_alias(self, alias: str, target: str) -> None:
        """Let ``alias`` name the server-wide model ``target`` (of every kind ``target`` has).

        An alias is explicit: it is listed as such, resolves to the very model it names, and may
        not shadow a real model. Raises :class:`ConfigError` for an unknown target or a clash."""
        key = alias.strip().lower()
        try:
            alias_id = ModelId.parse(alias)
        except ValueError as error:
            raise ConfigError(f"models.aliases: {error}") from None
        targets = [entry for kind in ModelKind if (entry := self._entries.get((target.strip().lower(), kind)))]
        if not targets:
            known = ", ".join(sorted({str(entry.id) for entry in self._entries.values()}))
            raise ConfigError(f"models.aliases: {alias} names {target}, which this server does not have ({known})")
        for entry in targets:
            if (key, entry.kind) in self._entries or (key, entry.kind) in self._aliases:
                raise ConfigError(f"models.aliases: {alias} is already the id of a {entry.kind} model")
            self._aliases[(key, entry.kind)] = entry
            self._alias_entries.append(dataclasses.replace(entry, id=alias_id, alias_of=entry.id))

    def chat_model_for(self, tenant_choice: str) -> str:
        """The chat model a tenant uses by default: its own choice, else the server's default."""
        return tenant_choice or self.default_chat_model

    def guard_for(self, entry: ModelEntry) -> AddressPolicy | None:
        """The policy ``entry``'s connections must pass: a tenant's model's, none for the operator's."""
        return self.tenant_addresses if entry.tenant_owned else None

    def read_tenant_models_with(self, source: TenantModels) -> None:
        """Where tenants' own models come from (set once the metadata store is open)."""
        self._tenant_models = source

    def _tenant_entries(self, tenant_id: str | None) -> dict[tuple[str, ModelKind], ModelEntry]:
        if tenant_id is None or self._tenant_models is None:
            return {}
        return _keyed(remote_entry(model, tenant_owned=True) for model in self._tenant_models(tenant_id))

    def entries(self, kind: ModelKind | None = None, tenant_id: str | None = None) -> list[ModelEntry]:
        """Every model usable (by ``tenant_id``), or those of one kind; aliases come last, marked."""
        merged = {(str(entry.id).lower(), entry.kind): entry for entry in self._entries.values()}
        merged.update(
            {(str(entry.id).lower(), entry.kind): entry for entry in self._tenant_entries(tenant_id).values()}
        )
        listed = [*merged.values(), *self._alias_entries]
        return [entry for entry in listed if kind is None or entry.kind is kind]

    def find(self, model_id: str, kind: ModelKind, tenant_id: str | None = None) -> ModelEntry | None:
        """The entry for ``model_id``: the tenant's own first, then the server's, then an alias's
        target; else ``None``. ``name@instance@factory`` also finds a model configured without an
        instance (the provider's only configuration), never one of another instance."""
        text = model_id.strip().lower()
        entry = self._lookup(text, kind, tenant_id)
        if entry is None and text.count("@") >= 2:
            try:
                plain = str(ModelId.parse(text).without_instance)
            except ValueError:
                return None
            found = self._lookup(plain, kind, tenant_id)
            entry = found if found is not None and not found.id.instance else None
        return entry

    def _lookup(self, key: str, kind: ModelKind, tenant_id: str | None) -> ModelEntry | None:
        if not key.endswith(BUILTIN_SUFFIX):  # built-in models are never a tenant's (saves a query per request)
            own = self._tenant_entries(tenant_id).get((key, kind))
            if own is not None:
                return own
        return self._entries.get((key, kind)) or self._aliases.get((key, kind))

    def require(self, model_id: str, kind: ModelKind, tenant_id: str | None = None) -> ModelEntry:
        """The entry for ``model_id``, or the error RAGFlow gives for it.

        Raises :class:`DataError` ``Unsupported model: <id>`` for an unknown factory or an
        unknown built-in, and ``Unauthorized model: <id>`` for a known remote factory whose
        model is not configured here (the id between angle brackets, as RAGFlow words them).
        """
        entry = self.find(model_id, kind, tenant_id)
        if entry is not None:
            return entry
        try:
            parsed = ModelId.parse(model_id)
        except ValueError:
            raise unsupported_model(model_id) from None
        factory = parsed.factory.lower()
        if factory == BUILTIN_FACTORY.lower() or factory not in self._factories:
            raise unsupported_model(model_id)
        raise DataError(f"Unauthorized model: <{model_id}>")
