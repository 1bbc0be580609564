"""Who may do what with monitoring alerts: asked by the selectors to scope, by the services before they write and
by the pages to choose what to offer.

- Integrations, their rules, their alerts and the triage queue are the service team's: the staff serving the
  integration's organisation (`tenancy.scope.serves`: consultants through an operations team, service managers
  and administrators always). An integration without an organisation (the team's own monitoring for several
  customers) is for service managers and administrators only. Developers and customers see none of it.
- A payload may be posted to an active integration by those staff, and by a customer admin of the integration's
  organisation (their monitoring, their token). Anyone else is told the integration does not exist.
"""

from django.db.models import Q, QuerySet

from picocore.alerts.models import Alert, AlertIntegration
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tenancy.roles import Capability
from picocore.tenancy.scope import STAFF_SEEING_ALL, member_may, reach, serves

WORKERS = (StaffRole.CONSULTANT, StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def _signed_in(actor: User) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def may_work_alerts(actor: User) -> bool:
    """Open the desk's alert pages at all (each page then shows only what `can_manage` allows): consultants,
    service managers and administrators; no query."""
    return _signed_in(actor) and actor.staff_role in WORKERS


def can_manage(actor: User, organisation_id: int | None) -> bool:
    """See and configure the integrations (and their rules, alerts and triage) of `organisation_id`; None is an
    integration of no one organisation: service managers and administrators only."""
    if not _signed_in(actor) or actor.staff_role not in WORKERS:
        return False
    if organisation_id is None:
        return actor.staff_role in STAFF_SEEING_ALL
    return serves(actor, organisation_id)


def can_ingest(actor: User, integration: AlertIntegration) -> bool:
    """Post a payload to `integration`: it is active, and the actor is staff managing it or a customer admin of
    its organisation (no query beyond the actor's reach)."""
    if not integration.active or not _signed_in(actor):
        return False
    if can_manage(actor, integration.organisation_id):
        return True
    if actor.staff_role or integration.organisation_id is None:
        return False
    return member_may(actor, integration.organisation_id, Capability.POST_ALERTS)


def can_map_to(actor: User, alert: Alert, organisation_id: int) -> bool:
    """Map a triaged alert to `organisation_id`: the actor manages the alert's integration and serves that
    organisation."""
    return can_manage(actor, alert.integration.organisation_id) and can_manage(actor, organisation_id)


def integrations_visible(queryset: QuerySet[AlertIntegration], actor: User) -> QuerySet[AlertIntegration]:
    """The integrations of `queryset` the actor manages (none for customers and developers)."""
    condition = _staff_condition(actor, "organisation")
    return queryset.none() if condition is None else queryset.filter(condition)


def alerts_visible(queryset: QuerySet[Alert], actor: User) -> QuerySet[Alert]:
    """The alerts of `queryset` the actor may see: those mapped to an organisation they serve, and those still in
    triage of an integration they manage."""
    if not _signed_in(actor) or actor.staff_role not in WORKERS:
        return queryset.none()
    if actor.staff_role in STAFF_SEEING_ALL:
        return queryset
    served = sorted(reach(actor).served or ())
    return queryset.filter(
        Q(organisation__in=served) | Q(organisation__isnull=True, integration__organisation__in=served)
    )


def _staff_condition(actor: User, field: str) -> Q | None:
    if not _signed_in(actor) or actor.staff_role not in WORKERS:
        return None
    if actor.staff_role in STAFF_SEEING_ALL:
        return Q()
    return Q(**{f"{field}__in": sorted(reach(actor).served or ())})
