"""Receiving a monitoring payload: stored first, then each alert mapped, de-duplicated and turned into (or folded
into) one incident.

Guarantees:
- The payload is stored and committed before it is parsed: a payload that cannot be read is kept, `rejected`
  with its reason, and nothing else changes.
- Each alert is processed in its own transaction. At most one alert per integration and fingerprint is open (the
  partial unique constraint); a repeat, even a parallel one, waits for the first and counts as a repeat of it
  (a lost race for the constraint is retried as a repeat), so one fingerprint opens one incident.
- Nothing is dropped: an alert no rule maps, or whose incident cannot be filed, waits in triage with its reason.
- A "resolved" never reopens anything; a stale one (older than the open alert) or a stale "firing" (older than
  the last resolution) changes nothing. Flapping — `flap_changes` state changes within `flap_minutes` — keeps
  the one incident open, with one note, instead of resolving and reopening it per flap.
- An alert on a component an approved change (scheduled or under way) affects, received inside the change's
  planned window, is recorded as suppressed by that change and files no incident.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from picocore.alerts import parsers
from picocore.alerts.choices import OPEN_ALERT_STATES, AlertState, Disposition, OnResolve, PayloadOutcome
from picocore.alerts.models import Alert, AlertIntegration, MappingRule, RawAlertPayload
from picocore.alerts.permissions import can_ingest
from picocore.alerts.services.incidents import (
    file_incident,
    note_incident,
    reopen_incident,
    resolve_incident,
    suppressing_change,
)
from picocore.core.errors import NotFound, ValidationError
from picocore.core.text import one_line, truncate, without_nul
from picocore.tenancy.models import User
from picocore.tickets.choices import OPEN_STATUSES, Status
from picocore.tickets.models import Ticket

logger = logging.getLogger(__name__)
RETRIES = 3
MAX_STATE_CHANGES = 100


@dataclass(frozen=True)
class IntakeResult:
    """What one payload did: its stored row, how many of its alerts ended each way (every `Disposition`, zeros
    included) and the alerts' fingerprints (PagerDuty's answer names the `dedup_key`)."""

    payload_id: int
    counts: dict[str, int]
    fingerprints: tuple[str, ...] = ()


@dataclass
class _Context:
    """What every alert of one payload shares, read once."""

    integration: AlertIntegration
    payload: RawAlertPayload
    rules: list[MappingRule]
    moment: dt.datetime


def alert_receive(*, actor: User, slug: str, body: bytes, content_type: str, source: str) -> IntakeResult:
    """Receive one payload for the integration `slug` posted by `actor`.

    NotFound when there is no such active integration or the actor may not post to it (the same answer). The
    payload is stored (cut to `parsers.MAX_BODY_BYTES`) and committed first; a body that cannot be read is a
    ValidationError (PayloadTooLarge for one over the limit) and stays stored as rejected with the reason. Then
    every alert is processed in a transaction of its own (see the module's guarantees)."""
    integration = (
        AlertIntegration.objects.select_related("organisation", "service_account", "requester")
        .filter(slug=(slug or "")[:60])
        .first()
    )
    if integration is None or not can_ingest(actor, integration):
        raise NotFound(_("No such alert integration."))
    payload = _store(integration, actor=actor, body=body, content_type=content_type, source=source)
    try:
        incoming = parsers.parse(integration.kind, body, content_type)
    except ValidationError as error:
        RawAlertPayload.objects.filter(pk=payload.pk).update(outcome=PayloadOutcome.REJECTED, error=error.message)
        raise
    context = _Context(
        integration=integration,
        payload=payload,
        rules=list(integration.rules.select_related("component__environment", "environment").order_by("position",
                                                                                                        "id")),
        moment=payload.received_at,
    )  # fmt: skip
    counts = {value: 0 for value in Disposition.values}
    for alert in incoming:
        counts[_process(context, alert)] += 1
    RawAlertPayload.objects.filter(pk=payload.pk).update(outcome=PayloadOutcome.PROCESSED, summary=counts)
    return IntakeResult(payload_id=payload.pk, counts=counts, fingerprints=tuple(a.fingerprint for a in incoming))


def _store(
    integration: AlertIntegration, *, actor: User, body: bytes, content_type: str, source: str
) -> RawAlertPayload:
    truncated = len(body) > parsers.MAX_BODY_BYTES
    with transaction.atomic():
        return RawAlertPayload.objects.create(
            integration=integration,
            received_by=actor if actor.pk else None,
            source=truncate(one_line(parsers.clean_text(source or "")), 100),
            content_type=truncate(one_line(parsers.clean_text(content_type or "")), 200),
            body=bytes(body[: parsers.MAX_BODY_BYTES]),
            size=len(body),
            truncated=truncated,
        )


def _process(context: _Context, incoming: parsers.Incoming) -> str:
    """One alert in its own transaction; a lost race for the one-open-alert constraint is retried, when the
    winner's alert is there to be counted as a repeat."""
    for attempt in range(RETRIES):
        try:
            with transaction.atomic():
                return _apply(context, incoming)
        except IntegrityError:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _apply(context: _Context, incoming: parsers.Incoming) -> str:
    alerts = Alert.objects.filter(integration=context.integration, fingerprint=incoming.fingerprint)
    # The open alert, locked: a parallel repeat waits here for this one to commit.
    current = alerts.filter(state__in=OPEN_ALERT_STATES).select_for_update().first()
    latest = current
    if current is None:
        latest = alerts.select_for_update().order_by("-id").first()
        if latest is not None and latest.is_open:  # opened by a transaction that committed while we waited
            current = latest
    if incoming.state == AlertState.FIRING:
        return _fire(context, incoming, current, latest)
    if current is None:
        return Disposition.IGNORED  # nothing open to acknowledge or resolve: unknown, or already resolved
    if incoming.state == AlertState.ACKNOWLEDGED:
        return _acknowledge(context, current)
    return _resolve(context, incoming, current)


# --- firing --------------------------------------------------------------------------------------------------


def _fire(context: _Context, incoming: parsers.Incoming, current: Alert | None, latest: Alert | None) -> str:
    if current is not None:
        return _repeat(context, incoming, current)
    if latest is not None:
        if incoming.starts_at and latest.resolved_at and incoming.starts_at < latest.resolved_at:
            return Disposition.IGNORED  # a firing of the episode that has since been resolved, delivered late
        incident = _incident(latest)
        if incident is not None and _continues(context, latest, incident):
            return _fire_again(context, incoming, latest, incident)
    alert = Alert(
        integration=context.integration,
        fingerprint=incoming.fingerprint,
        state=AlertState.FIRING,
        starts_at=incoming.starts_at or context.moment,
        last_seen_at=context.moment,
        state_changes=[context.moment.isoformat()],
        created_at=context.moment,
    )
    _take_content(alert, incoming, context)
    # Inserted before anything else: the constraint decides here which of two parallel posts files the incident.
    alert.save()
    return _route(context, alert)


def _repeat(context: _Context, incoming: parsers.Incoming, alert: Alert) -> str:
    alert.occurrences += 1
    alert.last_seen_at = context.moment
    _take_content(alert, incoming, context)
    disposition: str = Disposition.UPDATED
    if alert.suppressed_by_id is not None and suppressing_change(alert.component_id, context.moment) is None:
        # The change's window is over and the alert still fires: now it is an incident.
        alert.suppressed_by = None
        disposition = _route(context, alert, note=_("It fired during an approved change and still fires after it."))
    elif alert.in_triage and alert.incident_id is None and _route(context, alert) == Disposition.CREATED:
        disposition = Disposition.CREATED  # a rule added since maps it now
    alert.save()
    return disposition if disposition == Disposition.CREATED else Disposition.UPDATED


def _continues(context: _Context, latest: Alert, incident: Ticket) -> bool:
    """Whether a new firing continues the latest alert's incident: still open (it was only noted as cleared, or
    kept open by flapping), or resolved by the alert within the flapping period."""
    if incident.status in OPEN_STATUSES:
        return True
    window = dt.timedelta(minutes=context.integration.flap_minutes)
    # Received times, not the monitoring's: its clock and delivery delays are not ours.
    return incident.status == Status.RESOLVED and context.moment - latest.last_seen_at <= window


def _fire_again(context: _Context, incoming: parsers.Incoming, alert: Alert, incident: Ticket) -> str:
    was_flapping = alert.flapping
    alert.state = AlertState.FIRING
    alert.resolved_at = None
    alert.starts_at = incoming.starts_at or context.moment
    alert.last_seen_at = context.moment
    alert.occurrences += 1
    alert.flapping = _count_change(context, alert)
    _take_content(alert, incoming, context)
    alert.save()
    actor = context.integration.service_account
    text = _("The alert fired again at %(time)s.") % {"time": _when(context.moment)}
    if alert.flapping and not was_flapping:
        text = f"{text} {_flapping_text(context)}"
    if incident.status == Status.RESOLVED:
        reopen_incident(actor=actor, incident=incident, note=text)
    elif not was_flapping:
        note_incident(actor=actor, incident=incident, body=text)
    return Disposition.UPDATED


# --- acknowledged and resolved -------------------------------------------------------------------------------


def _acknowledge(context: _Context, alert: Alert) -> str:
    alert.last_seen_at = context.moment
    alert.payload = context.payload
    first = alert.state != AlertState.ACKNOWLEDGED
    alert.state = AlertState.ACKNOWLEDGED
    alert.save()
    incident = _incident(alert)
    if first and incident is not None and incident.status in OPEN_STATUSES:
        note_incident(
            actor=context.integration.service_account,
            incident=incident,
            body=_("The alert was acknowledged in %(source)s at %(time)s.")
            % {"source": context.integration.name, "time": _when(context.moment)},
        )
    return Disposition.ACKNOWLEDGED


def _resolve(context: _Context, incoming: parsers.Incoming, alert: Alert) -> str:
    if incoming.ends_at and incoming.ends_at < alert.starts_at:
        return Disposition.IGNORED  # the end of an earlier episode, delivered after this one began
    was_flapping = alert.flapping
    alert.state = AlertState.RESOLVED
    alert.resolved_at = min(incoming.ends_at or context.moment, context.moment)
    alert.last_seen_at = context.moment
    alert.flapping = _count_change(context, alert)
    if incoming.annotations:
        alert.annotations = incoming.annotations
    alert.payload = context.payload
    alert.save()
    incident = _incident(alert)
    if incident is None or incident.status not in OPEN_STATUSES:
        return Disposition.RESOLVED  # in triage, suppressed, or already resolved or closed: never reopened
    actor = context.integration.service_account
    cleared = _("The alert cleared at %(time)s: %(summary)s") % {"time": _when(alert.resolved_at),
                                                                 "summary": alert.summary}  # fmt: skip
    if alert.flapping:
        if not was_flapping:
            note_incident(actor=actor, incident=incident, body=f"{cleared}\n\n{_flapping_text(context)}")
    elif context.integration.on_resolve == OnResolve.RESOLVE:
        resolve_incident(actor=actor, incident=incident, note=_("Resolved by the monitoring. %(cleared)s")
                         % {"cleared": cleared})  # fmt: skip
    else:
        note_incident(actor=actor, incident=incident, body=cleared)
    return Disposition.RESOLVED


# --- mapping and filing --------------------------------------------------------------------------------------


def _route(context: _Context, alert: Alert, *, note: str = "") -> str:
    """Map the (saved) alert by the first matching rule and file its incident, unless an approved change's
    window suppresses it; anything that prevents filing sends it to triage with the reason. Saves the alert."""
    labels = alert.labels
    rule = next((r for r in context.rules if r.matches(labels)), None)
    organisation_id = (rule.organisation_id or context.integration.organisation_id) if rule is not None else None
    if rule is None or organisation_id is None:
        alert.organisation = None
        alert.rule = rule
        alert.triage_reason = (
            _("No mapping rule matches its labels.") if rule is None else _("Its rule names no organisation.")
        )
        alert.save()
        return Disposition.TRIAGED
    component = rule.component
    environment = rule.environment or (component.environment if component is not None else None)
    alert.rule, alert.component, alert.environment = rule, component, environment
    alert.impact, alert.urgency = rule.impact, rule.urgency
    change = suppressing_change(component.pk if component is not None else None, context.moment)
    if change is not None:
        alert.organisation_id = organisation_id
        alert.suppressed_by = change
        alert.triage_reason = ""
        alert.save()
        return Disposition.SUPPRESSED
    ticket, reason = file_incident(
        integration=context.integration, alert=alert, organisation_id=organisation_id, note=note
    )
    if ticket is None:
        alert.organisation = None
        alert.triage_reason = truncate(reason, 500)
        alert.save()
        return Disposition.TRIAGED
    alert.organisation_id = organisation_id
    alert.incident = ticket
    alert.triage_reason = ""
    alert.save()
    return Disposition.CREATED


# --- helpers -------------------------------------------------------------------------------------------------


def _take_content(alert: Alert, incoming: parsers.Incoming, context: _Context) -> None:
    if incoming.labels or not alert.labels:
        alert.labels = incoming.labels
    if incoming.annotations or not alert.annotations:
        alert.annotations = incoming.annotations
    if incoming.summary:
        alert.summary = truncate(without_nul(incoming.summary), 500)
    elif not alert.summary:
        alert.summary = truncate(incoming.fingerprint, 500)
    alert.payload = context.payload


def _incident(alert: Alert) -> Ticket | None:
    if alert.incident_id is None:
        return None
    return Ticket.objects.filter(pk=alert.incident_id).first()


def _count_change(context: _Context, alert: Alert) -> bool:
    """Record a firing/resolved change now; whether the alert flaps: `flap_changes` changes within
    `flap_minutes` (older changes are forgotten)."""
    since = context.moment - dt.timedelta(minutes=context.integration.flap_minutes)
    kept = []
    for text in alert.state_changes or []:
        try:
            moment = dt.datetime.fromisoformat(text)
        except (TypeError, ValueError):
            continue
        if moment >= since:
            kept.append(text)
    kept.append(context.moment.isoformat())
    alert.state_changes = kept[-MAX_STATE_CHANGES:]
    return len(kept) >= context.integration.flap_changes


def _flapping_text(context: _Context) -> str:
    return _(
        "It is flapping (%(changes)s state changes within %(minutes)s minutes): this incident stays open and takes "
        "no note per change. Resolve it when the service is stable."
    ) % {"changes": context.integration.flap_changes, "minutes": context.integration.flap_minutes}


def _when(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
