"""Secret iCalendar feeds of changes: one per customer organisation (its changes) and one per consultant (the
changes they implement, of the customers they still serve), at `/changes/feeds/<token>.ics`.

Guarantees: the token is shown once, when it is made; only its SHA-256 is kept, and a new token replaces the old
one (the old address stops working at once). Customer admins make their organisation's feed, consultants their
own, service managers (and administrators) any organisation's. A feed holds only its owner's changes; an unknown
token is a 404. The calendar follows RFC 5545: each change's UID is its stable `Change.uid`, SEQUENCE its
reschedule count, DTSTART/DTEND in UTC, STATUS TENTATIVE while approval is awaited, CONFIRMED once planned,
CANCELLED for cancelled and rejected changes, which stay in the feed so calendars drop them.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import icalendar
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.changes.choices import ChangeStatus as S
from picocore.changes.models import CalendarFeed, Change
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import Organisation, User
from picocore.tenancy.roles import Capability
from picocore.tenancy.scope import STAFF_SEEING_ALL, reach, serves

TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 100
# How far back a feed reaches: calendars keep what they once read, so older changes need not be sent again.
HISTORY = dt.timedelta(days=400)
FEED_STATUS: dict[str, str] = {
    S.AWAITING_APPROVAL: "TENTATIVE",
    S.SCHEDULED: "CONFIRMED",
    S.IMPLEMENTING: "CONFIRMED",
    S.REVIEW: "CONFIRMED",
    S.CLOSED: "CONFIRMED",
    S.FAILED: "CONFIRMED",
    S.CANCELLED: "CANCELLED",
    S.REJECTED: "CANCELLED",
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewFeed:
    """A feed just made, with its token: the only moment the token is known."""

    feed: CalendarFeed
    token: str


def _signed_in(actor: User) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def may_make_organisation_feed(actor: User, organisation_id: int) -> bool:
    """The organisation's customer admins, and service managers and administrators."""
    if not _signed_in(actor):
        return False
    if actor.staff_role in STAFF_SEEING_ALL:
        return True
    return reach(actor).may(organisation_id, Capability.CHANGE_FEED)


def may_make_own_feed(actor: User) -> bool:
    """Consultants and service managers, for the changes they implement."""
    return _signed_in(actor) and actor.staff_role in (StaffRole.CONSULTANT, *STAFF_SEEING_ALL)


def _replace(*, actor: User, organisation: Organisation | None, user: User | None) -> NewFeed:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        old = CalendarFeed.objects.select_for_update().filter(organisation=organisation, user=user)
        replaced = old.exists()
        old.delete()
        feed = CalendarFeed.objects.create(
            organisation=organisation, user=user, token_hash=token_hash(token), created_by=actor
        )
        audit_record(
            actor=actor, action=AuditAction.CHANGED if replaced else AuditAction.CREATED, instance=feed,
            changes={"token": {"before": "(replaced)" if replaced else None, "after": "(new)"}},
        )  # fmt: skip
    return NewFeed(feed=feed, token=token)


def organisation_feed_make(*, actor: User, organisation_id: int) -> NewFeed:
    """Make (or replace) the organisation's feed."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound(_("There is no such customer."))
    if not may_make_organisation_feed(actor, organisation.pk):
        if organisation.pk in reach(actor).member_of or serves(actor, organisation.pk):
            raise PermissionDenied(_("Only the organisation's customer admins and service managers make its feed."))
        raise NotFound(_("There is no such customer."))
    return _replace(actor=actor, organisation=organisation, user=None)


def own_feed_make(*, actor: User) -> NewFeed:
    """Make (or replace) the consultant's feed of the changes they implement."""
    if not may_make_own_feed(actor):
        raise PermissionDenied(_("Only consultants have a feed of the changes they implement."))
    return _replace(actor=actor, organisation=None, user=actor)


def feed_get(token: str) -> CalendarFeed:
    """The feed of a token; NotFound for any token that is not a live feed's (same answer for every wrong one)."""
    if not isinstance(token, str) or not 20 <= len(token) <= TOKEN_MAX_LENGTH or "\x00" in token:
        raise NotFound(_("There is no such calendar."))
    feed = CalendarFeed.objects.select_related("organisation", "user").filter(token_hash=token_hash(token)).first()
    if feed is None or (feed.user is not None and not feed.user.is_active):
        raise NotFound(_("There is no such calendar."))
    return feed


def feed_changes(feed: CalendarFeed, *, moment: dt.datetime | None = None) -> list[Change]:
    """The changes the feed shows: its organisation's, or the consultant's as implementer among the customers
    they still serve; with a planned window, awaiting approval or later, from `HISTORY` ago on. One query."""
    since = (moment or now()) - HISTORY
    changes = Change.objects.filter(
        status__in=list(FEED_STATUS), planned_start__isnull=False, planned_end__gte=since
    ).select_related("organisation")
    if feed.organisation_id is not None:
        changes = changes.filter(organisation_id=feed.organisation_id)
    else:
        assert feed.user is not None
        changes = changes.filter(implementer_id=feed.user_id)
        served = reach(feed.user).served if feed.user.staff_role else frozenset()
        if served is not None:
            changes = changes.filter(organisation_id__in=sorted(served))
    return list(changes.order_by("planned_start", "id"))


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def feed_calendar(feed: CalendarFeed, *, moment: dt.datetime | None = None) -> bytes:
    """The feed as an RFC 5545 calendar."""
    moment = moment or now()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//PicoCore//Change calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    name = feed.organisation.name if feed.organisation else feed.user.full_name if feed.user else ""
    calendar.add("x-wr-calname", _("Changes: %(name)s") % {"name": name})
    base = settings.PICOCORE_BASE_URL.rstrip("/")
    for change in feed_changes(feed, moment=moment):
        assert change.planned_start is not None and change.planned_end is not None
        event = icalendar.Event()
        event.add("uid", f"{change.uid}@picocore")
        event.add("sequence", change.sequence)
        event.add("dtstamp", _utc(moment))
        event.add("dtstart", _utc(change.planned_start))
        event.add("dtend", _utc(change.planned_end))
        event.add("last-modified", _utc(change.updated_at))
        summary = f"{change.key} {change.title}"
        event.add("summary", f"{change.organisation.name}: {summary}" if feed.user_id else summary)
        description = [change.reason]
        if change.downtime_minutes:
            description.append(_("Expected downtime: %(minutes)s minutes") % {"minutes": change.downtime_minutes})
        if feed.user_id:
            description.append(change.organisation.name)
        event.add("description", "\n".join(description))
        event.add("status", FEED_STATUS[change.status])
        event.add(
            "url",
            f"{base}/portal/changes/{change.pk}/" if feed.organisation_id else f"{base}/desk/changes/{change.pk}/",
        )
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical
