"""SLA clocks in words, for the customer's request page and the desk's explanation."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from picocore.contracts.models import ClockKind, Contract, SlaMetric
from picocore.core.clock import now as current_time
from picocore.sla.clocks import ClockState, describe_target
from picocore.sla.models import SlaClock

ONE_DAY_MINUTES = 24 * 60


def _whole_minutes(delta: dt.timedelta) -> int:
    """The length of `delta` in whole minutes, rounded to the nearest (half a minute up)."""
    return int((abs(delta.total_seconds()) + 30) // 60)


def duration_text(delta: dt.timedelta) -> str:
    """ "2 h 15 min", "45 min", "3 d 2 h" — for people, to the nearest minute."""
    minutes = _whole_minutes(delta)
    days, rest = divmod(minutes, ONE_DAY_MINUTES)
    hours, minutes = divmod(rest, 60)
    parts = [
        _("%(days)d d") % {"days": days} if days else "",
        _("%(hours)d h") % {"hours": hours} if hours else "",
        _("%(minutes)d min") % {"minutes": minutes} if minutes or not (days or hours) else "",
    ]
    return " ".join(p for p in parts if p)


def moment_text(moment: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """ "Mon 23 Nov, 11:00" in `zone`, or in the active time zone."""
    return date_format(timezone.localtime(moment, zone), "SHORT_DATETIME_FORMAT")


def within_a_day(left: dt.timedelta) -> bool:
    """Whether time still left reads as a duration: more than nothing and, to the minute, less than a day."""
    return left > dt.timedelta(0) and _whole_minutes(left) < ONE_DAY_MINUTES


def remaining_text(left: dt.timedelta, *, due_at: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """Time left on a clock as a person says it: within a day as "2 h 10 min" (at least "1 min" while any is
    left), beyond it as the moment it is due, "Thu 3 Dec, 10:30" in `zone`. `left` is in the clock's own time —
    business time for a business-hours clock, so 2 business hours left on a Friday at 16:00 read "2 h" though the
    deadline is on Monday."""
    if not within_a_day(left):
        return moment_text(due_at, zone)
    return duration_text(max(left, dt.timedelta(minutes=1)))


def _time_text(moment: dt.datetime, now: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """ "20:21" for a moment on the reader's today, "Mon 23 Nov, 20:21" for any other day."""
    local, today = timezone.localtime(moment, zone), timezone.localtime(now, zone)
    return date_format(local, "H:i") if local.date() == today.date() else moment_text(moment, zone)


@dataclass(frozen=True)
class CustomerLine:
    text: str
    state: str  # "running", "paused", "met", "missed", "overdue", "ended"


METRIC_NAMES = {
    SlaMetric.FIRST_RESPONSE: gettext_lazy("First response"),
    SlaMetric.NEXT_UPDATE: gettext_lazy("Next update"),
    SlaMetric.RESOLUTION: gettext_lazy("Resolution"),
}
PROMISES = {
    SlaMetric.FIRST_RESPONSE: gettext_lazy("we will respond by"),
    SlaMetric.NEXT_UPDATE: gettext_lazy("you will hear from us again by"),
    SlaMetric.RESOLUTION: gettext_lazy("our target for resolving it is"),
}
# What we promised, said once the promise is broken: "We promised to respond by 20:21 and have not yet".
BROKEN_PROMISES = {
    SlaMetric.FIRST_RESPONSE: gettext_lazy("we promised to respond by %(due)s and have not yet"),
    SlaMetric.NEXT_UPDATE: gettext_lazy("we promised to update you by %(due)s and have not yet"),
    SlaMetric.RESOLUTION: gettext_lazy("we promised to resolve it by %(due)s and have not yet"),
}
ENDINGS = {
    "cancelled": gettext_lazy("the request was cancelled"),
    "resolved": gettext_lazy("resolved"),
    "closed": gettext_lazy("closed"),
}


