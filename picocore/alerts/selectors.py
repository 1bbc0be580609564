"""Reading monitoring alerts: every list is scoped by `picocore.alerts.permissions` and reads its related rows in
the same query, so a page costs the same number of queries whatever the number of alerts."""

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from picocore.alerts.choices import OPEN_ALERT_STATES
from picocore.alerts.models import Alert, AlertIntegration, MappingRule, RawAlertPayload
from picocore.alerts.permissions import WORKERS, alerts_visible, can_manage, integrations_visible, may_work_alerts
from picocore.cmdb.models import Component, Environment
from picocore.core.errors import NotFound
from picocore.core.pagination import Page, keyset_page
from picocore.tenancy.models import Membership, Organisation, User
from picocore.tenancy.scope import served_organisations

PAGE_SIZE = 25


def firing_alerts(*, organisation_id: int) -> QuerySet[Alert]:
    """The organisation's open alerts (firing or acknowledged) on one of its components that no approved change
    window suppresses, with their component, environment and solution: what a status page shows. Not scoped by
    a person: the caller decides who may see the organisation's status."""
    return (
        Alert.objects.filter(
            organisation_id=organisation_id,
            state__in=OPEN_ALERT_STATES,
            suppressed_by__isnull=True,
            component__isnull=False,
        )
        .select_related("component__environment__solution", "incident")
        .order_by("component_id", "-last_seen_at", "-id")
    )


def integration_list(*, actor: User) -> QuerySet[AlertIntegration]:
    """The integrations the actor manages, with their organisation, their number of rules, open alerts and alerts
    waiting in triage; by organisation (the team's own, of no organisation, first), then by name. One query."""
    return (
        integrations_visible(AlertIntegration.objects.all(), actor)
        .select_related("organisation")
        .annotate(
            rule_count=Count("rules", distinct=True),
            open_count=Count("alerts", filter=Q(alerts__state__in=OPEN_ALERT_STATES), distinct=True),
            triage_count=Count(
                "alerts",
                filter=Q(
                    alerts__organisation__isnull=True,
                    alerts__suppressed_by__isnull=True,
                    alerts__dismissed_at__isnull=True,
                ),
                distinct=True,
            ),
        )
        .order_by(F("organisation__name").asc(nulls_first=True), "organisation_id", "name", "id")
    )


def integration_get(*, actor: User, integration_id: int) -> AlertIntegration:
    """One integration the actor manages, with its organisation, service account and requester; NotFound for any
    other (the same answer as for a missing one)."""
    integration = (
        AlertIntegration.objects.select_related("organisation", "service_account", "requester")
        .filter(pk=integration_id)
        .first()
    )
    if integration is None or not can_manage(actor, integration.organisation_id):
        raise NotFound(_("No such integration."))
    return integration


def integration_summary(*, actor: User, integration_id: int) -> AlertIntegration:
    """One integration the actor manages with its counts (as `integration_list`), service account and requester;
    NotFound for any other. One query."""
    integration = (
        integration_list(actor=actor).select_related("service_account", "requester").filter(pk=integration_id).first()
    )
    if integration is None:
        raise NotFound(_("No such integration."))
    return integration


def rule_list(*, integration: AlertIntegration) -> QuerySet[MappingRule]:
    """The integration's rules in the order they are tried (the caller has read the integration for its actor)."""
    return integration.rules.select_related("organisation", "environment__solution", "component").order_by(
        "position", "id"
    )


def alert_list(*, actor: User, integration: AlertIntegration | None = None) -> QuerySet[Alert]:
    """The alerts the actor may see, newest seen first, with their integration, organisation, component and
    incident (optionally of one integration)."""
    queryset = alerts_visible(Alert.objects.all(), actor)
    if integration is not None:
        queryset = queryset.filter(integration=integration)
    return queryset.select_related("integration", "organisation", "component", "incident", "suppressed_by")


def triage_list(*, actor: User) -> QuerySet[Alert]:
    """The alerts waiting in triage (no rule mapped their labels, or the incident could not be filed) of the
    integrations the actor manages, newest first; dismissed ones are not."""
    return alert_list(actor=actor).filter(
        organisation__isnull=True, suppressed_by__isnull=True, dismissed_at__isnull=True
    )


