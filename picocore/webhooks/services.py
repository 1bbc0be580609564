"""Managing webhook subscriptions: create, change, rotate the secret, disable, enable, delete, redeliver, test.

Every service checks the actor itself (`picocore.webhooks.permissions`): a subscription the actor may not manage
is the same NotFound as a missing one, and refused input is a ValidationError naming the field, with nothing
changed. A new secret is returned once (create, rotate) and stored sealed; after a rotation the previous secret
keeps signing for `ROTATION_OVERLAP`, so receivers can switch without losing a delivery. Side effects (the
posts) are scheduled on commit.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.core.models import max_length_of
from picocore.core.outbound import target_refusal
from picocore.core.tasks import enqueue_on_commit
from picocore.tenancy.models import Organisation, User
from picocore.webhooks import permissions
from picocore.webhooks.announce import new_msg_id
from picocore.webhooks.choices import PING, DeliveryState, EventType
from picocore.webhooks.models import URL_MAX_LENGTH, Delivery, Subscription
from picocore.webhooks.sealing import seal
from picocore.webhooks.signing import new_secret

ROTATION_OVERLAP = dt.timedelta(hours=24)
NAME_MAX_LENGTH = max_length_of(Subscription, "name")


@dataclass(frozen=True)
class SubscriptionFields:
    name: str
    url: str
    organisation_id: int | None
    events: list[str]


def _missing() -> NotFound:
    return NotFound(_("There is no such webhook subscription."))


def _clean(actor: User, fields: SubscriptionFields) -> SubscriptionFields:
    errors: dict[str, list[str]] = {}
    name = fields.name.strip() if isinstance(fields.name, str) else ""
    if not name:
        errors["name"] = [_("Give the subscription a name.")]
    elif len(name) > NAME_MAX_LENGTH or "\x00" in name:
        errors["name"] = [_("A name is at most %(n)s characters, without NUL bytes.") % {"n": NAME_MAX_LENGTH}]
    url = fields.url.strip() if isinstance(fields.url, str) else ""
    try:
        if len(url) > URL_MAX_LENGTH or "\x00" in url:
            raise DjangoValidationError("too long")
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        errors["url"] = [_("Give an http:// or https:// address of at most %(n)s characters.") % {"n": URL_MAX_LENGTH}]
    else:
        if refusal := target_refusal(url):
            errors["url"] = [refusal]
    events = list(dict.fromkeys(fields.events)) if isinstance(fields.events, list | tuple) else []
    if not events:
        errors["events"] = [_("Choose at least one event.")]
    elif any(event not in EventType.values for event in events):
        errors["events"] = [_("Choose events from the list.")]
    organisation_id = fields.organisation_id
    if organisation_id is not None and not Organisation.objects.filter(pk=organisation_id).exists():
        errors["organisation"] = [_("Choose an organisation from the list.")]
    if errors:
        raise ValidationError(" ".join(m for ms in errors.values() for m in ms), field_errors=errors)
    if not permissions.can_manage(actor, organisation_id):
        raise PermissionDenied(_("You may not manage webhooks for this organisation."))
    ordered = [event for event in EventType.values if event in events]
    return SubscriptionFields(name=name, url=url, organisation_id=organisation_id, events=ordered)


def _locked(actor: User, subscription_id: int) -> Subscription:
    subscription = (
        permissions.subscriptions_visible(Subscription.objects.all(), actor)
        .select_for_update(of=("self",))
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None:
        raise _missing()
    return subscription


def subscription_create(*, actor: User, fields: SubscriptionFields) -> tuple[Subscription, str]:
    """A new active subscription owned by the actor; returns it and its secret (shown once, stored sealed)."""
    if not permissions.may_manage_webhooks(actor):
        raise _missing()
    clean = _clean(actor, fields)
    secret = new_secret()
    with transaction.atomic():
        subscription = Subscription.objects.create(
            name=clean.name, url=clean.url, organisation_id=clean.organisation_id, events=clean.events,
            secret_sealed=seal(secret), owner=actor,
        )  # fmt: skip
    return subscription, secret


def subscription_update(*, actor: User, subscription_id: int, fields: SubscriptionFields) -> Subscription:
    """Change the name, target, organisation and events. Deliveries already written keep their target's events."""
    with transaction.atomic():
        subscription = _locked(actor, subscription_id)
        clean = _clean(actor, fields)
        subscription.name, subscription.url = clean.name, clean.url
        subscription.organisation_id, subscription.events = clean.organisation_id, clean.events
        subscription.save(update_fields=["name", "url", "organisation", "events", "updated_at"])
    return subscription


