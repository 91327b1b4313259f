"""Tenants and their API keys.

A key is ``ragflow-`` + 43 URL-safe characters, the shape RAGFlow issues. Only its
SHA-256 is stored: the secret is shown once, when it is created. Keys are found by their
hash (an index lookup that reveals nothing about the secret) and then compared in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass

from ragloom.clock import now_ms
from ragloom.errors import AuthenticationError, DataError, NotFoundError
from ragloom.ids import new_id
from ragloom.settings import ModelSettings
from ragloom.storage.metadata import MetadataStore, Transaction
from ragloom.storage.metadata.tables import ApiKey, Tenant

KEY_PREFIX = "ragflow-"
UNAUTHORIZED_MESSAGE = "<Unauthorized '401: Unauthorized'>"
_TOUCH_INTERVAL_MS = 60_000


def hash_secret(secret: str) -> str:
    """The stored form of an API key."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who is making a request: the tenant its key belongs to."""

    tenant_id: str
    key_id: str


@dataclass(frozen=True)
class PresentedKey:
    """An API key a request presents, not yet looked up. A route that reads the metadata store
    first thing looks it up in that same statement (:meth:`TenantService.accept` then checks
    what it found), so the request costs one read, not two; nothing is cached, so a revoked key
    fails at once in every process."""

    secret_hash: str


@dataclass(frozen=True)
class IssuedKey:
    """A key just created; ``secret`` exists nowhere else."""

    id: str
    tenant_id: str
    secret: str
    hint: str


class TenantService:
    """Creates tenants, issues, lists, revokes and checks API keys."""

    def __init__(self, store: MetadataStore, models: ModelSettings) -> None:
        self._store = store
        self._models = models
        self._touched: dict[str, int] = {}
        self._touch_lock = threading.Lock()

    def _new_tenant(self, tx: Transaction, name: str) -> Tenant:
        now = now_ms()
        return tx.tenants.add(
            Tenant(
                id=new_id(),
                name=name,
                avatar=None,
                embedding_model=self._models.default_embedding_model,
                chat_model=self._models.default_chat_model,
                create_time=now,
                update_time=now,
            )
        )

    def _new_key(self, tx: Transaction, tenant_id: str, label: str) -> IssuedKey:
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        hint = f"{secret[:12]}...{secret[-4:]}"
        key = tx.api_keys.add(
            ApiKey(
                id=new_id(),
                tenant_id=tenant_id,
                secret_hash=hash_secret(secret),
                hint=hint,
                label=label,
                create_time=now_ms(),
            )
        )
        return IssuedKey(id=key.id, tenant_id=tenant_id, secret=secret, hint=hint)

    def get_tenant(self, tenant_id: str) -> Tenant:
        with self._store.reading() as tx:
            tenant = tx.tenants.get(tenant_id)
        if tenant is None:
            raise NotFoundError("Tenant not found")
        return tenant

    def list_tenants(self) -> list[Tenant]:
        with self._store.reading() as tx:
            return tx.tenants.all()

    def ensure_first_key(self) -> IssuedKey | None:
        """On a server with no key at all, create a tenant and its key; else ``None``."""
        with self._store.writing() as tx:
            if tx.api_keys.count():
                return None
            tenants = tx.tenants.all()
            tenant = tenants[0] if tenants else self._new_tenant(tx, "admin")
            return self._new_key(tx, tenant.id, "first start")

    def issue_key(
        self, *, tenant_id: str | None = None, new_tenant: bool = False, tenant_name: str = "", label: str = ""
    ) -> IssuedKey:
        """A new key for ``tenant_id``, for a new tenant, or for the only tenant there is."""
        with self._store.writing() as tx:
            if new_tenant:
                return self._new_key(tx, self._new_tenant(tx, tenant_name).id, label)
            tenant = self._named_or_only(
                tx,
                tenant_id,
                tenant_name,
                "Several tenants exist; name one with --tenant or create one with --new-tenant",
            )
            return self._new_key(tx, tenant.id, label)

    def acting_tenant(self, tenant_id: str | None = None) -> Tenant:
        """The tenant a command run on the data directory itself acts for: ``tenant_id``, or the
        only tenant (created, as the first API key's would be, when there is none)."""
        with self._store.writing() as tx:
            return self._named_or_only(tx, tenant_id, "admin", "Several tenants exist; name one with --tenant")

    def _named_or_only(self, tx: Transaction, tenant_id: str | None, new_name: str, several: str) -> Tenant:
        if tenant_id is not None:
            tenant = tx.tenants.get(tenant_id)
            if tenant is None:
                raise NotFoundError(f"Tenant not found: {tenant_id}")
            return tenant
        tenants = tx.tenants.all()
        if not tenants:
            return self._new_tenant(tx, new_name)
        if len(tenants) > 1:
            raise DataError(several)
        return tenants[0]

    def list_keys(self, tenant_id: str | None = None) -> list[ApiKey]:
        with self._store.reading() as tx:
            return tx.api_keys.of_tenant(tenant_id)

    def revoke(self, reference: str, *, tenant_id: str | None = None) -> ApiKey:
        """Revoke the key whose id, hint or secret is ``reference`` (among ``tenant_id``'s keys when given)."""
        with self._store.writing() as tx:
            matches = [
                key
                for key in tx.api_keys.of_tenant(tenant_id)
                if reference in (key.id, key.hint) or hmac.compare_digest(key.secret_hash, hash_secret(reference))
            ]
            if not matches:
                raise NotFoundError(f"No API key matches {reference!r}")
            if len(matches) > 1:
                raise DataError(f"{reference!r} matches several keys; use the key id")
            tx.api_keys.delete(matches[0].id)
            return matches[0]

    def authenticate(self, secret: str | None) -> Caller:
        """The caller owning ``secret``; :class:`AuthenticationError` if there is none."""
        return self.confirm(self.present(secret))

    def confirm(self, presented: PresentedKey) -> Caller:
        """The caller owning the presented key, looked up on its own; :class:`AuthenticationError` if none."""
        with self._store.reading() as tx:
            key = tx.api_keys.by_hash(presented.secret_hash)
        caller = self.accept(presented, key)
        self.record_use(caller)
        return caller

    @staticmethod
    def present(secret: str | None) -> PresentedKey:
        """``secret`` as a key to look up later; :class:`AuthenticationError` when there is none."""
        if not secret:
            raise AuthenticationError(UNAUTHORIZED_MESSAGE)
        return PresentedKey(hash_secret(secret))

    @staticmethod
    def accept(presented: PresentedKey, key: ApiKey | None) -> Caller:
        """The caller of the key found by ``presented``'s hash; :class:`AuthenticationError` if none was."""
        wanted = presented.secret_hash
        if key is None or not hmac.compare_digest(key.secret_hash, wanted):
            raise AuthenticationError(UNAUTHORIZED_MESSAGE)
        return Caller(tenant_id=key.tenant_id, key_id=key.id)

    def record_use(self, caller: Caller) -> None:
        """Note that ``caller``'s key was used (stored at most once a minute per key and process)."""
        self._touch(caller.key_id)

    def _touch(self, key_id: str) -> None:
        """Record use of a key, at most once a minute (a write per request would cost an fsync)."""
        now = now_ms()
        with self._touch_lock:
            if now - self._touched.get(key_id, 0) < _TOUCH_INTERVAL_MS:
                return
            self._touched[key_id] = now
        with self._store.writing() as tx:
            tx.api_keys.touch(key_id, now)