def alert_get(*, actor: User, alert_id: int) -> Alert:
    """One alert the actor may see, with its integration and payload; NotFound for any other."""
    alert = (
        alerts_visible(Alert.objects.all(), actor)
        .select_related("integration__organisation", "organisation", "component", "incident", "payload")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound(_("No such alert."))
    return alert


def alert_page(*, actor: User, integration: AlertIntegration, cursor: str | None, size: int = PAGE_SIZE) -> Page:
    """One page of the integration's alerts the actor may see, last seen first, by keyset (page N costs what page 1
    does), each with its organisation, component and incident. One query."""
    return keyset_page(
        alert_list(actor=actor, integration=integration), field="last_seen_at", descending=True, cursor=cursor,
        size=size,
    )  # fmt: skip


def payload_page(*, integration: AlertIntegration, cursor: str | None, size: int = PAGE_SIZE) -> Page:
    """One page of the payloads the integration received, newest first, by keyset, without their bodies (read one
    at a time by `payload_get`); the caller has read the integration for its actor. One query."""
    payloads = RawAlertPayload.objects.filter(integration=integration).defer("body")
    return keyset_page(payloads, field="received_at", descending=True, cursor=cursor, size=size)


def payload_get(*, integration: AlertIntegration, payload_id: int) -> RawAlertPayload:
    """One payload the integration received, with its body; NotFound for a payload of any other integration."""
    payload = RawAlertPayload.objects.filter(integration=integration, pk=payload_id).first()
    if payload is None:
        raise NotFound(_("No such payload."))
    return payload


def triage_page(*, actor: User, cursor: str | None, integration_id: int | None = None, size: int = PAGE_SIZE) -> Page:
    """One page of the triage queue (`triage_list`), last seen first, by keyset, optionally of one integration.
    One query."""
    alerts = triage_list(actor=actor)
    if integration_id is not None:
        alerts = alerts.filter(integration_id=integration_id)
    return keyset_page(alerts, field="last_seen_at", descending=True, cursor=cursor, size=size)


def triage_alert_get(*, actor: User, alert_id: int) -> Alert:
    """One alert waiting in triage that the actor may map or dismiss, with its integration and latest payload
    (without its body); NotFound for any other (missing, foreign, mapped or dismissed: the queue no longer holds
    it)."""
    alert = (
        triage_list(actor=actor)
        .select_related("integration__organisation", "payload")
        .defer("payload__body")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound(_("No such alert in triage."))
    return alert


def managed_organisations(*, actor: User) -> list[Organisation]:
    """The organisations the actor may map alerts and integrations to (those they serve), by name. One query."""
    if not may_work_alerts(actor):
        return []
    return list(served_organisations(actor).order_by("name", "id"))


def service_account_choices() -> list[User]:
    """The active members of the service team who may file incidents for an integration (the service checks that
    the one chosen serves its organisation), by name. One query."""
    return list(User.objects.filter(is_active=True, staff_role__in=WORKERS).order_by("full_name", "id"))


def contact_choices(*, actor: User, organisation_id: int | None) -> list[User]:
    """The active contacts of one organisation the actor manages (an integration's requester), by name; none for
    no organisation or one the actor does not manage. One query."""
    if organisation_id is None or not can_manage(actor, organisation_id):
        return []
    members = Membership.objects.filter(organisation_id=organisation_id, user__is_active=True).values("user_id")
    return list(User.objects.filter(pk__in=members).order_by("full_name", "id"))


def landscape_choices(*, actor: User, organisation_ids: list[int]) -> tuple[list[Environment], list[Component]]:
    """The environments and components (with their solution) of those organisations the actor manages, by
    organisation, solution and name: what a rule or a triaged alert may map to. Two queries."""
    allowed = [pk for pk in organisation_ids if can_manage(actor, pk)]
    environments = list(
        Environment.objects.filter(organisation_id__in=allowed)
        .select_related("solution", "organisation")
        .order_by("organisation__name", "solution__name", "kind", "id")
    )
    components = list(
        Component.objects.filter(organisation_id__in=allowed)
        .select_related("environment__solution", "organisation")
        .order_by("organisation__name", "environment__solution__name", "environment__kind", "name", "id")
    )
    return environments, components
