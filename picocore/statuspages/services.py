"""Changing status pages: their settings and signed link, the incidents written for them and their updates,
confirming a major outage, and subscribers.

Every service checks access itself (`picocore.statuspages.permissions`), refusing a foreign organisation with the
same NotFound as a missing one; bad input is a ValidationError naming the field, with nothing changed. Posting an
update writes one `StatusNotice` per active subscriber in the same transaction (unique per update and subscriber),
and the worker sends them after commit (`picocore.statuspages.notices`).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.cmdb.models import Component
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.core.outbound import target_refusal
from picocore.core.tasks import enqueue_on_commit
from picocore.core.text import has_line_break, without_nul
from picocore.statuspages import notices, permissions
from picocore.statuspages.choices import IncidentImpact, IncidentState, SubscriberKind, Visibility
from picocore.statuspages.models import (
    ADDRESS_MAX_LENGTH,
    BODY_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    StatusIncident,
    StatusPage,
    StatusUpdate,
    Subscriber,
    new_link_salt,
)
from picocore.statuspages.tasks import send_status_notices
from picocore.tenancy.models import Organisation, User
from picocore.tickets.choices import OPEN_STATUSES
from picocore.tickets.models import Ticket
from picocore.webhooks.signing import new_secret


def _field_error(field: str, message: str) -> ValidationError:
    return ValidationError(message, field_errors={field: [message]})


def _organisation(actor: User, organisation_id: int) -> Organisation:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None or not permissions.can_manage(actor, organisation.pk):
        raise NotFound(_("No such status page."))
    return organisation


def _title(value: str) -> str:
    title = without_nul(value).strip()
    if not title:
        raise _field_error("title", _("Give the incident a title."))
    if has_line_break(title):
        raise _field_error("title", _("The title is one line."))
    if len(title) > TITLE_MAX_LENGTH:
        raise _field_error("title", _("The title is at most %(n)s characters.") % {"n": TITLE_MAX_LENGTH})
    return title


def _body(value: str) -> str:
    body = without_nul(value).strip()
    if not body:
        raise _field_error("body", _("Write what the customers should know."))
    if len(body) > BODY_MAX_LENGTH:
        raise _field_error("body", _("An update is at most %(n)s characters.") % {"n": BODY_MAX_LENGTH})
    return body


def _choice(field: str, value: str, choices: type[IncidentImpact] | type[IncidentState] | type[Visibility]) -> str:
    if value not in choices.values:
        raise _field_error(field, _("Choose one from the list."))
    return value


def _components(organisation: Organisation, ids: list[int]) -> list[Component]:
    found = list(Component.objects.filter(organisation=organisation, pk__in=sorted(set(ids))))
    if len(found) != len(set(ids)):
        raise _field_error("components", _("Choose components of %(name)s.") % {"name": organisation.name})
    return found


def _tickets(organisation: Organisation, ids: list[int]) -> list[Ticket]:
    found = list(Ticket.objects.filter(organisation=organisation, pk__in=sorted(set(ids))).only("pk"))
    if len(found) != len(set(ids)):
        raise _field_error("tickets", _("Choose tickets of %(name)s.") % {"name": organisation.name})
    return found


# Settings.


@transaction.atomic
def page_settings_update(*, actor: User, organisation_id: int, visibility: str) -> StatusPage:
    """Set who may read the organisation's page, recorded in the audit trail."""
    organisation = _organisation(actor, organisation_id)
    visibility = _choice("visibility", visibility, Visibility)
    page, _created = StatusPage.objects.select_for_update().get_or_create(organisation=organisation)
    before = page.visibility
    page.visibility = visibility
    page.updated_at, page.updated_by = now(), actor
    page.save()
    changes = {"visibility": {"before": before, "after": visibility}} if before != visibility else {}
    audit_record(actor=actor, action=AuditAction.CHANGED, instance=page, changes=changes)
    return page


@transaction.atomic
def page_link_rotate(*, actor: User, organisation_id: int) -> StatusPage:
    """A new signed link for the organisation's page: every link handed out before stops working at once."""
    organisation = _organisation(actor, organisation_id)
    page, _created = StatusPage.objects.select_for_update().get_or_create(organisation=organisation)
    page.link_salt = new_link_salt()
    page.updated_at, page.updated_by = now(), actor
    page.save()
    audit_record(actor=actor, action=AuditAction.CHANGED, instance=page,
                 changes={"link": {"before": "(revoked)", "after": "(new)"}})  # fmt: skip
    return page


# Incidents.


