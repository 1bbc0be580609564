"""The sessions a person is signed in with: recorded at sign-in, touched at most once a minute, listed for the
person, ended by them.

Guarantees: a person lists and ends only their own sessions (another's session key is the same "not found" as
a missing one); ending a session deletes it from the session store too, so the browser holding it is signed
out at its next request; the list shows only sessions the store still holds unexpired.
"""

import datetime as dt
import ipaddress
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.core.clock import now
from picocore.core.errors import NotFound
from picocore.security.models import SignedInSession
from picocore.tenancy.models import User

# The last activity shown is at most this old: a page view touches the record only when it is older.
TOUCH_INTERVAL = dt.timedelta(minutes=1)
_USER_AGENT_LENGTH = SignedInSession._meta.get_field("user_agent").max_length or 300


def _session_store(session_key: str) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    store: SessionBase = engine.SessionStore(session_key)
    return store


def _address(value: str | None) -> str | None:
    """The client's address if it is one (a proxy's header may carry anything), else None."""
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def session_record(*, user: User, session_key: str, user_agent: str, ip_address: str | None) -> SignedInSession:
    """Record (or refresh) the session `session_key` as one of `user`'s, seen now. The browser's description is
    cut to fit and an address that is not one is left out, so no header can make the sign-in fail."""
    moment = now()
    record, _created = SignedInSession.objects.update_or_create(
        session_key=session_key,
        defaults={"user": user, "last_seen_at": moment},
        create_defaults={
            "user": user,
            "user_agent": user_agent.replace("\x00", "")[:_USER_AGENT_LENGTH],
            "ip_address": _address(ip_address),
            "signed_in_at": moment,
            "last_seen_at": moment,
        },
    )
    return record


def session_forget(*, session_key: str) -> None:
    """Drop the record of a session that was signed out (the store has already forgotten it)."""
    SignedInSession.objects.filter(session_key=session_key).delete()


def sessions_of(*, actor: User) -> QuerySet[SignedInSession]:
    """The person's signed-in sessions, most recently active first; only sessions the store still holds."""
    sessions = SignedInSession.objects.filter(user=actor).order_by("-last_seen_at", "-pk")
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        from django.contrib.sessions.models import Session

        live = Session.objects.filter(expire_date__gt=now()).values("session_key")
        sessions = sessions.filter(session_key__in=live)
    return sessions


@transaction.atomic
def session_end(*, actor: User, session_id: int, current_key: str | None) -> SignedInSession:
    """End one of the person's other sessions: it is deleted from the session store and forgotten here, and the
    audit trail records it (the browser, not its address). Another person's session, or the current one, is not
    found."""
    record = SignedInSession.objects.filter(pk=session_id, user=actor).exclude(session_key=current_key or "").first()
    if record is None:
        raise NotFound(_("There is no such session of yours to end."))
    _session_store(record.session_key).delete(record.session_key)
    record.delete()
    _audit_ended(actor, [record])
    return record


def _audit_ended(actor: User, records: list[SignedInSession]) -> None:
    """One audit entry for the sessions the person ended: how many, and which browsers they were."""
    browsers = sorted(describe_user_agent(record.user_agent) for record in records)
    audit_record(
        actor=actor,
        action=AuditAction.SESSION_ENDED,
        instance=actor,
        changes={"sessions": {"before": browsers, "after": []}},
    )


@transaction.atomic
def sessions_end_others(*, actor: User, current_key: str | None) -> int:
    """End every session of the person except the current one; returns how many were ended."""
    others = list(SignedInSession.objects.filter(user=actor).exclude(session_key=current_key or ""))
    for record in others:
        _session_store(record.session_key).delete(record.session_key)
    SignedInSession.objects.filter(pk__in=[record.pk for record in others]).delete()
    if others:
        _audit_ended(actor, others)
    return len(others)


def describe_user_agent(user_agent: str) -> str:
    """A person's words for a browser: "Firefox on Windows", from its User-Agent header (the common
    browsers and systems; anything else reads "Unknown browser")."""
    browsers = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                ("Chromium/", "Chromium"), ("Safari/", "Safari"), ("curl/", "curl")]  # fmt: skip
    systems = [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
               ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]  # fmt: skip
    browser = next((name for marker, name in browsers if marker in user_agent), None)
    system = next((name for marker, name in systems if marker in user_agent), None)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown browser")


def sessions_end_all(*, user_id: int) -> int:
    """End every session of the person (they lost their last place here): each is deleted from the session
    store and forgotten, so their browsers are signed out at their next request. Returns how many."""
    records = list(SignedInSession.objects.filter(user_id=user_id))
    for record in records:
        _session_store(record.session_key).delete(record.session_key)
    SignedInSession.objects.filter(pk__in=[record.pk for record in records]).delete()
    return len(records)
