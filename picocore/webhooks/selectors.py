"""Reading webhook subscriptions and their delivery log, scoped to what the actor manages, in a fixed number
of queries whatever the data."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from picocore.core.errors import NotFound
from picocore.tenancy.models import Organisation, User
from picocore.tenancy.scope import served_organisations
from picocore.webhooks import permissions
from picocore.webhooks.choices import DeliveryState
from picocore.webhooks.models import Delivery, DeliveryAttempt, Subscription

LOG_LENGTH = 50
ATTEMPTS_SHOWN = 5


def subscription_list(*, actor: User) -> list[Subscription]:
    """The subscriptions the actor manages, each with its organisation, owner and counts of waiting and given-up
    deliveries (`waiting`, `given_up`): one query."""
    queryset = permissions.subscriptions_visible(Subscription.objects.all(), actor)
    return list(
        queryset.select_related("organisation", "owner").annotate(
            waiting=Count("deliveries", filter=Q(deliveries__state=DeliveryState.PENDING)),
            given_up=Count("deliveries", filter=Q(deliveries__state=DeliveryState.DEAD)),
        )
    )


def subscription_get(*, actor: User, subscription_id: int) -> Subscription:
    """One subscription the actor manages; NotFound for any other, as for a missing one. One query."""
    queryset = permissions.subscriptions_visible(Subscription.objects.all(), actor)
    subscription = queryset.select_related("organisation", "owner").filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound(_("There is no such webhook subscription."))
    return subscription


@dataclass(frozen=True)
class DeliveryRow:
    delivery: Delivery
    attempts: list[DeliveryAttempt]


def delivery_log(*, actor: User, subscription: Subscription, limit: int = LOG_LENGTH) -> list[DeliveryRow]:
    """The newest deliveries of the subscription with their latest attempts (request, answer, latency): two
    queries, however many deliveries and attempts."""
    deliveries: QuerySet[Delivery] = permissions.deliveries_visible(
        Delivery.objects.filter(subscription=subscription), actor
    )
    rows = list(deliveries.order_by("-created_at", "-id")[:limit])
    attempts: dict[int, list[DeliveryAttempt]] = {row.pk: [] for row in rows}
    for attempt in DeliveryAttempt.objects.filter(delivery_id__in=list(attempts)).order_by("delivery_id", "-number"):
        if len(attempts[attempt.delivery_id]) < ATTEMPTS_SHOWN:
            attempts[attempt.delivery_id].append(attempt)
    return [DeliveryRow(delivery=row, attempts=attempts[row.pk]) for row in rows]


def organisation_choices(*, actor: User) -> list[Organisation]:
    """The organisations the actor may subscribe to (one query)."""
    if not permissions.may_manage_webhooks(actor):
        return []
    return list(served_organisations(actor).order_by("name"))
