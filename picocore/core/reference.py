"""Reference data: the configuration nearly every request reads and few requests change, kept per process.

Request types and their fields, the priority matrix, tiers, contracts, SLA targets, calendars, teams,
organisations' names, solutions and environments: a page or a service reads them through `cached`, which
loads them once per process and hands the same value back for as long as the database's *reference token*
is unchanged.

Guarantees:

- **A committed change is seen by the next request of every process.** Saving or deleting a tracked model
  (`track`) sets the token, one row of `core.ReferenceToken`, to a fresh random value in the same transaction
  as the change. Every process compares the token it reads with the one its value was loaded under.
- **A rolled-back change is never mistaken for the current state.** Its token was random and is gone with the
  transaction; no later change can produce it again (the chance is one in 2⁶²).
- **Inside a request a hit costs no query.** The session's user is read with the token in the same statement
  (`picocore.tenancy.scope.user_with_reach`); a request without a signed-in user reads the token once, on
  first use. A change made by the request itself moves the request's token too, so it reads its own writes.
- **Outside a request** (tasks, commands, tests calling services) every `cached` call reads the token with one
  primary-key query, unless the work runs inside `scope()`, which reads it once.
- **A missing token row turns caching off**: every call loads afresh. (Test flushes remove the row.)
- **A safety net**: a value older than `MAX_AGE` seconds is loaded again even if the token did not move, for
  changes that bypassed the signals (`QuerySet.update`, `bulk_create`, raw SQL) and did not call `changed()`.

Values are shared between requests and threads: loaders return values nobody mutates (tuples, frozen
dataclasses, model instances treated as read-only).
"""

import contextlib
import contextvars
import secrets
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from picocore.core.models import ReferenceToken

# How long a value may be reused without a token change, in seconds: the net under changes without signals.
MAX_AGE = 300.0

_UNKNOWN = object()  # the request's token is not read yet
_NO_SCOPE = object()  # no request or scope(): read the token on every call


@dataclass(frozen=True)
class _Entry:
    token: int
    loaded_at: float
    value: Any


_entries: dict[tuple[Hashable, ...], _Entry] = {}
_entries_lock = threading.Lock()
# The token of the current request or scope(): _NO_SCOPE, _UNKNOWN, None (no token row) or the token.
_scope_token: contextvars.ContextVar[object] = contextvars.ContextVar("picocore_reference_token", default=_NO_SCOPE)


def _read_token() -> int | None:
    tokens = ReferenceToken.objects.filter(pk=ReferenceToken.SINGLETON).values_list("token", flat=True)
    return next(iter(tokens), None)


def current_token() -> int | None:
    """The reference token this request or scope works with (read once), or read now outside them; None
    when the database has no token row."""
    token = _scope_token.get()
    if token is _NO_SCOPE:
        return _read_token()
    if token is _UNKNOWN:
        token = _read_token()
        _scope_token.set(token)
    return token  # type: ignore[return-value]


def note_token(token: int | None) -> None:
    """Tell the current request the token read together with its user (`user_with_reach`); ignored outside a
    request or scope, or once the request knows its token."""
    if _scope_token.get() is _UNKNOWN:
        _scope_token.set(token)


def cached[T](name: str, loader: Callable[..., T], *key: Hashable) -> T:
    """`loader(*key)`, reused per process while the reference token is unchanged (and for at most `MAX_AGE`
    seconds). `name` names the value (e.g. "catalog.offer"); `key` distinguishes its instances."""
    token = current_token()
    if token is None:
        return loader(*key)
    cache_key = (name, *key)
    entry = _entries.get(cache_key)
    now = time.monotonic()
    if entry is not None and entry.token == token and now - entry.loaded_at < MAX_AGE:
        value: T = entry.value
        return value
    value = loader(*key)
    with _entries_lock:
        _entries[cache_key] = _Entry(token=token, loaded_at=now, value=value)
    return value


def changed() -> None:
    """Record that reference data changed, in the current transaction: every process reloads what it keeps
    once this commits. Called by the signals of tracked models; call it after a change they do not see."""
    token = secrets.randbits(62)
    written = ReferenceToken.objects.filter(pk=ReferenceToken.SINGLETON).update(token=token)
    if _scope_token.get() is not _NO_SCOPE:
        _scope_token.set(token if written else None)


def forget() -> None:
    """Drop every value this process keeps (tests start from nothing)."""
    with _entries_lock:
        _entries.clear()


@contextlib.contextmanager
def scope() -> Iterator[None]:
    """Work (a request, a task) that reads the token once, on first use, and keeps it for its duration."""
    reset = _scope_token.set(_UNKNOWN)
    try:
        yield
    finally:
        _scope_token.reset(reset)


class ReferenceScopeMiddleware:
    """Every request is one `scope()`: the token is read once (with the session's user, when there is one)."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        with scope():
            return self.get_response(request)


# ---------------------------------------------------------------------------------------------------------------
# Which changes move the token.

_IGNORED_UPDATES: dict[type[Model], frozenset[str]] = {}


def _on_save(sender: type[Model], update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    ignored = _IGNORED_UPDATES.get(sender)
    if ignored and update_fields and set(update_fields) <= ignored:
        return
    changed()


def _on_change(**kwargs: Any) -> None:
    changed()


def _on_m2m(action: str, **kwargs: Any) -> None:
    if action.startswith("post_"):
        changed()


def track(*models: type[Model], ignoring: frozenset[str] = frozenset()) -> None:
    """Make saving or deleting any of `models` (and changing their many-to-many relations through the related
    managers, from either side) move the token. Saves whose `update_fields` lie within `ignoring` do not (a
    user's `last_login`). Rows of an automatic through table written directly send no signals (Django's
    rule): such code calls `changed()`."""
    for model in models:
        uid = f"picocore.core.reference:{model._meta.label}"
        if ignoring:
            _IGNORED_UPDATES[model] = ignoring
        post_save.connect(_on_save, sender=model, dispatch_uid=uid, weak=False)
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid, weak=False)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_on_m2m, sender=through, dispatch_uid=f"{uid}:{field.name}", weak=False)