@transaction.atomic
def incident_create(
    *,
    actor: User,
    organisation_id: int,
    title: str,
    impact: str,
    component_ids: list[int],
    ticket_ids: list[int] | None = None,
    confirm_major: bool = False,
) -> StatusIncident:
    """A draft incident (shown once its first update is posted). `confirm_major` confirms a major outage at once."""
    organisation = _organisation(actor, organisation_id)
    title = _title(title)
    impact = _choice("impact", impact, IncidentImpact)
    components = _components(organisation, component_ids)
    tickets = _tickets(organisation, ticket_ids or [])
    incident = StatusIncident.objects.create(organisation=organisation, title=title, impact=impact, created_by=actor)
    if impact == IncidentImpact.MAJOR_OUTAGE and confirm_major:
        incident.confirmed_by, incident.confirmed_at = actor, now()
        incident.save(update_fields=["confirmed_by", "confirmed_at"])
    incident.components.set(components)
    incident.tickets.set(tickets)
    return incident


def _locked(actor: User, incident_id: int) -> StatusIncident:
    incident = StatusIncident.objects.select_for_update().select_related("organisation").filter(pk=incident_id).first()
    if incident is None or not permissions.can_manage(actor, incident.organisation_id):
        raise NotFound(_("No such status incident."))
    return incident


@transaction.atomic
def incident_edit(
    *, actor: User, incident_id: int, title: str, impact: str, component_ids: list[int], ticket_ids: list[int]
) -> StatusIncident:
    """Change what an incident says it affects and how badly; raising it to a major outage needs a confirmation
    again (a lower impact drops the confirmation)."""
    incident = _locked(actor, incident_id)
    incident.title = _title(title)
    impact = _choice("impact", impact, IncidentImpact)
    components = _components(incident.organisation, component_ids)
    tickets = _tickets(incident.organisation, ticket_ids)
    if impact != incident.impact:
        incident.confirmed_by, incident.confirmed_at = None, None
    incident.impact = impact
    incident.save()
    incident.components.set(components)
    incident.tickets.set(tickets)
    return incident


@transaction.atomic
def incident_confirm(*, actor: User, incident_id: int) -> StatusIncident:
    """A member of staff confirms the incident's major outage: from now on it is shown as one. Idempotent."""
    incident = _locked(actor, incident_id)
    if incident.impact != IncidentImpact.MAJOR_OUTAGE:
        raise ValidationError(_("Only a major outage needs confirming."))
    if incident.confirmed_at is None:
        incident.confirmed_by, incident.confirmed_at = actor, now()
        incident.save(update_fields=["confirmed_by", "confirmed_at"])
    return incident


@transaction.atomic
def update_post(*, actor: User, incident_id: int, body: str, state: str) -> StatusUpdate:
    """Publish an update (the first one publishes the incident) in `state`, and queue it for every active
    subscriber: one notice each, written in this transaction, sent after commit."""
    incident = _locked(actor, incident_id)
    body = _body(body)
    state = _choice("state", state, IncidentState)
    moment = now()
    update = StatusUpdate.objects.create(
        organisation_id=incident.organisation_id, incident=incident, body=body, state=state, posted_by=actor,
        posted_at=moment,
    )  # fmt: skip
    incident.state = state
    incident.published_at = incident.published_at or moment
    incident.resolved_at = (incident.resolved_at or moment) if state == IncidentState.RESOLVED else None
    incident.save(update_fields=["state", "published_at", "resolved_at"])
    ids = notices.queue(update)
    if ids:
        enqueue_on_commit(send_status_notices, ids)
    return update


@transaction.atomic
def outage_confirm(*, actor: User, organisation_id: int, component_id: int, title: str, body: str) -> StatusIncident:
    """Confirm the major outage that tickets or alerts report on a component: a published, confirmed major-outage
    incident on it, linked to its open P1 tickets, with `body` as its first update (sent to the subscribers)."""
    organisation = _organisation(actor, organisation_id)
    component = Component.objects.filter(organisation=organisation, pk=component_id).first()
    if component is None:
        raise NotFound(_("No such component."))
    p1 = Ticket.objects.filter(
        organisation=organisation, component=component, status__in=OPEN_STATUSES, priority=1
    ).values_list("pk", flat=True)
    incident = incident_create(
        actor=actor, organisation_id=organisation.pk, title=title, impact=IncidentImpact.MAJOR_OUTAGE,
        component_ids=[component.pk], ticket_ids=list(p1), confirm_major=True,
    )  # fmt: skip
    update_post(actor=actor, incident_id=incident.pk, body=body, state=IncidentState.INVESTIGATING)
    incident.refresh_from_db()
    return incident


# Subscribers.


