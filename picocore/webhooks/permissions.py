"""Who may manage outbound webhooks: asked by the selectors to scope, by the services before they write and by
the pages to choose what to offer.

Subscriptions are the service team's configuration: service managers and administrators manage them. One for a
single organisation is managed only by such staff serving that organisation (`tenancy.scope.serves`); one for
every organisation (`organisation` empty) by those who serve all. Consultants, developers and customers see none
of it: the pages answer them 404.
"""

from django.db.models import Q, QuerySet

from picocore.tenancy.models import User
from picocore.tenancy.scope import STAFF_SEEING_ALL, reach, serves
from picocore.webhooks.models import Delivery, Subscription


def _signed_in(actor: User) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def may_manage_webhooks(actor: User) -> bool:
    """Use the webhook pages at all."""
    return _signed_in(actor) and actor.staff_role in STAFF_SEEING_ALL


def can_manage(actor: User, organisation_id: int | None) -> bool:
    """Create, change and watch a subscription to `organisation_id`'s events (None: every organisation's)."""
    if not may_manage_webhooks(actor):
        return False
    if organisation_id is None:
        return reach(actor).served is None
    return serves(actor, organisation_id)


def _condition(actor: User, field: str) -> Q | None:
    if not may_manage_webhooks(actor):
        return None
    served = reach(actor).served
    if served is None:
        return Q()
    return Q(**{f"{field}__in": sorted(served)})


def subscriptions_visible(queryset: QuerySet[Subscription], actor: User) -> QuerySet[Subscription]:
    """The subscriptions of `queryset` the actor manages (none for anyone else)."""
    condition = _condition(actor, "organisation")
    return queryset.none() if condition is None else queryset.filter(condition)


def deliveries_visible(queryset: QuerySet[Delivery], actor: User) -> QuerySet[Delivery]:
    """The deliveries of subscriptions the actor manages."""
    condition = _condition(actor, "subscription__organisation")
    return queryset.none() if condition is None else queryset.filter(condition)
