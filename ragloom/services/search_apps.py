"""Search apps: a tenant's saved searches over its datasets, and their answers (``/searches``).

A search app is a name and a :class:`~ragloom.services.search_config.SearchConfig`. Its
completion retrieves with those settings and has the chat model summarise what it found
(:meth:`~ragloom.services.completions.CompletionService.prepare_search`); nothing is stored.

Every method is scoped to the caller's tenant. Another tenant's app, or an id that does not
exist, is answered as RAGFlow answers it: reading it is J 103 ``Has no permission for this
operation.``, changing, deleting or asking it J 109 ``No authorization.`` (both ``data: false``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ragloom.clock import now_ms
from ragloom.errors import ArgumentError, AuthorizationError, DataError, RetCode
from ragloom.ids import new_id
from ragloom.providers.catalog import ModelCatalog, ModelKind
from ragloom.services.completions import CompletionService, Grounding, SearchQuestion, Turn
from ragloom.services.names import first_free_name
from ragloom.services.search_config import SUMMARY_TOP_N, SearchConfig
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore, Transaction
from ragloom.storage.metadata.search_apps import SORTABLE_SEARCH_APP_COLUMNS, SearchAppQuery
from ragloom.storage.metadata.tables import SearchApp, Tenant

NO_PERMISSION = "Has no permission for this operation."
NO_AUTHORIZATION = "No authorization."
UNAUTHORIZED_OWNERS = "Only authorized owner_ids can be queried."


@dataclass(frozen=True)
class NewSearchApp:
    """A validated create request (the name trimmed and within its limit)."""

    name: str
    description: str = ""
    avatar: str | None = None
    config: SearchConfig = field(default_factory=SearchConfig)


@dataclass(frozen=True)
class SearchAppChanges:
    """A validated update: a new name, the config keys to change (merged into the stored
    config), and optionally a new description or avatar."""

    name: str
    config: SearchConfig
    description: str | None = None
    avatar: str | None = None


@dataclass(frozen=True)
class SearchAppListing:
    """A list request: a page size or page of 0 or less is the first 100."""

    keywords: str | None = None
    owner_ids: list[str] | None = None
    page: int = 1
    page_size: int = 100
    orderby: str = "create_time"
    desc: bool = True


@dataclass(frozen=True)
class SearchAppView:
    """A search app with its owner (for ``nickname`` and ``tenant_avatar``)."""

    record: SearchApp
    owner: Tenant | None


def no_permission() -> AuthorizationError:
    return AuthorizationError(NO_PERMISSION, data=False, code=RetCode.OPERATING_ERROR)


class SearchAppService:
    """The rules of search apps; every method is scoped to the caller's tenant."""

    def __init__(self, store: MetadataStore, models: ModelCatalog, completions: CompletionService) -> None:
        self._store = store
        self._models = models
        self._completions = completions

    # ---- checks -------------------------------------------------------------------------------

    def _check_config(self, tx: Transaction, caller: Caller, config: SearchConfig) -> None:
        """The datasets must be the caller's and the models usable by it."""
        given = config.model_fields_set
        if "kb_ids" in given:
            for dataset_id in config.kb_ids:
                if tx.datasets.owned(caller.tenant_id, dataset_id) is None:
                    raise DataError(f"You don't own the dataset {dataset_id}")
        for key, kind in (("chat_id", ModelKind.CHAT), ("rerank_id", ModelKind.RERANK)):
            model_id = getattr(config, key)
            if key in given and model_id and self._models.find(model_id, kind, caller.tenant_id) is None:
                raise DataError(f"`{key}` {model_id} doesn't exist")

    @staticmethod
    def _owned(tx: Transaction, caller: Caller, app_id: str, refusal: AuthorizationError) -> SearchApp:
        app = tx.search_apps.owned(caller.tenant_id, app_id)
        if app is None:
            raise refusal
        return app

    # ---- operations ----------------------------------------------------------------------------

    def create(self, caller: Caller, new: NewSearchApp) -> str:
        """Create a search app; a name the tenant already uses gets a number (``name(1)``)."""
        with self._store.writing() as tx:
            if tx.tenants.lock(caller.tenant_id) is None:
                raise DataError("Tenant not found!")
            self._check_config(tx, caller, new.config)
            name = first_free_name(
                new.name, lambda candidate: tx.search_apps.name_key_taken(caller.tenant_id, candidate.lower())
            )
            now = now_ms()
            app = SearchApp(
                id=new_id(),
                tenant_id=caller.tenant_id,
                created_by=caller.tenant_id,
                name=name,
                name_key=name.lower(),
                description=new.description,
                avatar=new.avatar,
                search_config=new.config.stored(),
                create_time=now,
                update_time=now,
            )
            tx.search_apps.add(app)
            return app.id

    def list_page(self, caller: Caller, listing: SearchAppListing) -> tuple[list[SearchAppView], int]:
        """The caller's search apps matching ``listing`` and how many match in all."""
        if listing.orderby not in SORTABLE_SEARCH_APP_COLUMNS:
            valid = ", ".join(sorted(SORTABLE_SEARCH_APP_COLUMNS))
            raise ArgumentError(f"Unknown orderby field: {listing.orderby!r}; expected one of {valid}")
        if listing.owner_ids and set(listing.owner_ids) - {caller.tenant_id}:
            raise AuthorizationError(UNAUTHORIZED_OWNERS, data=False, code=RetCode.OPERATING_ERROR)
        page, size = (listing.page, listing.page_size) if listing.page > 0 and listing.page_size > 0 else (1, 100)
        query = SearchAppQuery(
            tenant_ids=[caller.tenant_id],
            name_contains=listing.keywords or None,
            orderby=listing.orderby,
            desc=listing.desc,
            offset=(page - 1) * size,
            limit=size,
        )
        with self._store.reading() as tx:
            apps, total = tx.search_apps.find(query)
            owner = tx.tenants.get(caller.tenant_id)
        return [SearchAppView(app, owner) for app in apps], total

    def get(self, caller: Caller, app_id: str) -> SearchAppView:
        """One of the caller's search apps; J 103 for any other id."""
        with self._store.reading() as tx:
            app = self._owned(tx, caller, app_id, no_permission())
            return SearchAppView(app, tx.tenants.get(app.tenant_id))

    def config(self, caller: Caller, app_id: str) -> SearchConfig:
        """The settings of one of the caller's search apps (J 103 for any other id)."""
        return SearchConfig.model_validate(self.get(caller, app_id).record.search_config)

    def update(self, caller: Caller, app_id: str, changes: SearchAppChanges) -> SearchApp:
        """Rename the app and merge ``changes.config`` into its settings (RAGFlow's ``PUT``)."""
        with self._store.writing() as tx:
            app = self._owned(tx, caller, app_id, AuthorizationError(NO_AUTHORIZATION, data=False))
            self._check_config(tx, caller, changes.config)
            key = changes.name.lower()
            if key != app.name_key and tx.search_apps.name_key_taken(caller.tenant_id, key, except_id=app.id):
                raise DataError("Duplicated search name.")
            app.name, app.name_key = changes.name, key
            app.search_config = SearchConfig.model_validate({**app.search_config, **changes.config.given()}).stored()
            if changes.description is not None:
                app.description = changes.description
            if changes.avatar is not None:
                app.avatar = changes.avatar
            app.update_time = now_ms()
            return tx.search_apps.save(app)

    def delete(self, caller: Caller, app_id: str) -> None:
        with self._store.writing() as tx:
            self._owned(tx, caller, app_id, AuthorizationError(NO_AUTHORIZATION, data=False))
            tx.search_apps.remove(app_id)

    # ---- answers -------------------------------------------------------------------------------

    def ask(self, caller: Caller, app_id: str, question: str, dataset_ids: list[str]) -> Turn:
        """The app's answer to ``question``, ready to stream (J 109 for another tenant's app).

        The app's own datasets are searched; ``dataset_ids`` only when it has none."""
        with self._store.reading() as tx:
            app = self._owned(tx, caller, app_id, AuthorizationError(NO_AUTHORIZATION, data=False))
        return self.answer(caller, SearchConfig.model_validate(app.search_config), question, dataset_ids)

    def answer(self, caller: Caller, config: SearchConfig, question: str, dataset_ids: list[str]) -> Turn:
        """``question`` answered with ``config``'s settings over its datasets (else ``dataset_ids``)."""
        request = SearchQuestion(
            question, self.grounding(caller, config, dataset_ids), config.chat_id or None, config.summary_options()
        )
        return self._completions.prepare_search(caller, request)

    def grounding(self, caller: Caller, config: SearchConfig, dataset_ids: list[str]) -> Grounding:
        """Where and how ``config`` retrieves: its datasets (else ``dataset_ids``, which must be the caller's)."""
        searched = config.kb_ids or dataset_ids
        if not searched:
            raise DataError("`kb_ids` is required.")
        with self._store.reading() as tx:
            for dataset_id in searched:
                if tx.datasets.owned(caller.tenant_id, dataset_id) is None:
                    raise DataError(f"You don't own the dataset {dataset_id}")
        return Grounding(
            dataset_ids=list(searched),
            top_n=SUMMARY_TOP_N,
            similarity_threshold=config.similarity_threshold,
            vector_similarity_weight=config.vector_similarity_weight,
            top_k=config.top_k,
            rerank_id=config.rerank_id or None,
            document_ids=list(config.doc_ids),
            keyword=config.keyword,
            cross_languages=list(config.chat_setting_cross_languages),
            use_kg=config.use_kg,
        )