def lateness_text(clock: SlaClock) -> str:
    """How late a stopped clock was, in the clock's own time: business time for a business-hours target."""
    late = duration_text(dt.timedelta(seconds=max(clock.elapsed_seconds - clock.target_seconds, 0)))
    return _("%(late)s of business time") % {"late": late} if clock.clock == ClockKind.BUSINESS else late


def _ending(stopped_by: str, default: str) -> str:
    return str(ENDINGS[stopped_by]) if stopped_by in ENDINGS else default


def _stopped_line(metric: str, clock: SlaClock, stopped_at: dt.datetime, terms: str) -> CustomerLine:
    name, stopped = METRIC_NAMES[SlaMetric(metric)], moment_text(stopped_at)
    by_reply = metric != SlaMetric.RESOLUTION and clock.stopped_by in ("", "reply")
    if by_reply:
        done = _("we responded %(moment)s") % {"moment": stopped}
    elif metric == SlaMetric.RESOLUTION and clock.stopped_by != "cancelled":
        done = f"{_ending(clock.stopped_by, _('resolved'))} {stopped}"
    elif clock.breached_at is None:
        # Finished before anyone had to answer: nothing was promised that could be met or missed.
        ending = _ending(clock.stopped_by, _("the request was finished"))
        text = _("%(name)s: not needed — %(ending)s %(moment)s (%(terms)s).")
        return CustomerLine(text % {"name": name, "ending": ending, "moment": stopped, "terms": terms}, "ended")
    else:
        ending = _ending(clock.stopped_by, _("the request was finished"))
        text = _("%(name)s: missed — due %(due)s; %(ending)s %(moment)s (%(terms)s).")
        values = {"name": name, "due": moment_text(clock.breached_at), "ending": ending, "moment": stopped}
        return CustomerLine(text % {**values, "terms": terms}, "missed")
    if clock.breached_at is None:
        return CustomerLine(
            _("%(name)s: %(done)s, within the target (%(terms)s).") % {"name": name, "done": done, "terms": terms},
            "met",
        )
    text = _("%(name)s: %(done)s, %(late)s later than promised (due %(due)s; %(terms)s).")
    values = {"name": name, "done": done, "late": lateness_text(clock), "due": moment_text(clock.breached_at)}
    return CustomerLine(text % {**values, "terms": terms}, "missed")


def customer_lines(
    clocks: dict[str, SlaClock], *, priority: int, contract: Contract | None, now: dt.datetime | None = None
) -> list[CustomerLine]:
    """What the customer is promised and how it went, one sentence per clock naming its metric, in the active
    time zone. Once a clock is past its deadline the line admits it ("we promised to respond by 20:21 and have
    not yet; we are on it") instead of repeating the promise (also after a pause and resume), a late answer says
    how late in the clock's own time, and a request finished without an answer is not said to have been
    answered in time."""
    moment = now or current_time()
    tier = contract.tier.name if contract else ""
    lines = []
    for metric in (SlaMetric.FIRST_RESPONSE, SlaMetric.NEXT_UPDATE, SlaMetric.RESOLUTION):
        clock = clocks.get(metric)
        if clock is None or (metric == SlaMetric.NEXT_UPDATE and clock.stopped_at):
            continue
        name = METRIC_NAMES[metric]
        promise = describe_target(clock.target_seconds, business=clock.clock == ClockKind.BUSINESS)
        terms = _("within %(promise)s, P%(priority)d") % {"promise": promise, "priority": priority}
        terms = f"{terms}, {tier}" if tier else terms
        missed_at = clock.breached_at or (clock.due_at if clock.due_at is not None and clock.due_at < moment else None)
        broken = BROKEN_PROMISES[metric] % {"due": _time_text(missed_at, moment)} if missed_at is not None else ""
        if clock.stopped_at:
            lines.append(_stopped_line(metric, clock, clock.stopped_at, terms))
        elif clock.paused_since is not None:  # paused (the clock has not stopped: see above)
            since = moment_text(clock.paused_since)
            if missed_at is not None:
                text = _("%(name)s: %(broken)s; paused while we wait for you since %(since)s (%(terms)s).") % {
                    "name": name,
                    "broken": broken,
                    "since": since,
                    "terms": terms,
                }
            else:
                left = duration_text(dt.timedelta(seconds=max(clock.target_seconds - clock.elapsed_seconds, 0)))
                text = _(
                    "%(name)s: paused while we wait for you since %(since)s, %(left)s of the target left (%(terms)s)."
                ) % {"name": name, "since": since, "left": left, "terms": terms}
            lines.append(CustomerLine(text, "paused"))
        elif missed_at is not None:
            text = _("%(name)s: %(broken)s; we are on it (%(terms)s).")
            lines.append(CustomerLine(text % {"name": name, "broken": broken, "terms": terms}, "overdue"))
        elif clock.due_at is not None:
            text = _("%(name)s: %(promise)s %(due)s (%(terms)s).")
            values = {"name": name, "promise": PROMISES[metric], "due": moment_text(clock.due_at), "terms": terms}
            lines.append(CustomerLine(text % values, "running"))
    return lines


