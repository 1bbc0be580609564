"""SLA clocks in words, for the customer's request page and the desk's explanation."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format

from picocore.contracts.models import ClockKind, Contract, SlaMetric
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
    state: str  # "running", "paused", "met", "missed", "overdue"


def customer_lines(clocks: dict[str, SlaClock], *, priority: int, contract: Contract | None) -> list[CustomerLine]:
    """What the customer is promised and how it went, one sentence per clock, in the active time zone."""
    tier = contract.tier.name if contract else ""
    lines = []
    order = (SlaMetric.FIRST_RESPONSE, SlaMetric.NEXT_UPDATE, SlaMetric.RESOLUTION)
    verbs = {
        SlaMetric.FIRST_RESPONSE: ("We will respond by", "We responded"),
        SlaMetric.NEXT_UPDATE: ("You will hear from us again by", "We updated you"),
        SlaMetric.RESOLUTION: ("Our target for resolving it is", "Resolved"),
    }
    for metric in order:
        clock = clocks.get(metric)
        if clock is None or (metric == SlaMetric.NEXT_UPDATE and clock.stopped_at):
            continue
        promise = describe_target(clock.target_seconds, business=clock.clock == ClockKind.BUSINESS)
        terms = f"within {promise}, P{priority}{', ' + tier if tier else ''}"
        ahead, done = verbs[metric]
        if clock.stopped_at:
            if clock.breached_at is None:
                lines.append(
                    CustomerLine(f"{done} {moment_text(clock.stopped_at)} — within the target ({terms}).", "met")
                )
            else:
                late = duration_text(clock.stopped_at - clock.breached_at)
                lines.append(
                    CustomerLine(
                        f"{done} {moment_text(clock.stopped_at)} — {late} later than promised ({terms}).", "missed"
                    )
                )
        elif clock.is_paused:
            lines.append(
                CustomerLine(
                    f"Waiting for you since {moment_text(clock.paused_since)} — the clock is paused ({terms}).",
                    "paused",
                )
            )
        elif clock.due_at is not None:
            state = "overdue" if clock.breached_at else "running"
            suffix = " We are late and on it." if clock.breached_at else ""
            lines.append(CustomerLine(f"{ahead} {moment_text(clock.due_at)} ({terms}).{suffix}", state))
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
    else:
        why = (
            f"{duration_text(state.elapsed)} counted, {duration_text(left)} left"
            f"{' in business hours' if business else ''} → due {moment_text(state.due_at, zone)}."
        )
    return Explanation(
        metric=SlaMetric(metric).label,
        target=f"{target} (P{priority}{', ' + tier if tier else ''})",
        calendar=calendar_name if business else "around the clock",
        running=[(a, b, counted) for (a, b), counted in zip(state.running, counted_per_period, strict=True)],
        paused=state.paused,
        counted=state.elapsed,
        state=state,
        why=why,
    )