def subscription_rotate_secret(*, actor: User, subscription_id: int) -> tuple[Subscription, str]:
    """A new secret (returned once); the current one keeps signing, beside it, for 24 hours. A rotation during
    a rotation retires the oldest secret at once: at most two are ever active."""
    secret = new_secret()
    with transaction.atomic():
        subscription = _locked(actor, subscription_id)
        subscription.previous_secret_sealed = subscription.secret_sealed
        subscription.previous_secret_expires_at = now() + ROTATION_OVERLAP
        subscription.secret_sealed = seal(secret)
        subscription.save(update_fields=["secret_sealed", "previous_secret_sealed", "previous_secret_expires_at",
                                         "updated_at"])  # fmt: skip
    return subscription, secret


def subscription_disable(*, actor: User, subscription_id: int) -> Subscription:
    """Stop posting; what it is owed waits (pending) until it is enabled again."""
    with transaction.atomic():
        subscription = _locked(actor, subscription_id)
        if subscription.active:
            subscription.active, subscription.disabled_at = False, now()
            subscription.disabled_reason = _("Disabled by %(name)s.") % {"name": actor.get_full_name() or actor}
            subscription.save(update_fields=["active", "disabled_at", "disabled_reason", "updated_at"])
    return subscription


def subscription_enable(*, actor: User, subscription_id: int) -> Subscription:
    """Post again: the deliveries that waited are sent now, in their order."""
    with transaction.atomic():
        subscription = _locked(actor, subscription_id)
        if not subscription.active:
            subscription.active, subscription.disabled_at, subscription.disabled_reason = True, None, ""
            subscription.save(update_fields=["active", "disabled_at", "disabled_reason", "updated_at"])
            Delivery.objects.filter(subscription=subscription, state=DeliveryState.PENDING).update(
                next_attempt_at=now()
            )
            from picocore.webhooks.tasks import deliver_due_webhooks

            enqueue_on_commit(deliver_due_webhooks)
    return subscription


def subscription_delete(*, actor: User, subscription_id: int) -> None:
    """Remove the subscription with its deliveries and their log."""
    with transaction.atomic():
        _locked(actor, subscription_id).delete()


def delivery_redeliver(*, actor: User, subscription_id: int, delivery_id: int) -> Delivery:
    """Send a delivery again in a new round of attempts, with the same message id (the receiver can tell it is
    the same event). Refused while the subscription is disabled, and while the delivery still has a round going."""
    with transaction.atomic():
        subscription = _locked(actor, subscription_id)
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id, subscription=subscription).first()
        if delivery is None:
            raise NotFound(_("There is no such delivery."))
        if not subscription.active:
            raise ValidationError(_("Enable the subscription first: a disabled subscription posts nothing."))
        if delivery.state == DeliveryState.PENDING:
            raise ValidationError(_("%(msg)s is still being delivered.") % {"msg": delivery.msg_id})
        delivery.state, delivery.attempts, delivery.next_attempt_at = DeliveryState.PENDING, 0, now()
        delivery.claimed_until, delivery.claim_token = None, ""
        delivery.save(update_fields=["state", "attempts", "next_attempt_at", "claimed_until", "claim_token"])
        from picocore.webhooks.tasks import deliver_webhooks

        enqueue_on_commit(deliver_webhooks, [delivery.msg_id])
    return delivery


def subscription_ping(*, actor: User, subscription_id: int) -> Delivery:
    """Send a `webhook.ping` event to an active subscription, through the same outbox, signing and log."""
    with transaction.atomic():
        subscription = _locked(actor, subscription_id)
        if not subscription.active:
            raise ValidationError(_("Enable the subscription first: a disabled subscription posts nothing."))
        moment = now()
        msg_id = new_msg_id()
        payload = {"type": PING, "timestamp": moment.astimezone(dt.UTC).isoformat(),
                   "data": {"subscription": subscription.name}}  # fmt: skip
        delivery = Delivery.objects.create(
            subscription=subscription, event_type=PING, event_id=f"ping:{msg_id}", msg_id=msg_id, payload=payload,
            created_at=moment, next_attempt_at=moment,
        )  # fmt: skip
        from picocore.webhooks.tasks import deliver_webhooks

        enqueue_on_commit(deliver_webhooks, [msg_id])
    return delivery