@dataclass(frozen=True)
class Explanation:
    metric: str
    target: str
    calendar: str
    running: list[tuple[dt.datetime, dt.datetime | None, dt.timedelta]]
    paused: list[tuple[dt.datetime, dt.datetime | None]]
    counted: dt.timedelta
    state: ClockState
    why: str


def explain(metric: str, state: ClockState, *, business: bool, calendar_name: str, priority: int, tier: str,
            counted_per_period: list[dt.timedelta], now: dt.datetime, zone: dt.tzinfo) -> Explanation:  # fmt: skip
    """Why the deadline is what it is: the target, the calendar, what ran and what was paused; moments in
    `zone`."""
    target = describe_target(state.target_seconds, business=business)
    left = dt.timedelta(seconds=state.target_seconds) - state.elapsed
    counted = duration_text(state.elapsed)
    if state.stopped_at:
        if state.breached_at is None:
            outcome = _("met")
        else:
            outcome = _("missed at %(moment)s") % {"moment": moment_text(state.breached_at, zone)}
        why = _("Stopped %(moment)s after %(counted)s counted: %(outcome)s.") % {
            "moment": moment_text(state.stopped_at, zone),
            "counted": counted,
            "outcome": outcome,
        }
    elif state.paused_since:
        remaining = duration_text(max(left, dt.timedelta(0)))
        why = _("Paused since %(moment)s; %(left)s of the target left.") % {
            "moment": moment_text(state.paused_since, zone),
            "left": remaining,
        }
    elif state.breached_at:
        why = _("Breached %(moment)s: %(counted)s counted against %(target)s.") % {
            "moment": moment_text(state.breached_at, zone),
            "counted": counted,
            "target": target,
        }
    elif state.due_at is not None:  # running
        due = moment_text(state.due_at, zone)
        if within_a_day(left):
            # Within a day, in the clock's own time: how long is left, then when that is.
            text = _("%(counted)s counted, %(left)s left in business hours → due %(due)s.") if business else None
            text = text or _("%(counted)s counted, %(left)s left → due %(due)s.")
            why = text % {"counted": counted, "left": remaining_text(left, due_at=state.due_at, zone=zone), "due": due}
        else:  # beyond a day: the moment says more than a count of hours
            why = _("%(counted)s counted → due %(due)s.") % {"counted": counted, "due": due}
    else:  # neither stopped, paused nor breached: a clock always has a deadline then
        raise ValueError(f"The {metric} clock is running without a deadline.")
    return Explanation(
        metric=str(SlaMetric(metric).label),
        target=f"{target} (P{priority}{', ' + tier if tier else ''})",
        calendar=calendar_name if business else "around the clock",
        running=[(a, b, counted) for (a, b), counted in zip(state.running, counted_per_period, strict=True)],
        paused=state.paused,
        counted=state.elapsed,
        state=state,
        why=why,
    )