def clean_address(kind: str, address: str) -> str:
    """The address as stored: an e-mail address (its domain in lower case) or an http(s) URL in ASCII."""
    address = without_nul(address).strip()
    if kind == SubscriberKind.EMAIL:
        if len(address) > EMAIL_MAX_LENGTH:
            raise _field_error("address", _("An e-mail address is at most %(n)s characters.") % {"n": EMAIL_MAX_LENGTH})
        try:
            validate_email(address)
        except DjangoValidationError:
            raise _field_error("address", _("Enter a valid e-mail address.")) from None
        local, _at, domain = address.rpartition("@")
        return f"{local}@{domain.lower()}"
    if kind == SubscriberKind.WEBHOOK:
        url = iri_to_uri(address)
        if len(url) > ADDRESS_MAX_LENGTH:
            raise _field_error("address", _("A URL is at most %(n)s characters.") % {"n": ADDRESS_MAX_LENGTH})
        try:
            URLValidator(schemes=["https", "http"])(url)
        except DjangoValidationError:
            raise _field_error("address", _("Enter a valid http:// or https:// URL.")) from None
        if refusal := target_refusal(url):
            raise _field_error("address", refusal)
        return url
    raise _field_error("kind", _("Choose e-mail or webhook."))


@transaction.atomic
def subscriber_add(*, actor: User, organisation_id: int, kind: str, address: str) -> Subscriber:
    """Subscribe an address to the organisation's page. A contact subscribes an e-mail address (their own is
    confirmed at once, any other by the link mailed to it); a customer admin or the staff serving the organisation
    also a webhook URL (confirmed at once, with a fresh signing secret). Subscribing again an address that left
    starts over; one already subscribed is refused."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    allowed = organisation is not None and (
        permissions.can_subscribe_email(actor, organisation.pk) or permissions.can_manage(actor, organisation.pk)
    )
    if organisation is None or not allowed:
        raise NotFound(_("No such status page."))
    if kind == SubscriberKind.WEBHOOK and not permissions.can_subscribe_webhook(actor, organisation.pk):
        raise PermissionDenied(_("Only a customer admin may subscribe a webhook."))
    address = clean_address(kind, address)
    existing = (
        Subscriber.objects.select_for_update().filter(organisation=organisation, kind=kind, address=address).first()
    )
    if existing is not None and existing.unsubscribed_at is None:
        raise _field_error("address", _("%(address)s is subscribed already.") % {"address": address})
    subscriber = existing or Subscriber(organisation=organisation, kind=kind, address=address)
    subscriber.created_by, subscriber.created_at, subscriber.unsubscribed_at = actor, now(), None
    own = kind == SubscriberKind.EMAIL and address.lower() == actor.email.lower()
    subscriber.confirmed_at = now() if kind == SubscriberKind.WEBHOOK or own else None
    subscriber.secret = new_secret() if kind == SubscriberKind.WEBHOOK else ""
    try:
        with transaction.atomic():
            subscriber.save()
    except IntegrityError:  # subscribed by someone else at the same moment
        raise _field_error("address", _("%(address)s is subscribed already.") % {"address": address}) from None
    if subscriber.confirmed_at is None:
        notices.confirmation_send(subscriber)
    return subscriber


@transaction.atomic
def subscriber_confirm(*, token: str) -> Subscriber | None:
    """Confirm the subscription a confirm link names; None for a link that names nothing (any more)."""
    subscriber = Subscriber.objects.select_for_update().filter(token=token, unsubscribed_at__isnull=True).first()
    if subscriber is None:
        return None
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = now()
        subscriber.save(update_fields=["confirmed_at"])
    return subscriber


@transaction.atomic
def subscriber_unsubscribe(*, token: str) -> Subscriber | None:
    """End the subscription an unsubscribe link names (one click, idempotent): nothing more is sent to it, notices
    not yet sent included. None for a link that names nothing."""
    subscriber = Subscriber.objects.select_for_update().filter(token=token).first()
    if subscriber is None:
        return None
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = now()
        subscriber.save(update_fields=["unsubscribed_at"])
        notices.skip_pending(subscriber)
    return subscriber


@transaction.atomic
def subscriber_remove(*, actor: User, subscriber_id: int) -> Subscriber:
    """The staff serving the organisation end a subscription (recorded in the audit trail)."""
    subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_id).first()
    if subscriber is None or not permissions.can_manage(actor, subscriber.organisation_id):
        raise NotFound(_("No such subscriber."))
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = now()
        subscriber.save(update_fields=["unsubscribed_at"])
        notices.skip_pending(subscriber)
        audit_record(actor=actor, action=AuditAction.DELETED, instance=subscriber, changes={})
    return subscriber
