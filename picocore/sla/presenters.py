"""SLA clocks in words, for the customer's request page and the desk's explanation."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format

from picocore.contracts.models import ClockKind, Contract, SlaMetric
from picocore.core.clock import now as current_time
from picocore.sla.clocks import ClockState, describe_target
from picocore.sla.models import SlaClock


def duration_text(delta: dt.timedelta) -> str:
    """ "2 h 15 min", "45 min", "3 d 2 h" — for people, to the minute."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 60 * 24)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes or not (days or hours) else "",
    ]
    return " ".join(p for p in parts if p)


def moment_text(moment: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """ "Mon 23 Nov, 11:00" in `zone`, or in the active time zone."""
    return date_format(timezone.localtime(moment, zone), "D j M, H:i")


@dataclass(frozen=True)
class CustomerLine:
    text: str
    state: str  # "running", "paused", "met", "missed", "overdue", "ended"


METRIC_NAMES = {
    SlaMetric.FIRST_RESPONSE: "First response",
    SlaMetric.NEXT_UPDATE: "Next update",
    SlaMetric.RESOLUTION: "Resolution",
}
PROMISES = {
    SlaMetric.FIRST_RESPONSE: "we will respond by",
    SlaMetric.NEXT_UPDATE: "you will hear from us again by",
    SlaMetric.RESOLUTION: "our target for resolving it is",
}
ENDINGS = {"cancelled": "the request was cancelled", "resolved": "resolved", "closed": "closed"}


def lateness_text(clock: SlaClock) -> str:
    """How late a stopped clock was, in the clock's own time: business time for a business-hours target."""
    late = duration_text(dt.timedelta(seconds=max(clock.elapsed_seconds - clock.target_seconds, 0)))
    return f"{late} of business time" if clock.clock == ClockKind.BUSINESS else late


def _stopped_line(metric: str, clock: SlaClock, stopped_at: dt.datetime, terms: str) -> CustomerLine:
    name, stopped = METRIC_NAMES[SlaMetric(metric)], moment_text(stopped_at)
    by_reply = metric != SlaMetric.RESOLUTION and clock.stopped_by in ("", "reply")
    if by_reply:
        done = f"we responded {stopped}"
    elif metric == SlaMetric.RESOLUTION and clock.stopped_by != "cancelled":
        done = f"{ENDINGS.get(clock.stopped_by, 'resolved')} {stopped}"
    elif clock.breached_at is None:
        # Finished before anyone had to answer: nothing was promised that could be met or missed.
        ending = ENDINGS.get(clock.stopped_by, "the request was finished")
        return CustomerLine(f"{name}: not needed — {ending} {stopped} ({terms}).", "ended")
    else:
        ending = ENDINGS.get(clock.stopped_by, "the request was finished")
        return CustomerLine(
            f"{name}: missed — due {moment_text(clock.breached_at)}; {ending} {stopped} ({terms}).", "missed"
        )
    if clock.breached_at is None:
        return CustomerLine(f"{name}: {done}, within the target ({terms}).", "met")
    return CustomerLine(
        f"{name}: {done}, {lateness_text(clock)} later than promised (due {moment_text(clock.breached_at)}; {terms}).",
        "missed",
    )


def customer_lines(
    clocks: dict[str, SlaClock], *, priority: int, contract: Contract | None, now: dt.datetime | None = None
) -> list[CustomerLine]:
    """What the customer is promised and how it went, one sentence per clock naming its metric, in the active
    time zone. A clock past its deadline shows the deadline it missed (also after a pause and resume), a late
    answer says how late in the clock's own time, and a request finished without an answer is not said to
    have been answered in time."""
    moment = now or current_time()
    tier = contract.tier.name if contract else ""
    lines = []
    for metric in (SlaMetric.FIRST_RESPONSE, SlaMetric.NEXT_UPDATE, SlaMetric.RESOLUTION):
        clock = clocks.get(metric)
        if clock is None or (metric == SlaMetric.NEXT_UPDATE and clock.stopped_at):
            continue
        name = METRIC_NAMES[metric]
        promise = describe_target(clock.target_seconds, business=clock.clock == ClockKind.BUSINESS)
        terms = f"within {promise}, P{priority}{', ' + tier if tier else ''}"
        missed_at = clock.breached_at or (clock.due_at if clock.due_at is not None and clock.due_at < moment else None)
        if clock.stopped_at:
            lines.append(_stopped_line(metric, clock, clock.stopped_at, terms))
        elif clock.paused_since is not None:  # paused (the clock has not stopped: see above)
            if missed_at is not None:
                text = (
                    f"{name}: was due {moment_text(missed_at)} — we are late; paused while we wait for you since "
                    f"{moment_text(clock.paused_since)} ({terms})."
                )
            else:
                left = duration_text(dt.timedelta(seconds=max(clock.target_seconds - clock.elapsed_seconds, 0)))
                text = (
                    f"{name}: paused while we wait for you since {moment_text(clock.paused_since)}, "
                    f"{left} of the target left ({terms})."
                )
            lines.append(CustomerLine(text, "paused"))
        elif missed_at is not None:
            lines.append(
                CustomerLine(f"{name}: was due {moment_text(missed_at)} — we are late and on it ({terms}).", "overdue")
            )
        elif clock.due_at is not None:
            lines.append(CustomerLine(f"{name}: {PROMISES[metric]} {moment_text(clock.due_at)} ({terms}).", "running"))
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
    if state.stopped_at:
        outcome = "met" if state.breached_at is None else f"missed at {moment_text(state.breached_at, zone)}"
        why = f"Stopped {moment_text(state.stopped_at, zone)} after {duration_text(state.elapsed)} counted: {outcome}."
    elif state.paused_since:
        remaining = duration_text(max(left, dt.timedelta(0)))
        why = f"Paused since {moment_text(state.paused_since, zone)}; {remaining} of the target left."
    elif state.breached_at:
        why = (
            f"Breached {moment_text(state.breached_at, zone)}: {duration_text(state.elapsed)} counted against {target}."
        )
    elif state.due_at is not None:  # running
        why = (
            f"{duration_text(state.elapsed)} counted, {duration_text(left)} left"
            f"{' in business hours' if business else ''} → due {moment_text(state.due_at, zone)}."
        )
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
