"""SLA clocks derived from a ticket's history: pure functions, no database.

A clock runs from its start while the ticket is neither paused (waiting on the customer, and on a third
party if the tier says so) nor stopped; the time it has run is counted in business or calendar time. Every
value — deadline, warning moment, breach moment — is recomputed from the whole history each time, so time
spent paused is never lost and a change of priority, contract or calendar is applied to the past as well.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from picocore.sla.calendar import BusinessCalendar, add_business_time, business_time_between
from picocore.tickets.timeline import AttachmentAdded, Entry, PublicReply, StatusChanged

STOPPED = frozenset({"resolved", "closed", "cancelled"})
FINISHED = frozenset({"closed", "cancelled"})


@dataclass(frozen=True)
class StatusChange:
    at: dt.datetime
    status: str


@dataclass(frozen=True)
class History:
    """What the clocks need to know of a ticket: when it was created, its status changes in order, and when
    the service team wrote to the customer (public replies by staff)."""

    created_at: dt.datetime
    status_changes: Sequence[StatusChange]
    staff_replies: Sequence[dt.datetime]


@dataclass(frozen=True)
class Target:
    seconds: int
    calendar: BusinessCalendar
    warn_share: float = 0.75
    soon_seconds: int = 0
    """How long before the deadline (counted like the target) the clock counts as breaching soon; 0: never
    by time left, only by the warning share."""


@dataclass
class ClockState:
    """One clock at the moment `now`: the periods it ran and was paused, what it counted, and its deadlines."""

    started_at: dt.datetime
    target_seconds: int
    running: list[tuple[dt.datetime, dt.datetime | None]] = field(default_factory=list)
    paused: list[tuple[dt.datetime, dt.datetime | None]] = field(default_factory=list)
    elapsed: dt.timedelta = dt.timedelta(0)
    due_at: dt.datetime | None = None
    warn_at: dt.datetime | None = None
    soon_at: dt.datetime | None = None
    """When at most `Target.soon_seconds` of the target are left (may lie ahead, like `warn_at`)."""
    breached_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None
    stopped_by: str = ""
    """What stopped it: "reply" (the team answered), or the status the ticket moved into (resolved, closed,
    cancelled); "" while it runs."""
    paused_since: dt.datetime | None = None


def _segments(
    history: History, start: dt.datetime, stop_at: dt.datetime | None, now: dt.datetime, pausing: frozenset[str]
) -> tuple[list[tuple[dt.datetime, dt.datetime | None]], list[tuple[dt.datetime, dt.datetime | None]]]:
    """Split [start, stop_at or now] into running and paused periods by the ticket's status over time.

    The last period is open-ended (None) when the clock is still going at `now`. Periods while the ticket is
    resolved count as neither (the clock waits for a reopen).
    """
    end = stop_at or now
    status = "new"
    for change in history.status_changes:
        if change.at <= start:
            status = change.status
    # A change at exactly `end` still opens the (empty, or still running) last period.
    changes = [c for c in history.status_changes if start < c.at <= end]
    points = [start, *[c.at for c in changes], end]
    statuses = [status, *[c.status for c in changes]]
    running: list[tuple[dt.datetime, dt.datetime | None]] = []
    paused: list[tuple[dt.datetime, dt.datetime | None]] = []
    for index, state in enumerate(statuses):
        a, b = points[index], points[index + 1]
        open_ended = stop_at is None and index == len(statuses) - 1
        period = (a, None if open_ended else b)
        if state in pausing:
            paused.append(period)
        elif state not in STOPPED:
            running.append(period)
    return _merge(running), _merge(paused)


def _merge(periods: list[tuple[dt.datetime, dt.datetime | None]]) -> list[tuple[dt.datetime, dt.datetime | None]]:
    merged: list[tuple[dt.datetime, dt.datetime | None]] = []
    for a, b in periods:
        if merged and merged[-1][1] == a:
            merged[-1] = (merged[-1][0], b)
        elif b is None or b > a:
            merged.append((a, b))
    return merged


def _run(state: ClockState, target: Target, now: dt.datetime) -> ClockState:
    """Count the running periods and place the warning, the breach and (if still running) the deadline.

    Warning and breach are the moments the counted time reaches the warning share and passes the target;
    a breach is only recorded once it has happened, a warning moment may lie ahead (the sweep waits for it).
    """
    calendar = target.calendar
    goal = dt.timedelta(seconds=target.seconds)
    warn_goal = dt.timedelta(seconds=round(target.seconds * target.warn_share))
    soon_goal = max(goal - dt.timedelta(seconds=target.soon_seconds), dt.timedelta(0))
    counted = dt.timedelta(0)
    for a, b in state.running:
        length = business_time_between(calendar, a, b or now)
        if state.warn_at is None and (b is None or counted + length >= warn_goal):
            state.warn_at = add_business_time(calendar, a, max(warn_goal - counted, dt.timedelta(0)))
        if target.soon_seconds and state.soon_at is None and (b is None or counted + length >= soon_goal):
            state.soon_at = add_business_time(calendar, a, max(soon_goal - counted, dt.timedelta(0)))
        if state.breached_at is None and counted + length > goal:
            state.breached_at = add_business_time(calendar, a, max(goal - counted, dt.timedelta(0)))
        if b is None:
            # Still running: the deadline is where the remaining target ends if nothing pauses it first.
            state.due_at = add_business_time(calendar, a, max(goal - counted, dt.timedelta(0)))
        counted += length
    state.elapsed = counted
    if state.paused and state.paused[-1][1] is None:
        state.paused_since = state.paused[-1][0]
    return state


def _status_at(history: History, moment: dt.datetime) -> str:
    return next((c.status for c in reversed(history.status_changes) if c.at <= moment), "new")


def _last_stop(history: History, now: dt.datetime) -> dt.datetime | None:
    """When the ticket last moved from a running status into resolved/closed/cancelled, if it is still there."""
    if _status_at(history, now) not in STOPPED:
        return None
    stop_at, previous = None, "new"
    for change in history.status_changes:
        if change.at > now:
            break
        if change.status in STOPPED and previous not in STOPPED:
            stop_at = change.at
        previous = change.status
    return stop_at


def _state(
    history: History,
    start: dt.datetime,
    stop_at: dt.datetime | None,
    now: dt.datetime,
    pausing: frozenset[str],
    target: Target,
    *,
    by_reply: bool = False,
) -> ClockState:
    running, paused = _segments(history, start, stop_at, now, pausing)
    stopped_by = "" if stop_at is None else "reply" if by_reply else _status_at(history, stop_at)
    state = ClockState(
        started_at=start,
        target_seconds=target.seconds,
        running=running,
        paused=paused,
        stopped_at=stop_at,
        stopped_by=stopped_by,
    )
    return _run(state, target, now)


def first_response_clock(history: History, target: Target, now: dt.datetime, pausing: frozenset[str]) -> ClockState:
    """Runs from creation until the first public reply from the service team, or until the ticket is
    resolved or finished without one."""
    start = history.created_at
    stops = [t for t in history.staff_replies[:1] if t <= now]
    replied = bool(stops)
    if finished := next((c.at for c in history.status_changes if c.status in STOPPED and c.at <= now), None):
        stops.append(finished)
    stop_at = min(stops) if stops else None
    by_reply = replied and stop_at == stops[0]
    return _state(history, start, stop_at, now, pausing, target, by_reply=by_reply)


def resolution_clock(history: History, target: Target, now: dt.datetime, pausing: frozenset[str]) -> ClockState:
    """Runs from creation until resolved; a reopen resumes it (time spent resolved does not count)."""
    return _state(history, history.created_at, _last_stop(history, now), now, pausing, target)


def next_update_clock(history: History, target: Target, now: dt.datetime, pausing: frozenset[str]) -> ClockState | None:
    """Runs from the team's latest public reply — or a later reopen — while the ticket is open: how long the
    customer has waited to hear from us. None before the first response."""
    replies = [t for t in history.staff_replies if t <= now]
    if not replies:
        return None
    start, previous = replies[-1], "new"
    for change in history.status_changes:
        if change.at > now:
            break
        if previous in STOPPED and change.status not in STOPPED and change.at > start:
            start = change.at
        previous = change.status
    stop_at = _last_stop(history, now)
    if stop_at is not None and stop_at < start:
        stop_at = start
    return _state(history, start, stop_at, now, pausing, target)


def describe_target(seconds: int, business: bool) -> str:
    """ "1 business hour", "30 minutes around the clock", "2 business hours 30 minutes"…, in the active
    language."""
    hours, rest = divmod(seconds // 60, 60)
    parts = []
    if hours:
        parts.append(
            ngettext("%(hours)d business hour", "%(hours)d business hours", hours)
            if business
            else ngettext("%(hours)d hour", "%(hours)d hours", hours)
        )
    if rest:
        parts.append(
            ngettext("%(minutes)d business minute", "%(minutes)d business minutes", rest)
            if business and not hours
            else ngettext("%(minutes)d minute", "%(minutes)d minutes", rest)
        )
    text = " ".join(parts) % {"hours": hours, "minutes": rest} if parts else _("0 minutes")
    return text if business else _("%(time)s around the clock") % {"time": text}


def pause_statuses(pause_on_third_party: bool) -> frozenset[str]:
    return frozenset({"waiting_on_customer", *(("waiting_on_third_party",) if pause_on_third_party else ())})


def history_from(events: Iterable[tuple[dt.datetime, Entry, bool]], created_at: dt.datetime) -> History:
    """Build a History from timeline rows (created_at, typed entry, by staff and public)."""
    changes, replies = [], []
    for at, entry, staff_public in events:
        if isinstance(entry, StatusChanged):
            changes.append(StatusChange(at=at, status=entry.after))
        elif isinstance(entry, PublicReply) and not isinstance(entry, AttachmentAdded) and staff_public:
            replies.append(at)
    return History(created_at=created_at, status_changes=tuple(changes), staff_replies=tuple(replies))
