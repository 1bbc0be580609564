"""Posting deliveries, in the worker: claim, sign, post, record, and retry or give up.

Guarantees: a delivery is posted by at most one worker at a time — candidates are locked with
`SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL) and taken with a conditional UPDATE under a claim token (which also
holds on SQLite), and the claim expires only well after the request's timeout, so a dead worker's delivery is
sent again later, never concurrently. Every attempt is signed anew (a new `webhook-timestamp`, the same
`webhook-id`) with every active secret, and logged with the request as sent and the answer. A 2xx answer
delivers; anything else (another status, a redirect, a timeout, a refused connection) is retried after a growing,
jittered pause for about a day (`BACKOFF`), then the delivery is dead, its subscription disabled with the reason,
and the subscription's owner notified (in the app and by e-mail, as they chose).
"""

import datetime as dt
import json
import logging
import random
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from picocore.core.claims import unclaimed
from picocore.core.clock import now
from picocore.core.outbound import OPENER
from picocore.core.text import without_nul
from picocore.webhooks import signing
from picocore.webhooks.choices import DeliveryState
from picocore.webhooks.models import RESPONSE_EXCERPT_BYTES, Delivery, DeliveryAttempt, Subscription
from picocore.webhooks.sealing import unseal

logger = logging.getLogger(__name__)

# Pauses after the 1st, 2nd, … failed attempt of a round: eight attempts over about 23 hours. Each pause is
# drawn within ±20 % (`JITTER`), so receivers that came back are not hit by every sender at once.
BACKOFF = (dt.timedelta(seconds=5), dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30),
           dt.timedelta(hours=2), dt.timedelta(hours=6), dt.timedelta(hours=14))  # fmt: skip
MAX_ATTEMPTS = len(BACKOFF) + 1
JITTER = 0.2
TIMEOUT_SECONDS = 10.0
# Far longer than one request may take: a live worker never loses its claim mid-send.
CLAIM_FOR = dt.timedelta(minutes=2)
USER_AGENT = "PicoCore-Webhooks/1"
ERROR_MAX = 2000


def pause_after(attempts: int, *, rng: random.Random | None = None) -> dt.timedelta:
    """The jittered pause after the `attempts`-th failed attempt of a round (1-based)."""
    base = BACKOFF[min(attempts, len(BACKOFF)) - 1]
    return base * (1 + (rng or random).uniform(-JITTER, JITTER))


def active_secrets(subscription: Subscription, moment: dt.datetime) -> list[str]:
    """The secrets signing a delivery now: the current one and, while its rotation lasts, the previous one."""
    found = [unseal(subscription.secret_sealed)]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret_sealed and expires is not None and expires > moment:
        found.append(unseal(subscription.previous_secret_sealed))
    return found


def _due(moment: dt.datetime) -> Q:
    return Q(state=DeliveryState.PENDING, next_attempt_at__lte=moment, subscription__active=True) & unclaimed(moment)


def due_delivery_ids(limit: int = 200) -> list[int]:
    """Pending deliveries of active subscriptions whose time has come and that no live worker holds (indexed)."""
    moment = now()
    return list(
        Delivery.objects.filter(_due(moment)).order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit]
    )


def claim(*, delivery_ids: list[int] | None = None, msg_ids: list[str] | None = None, limit: int = 200) -> list[int]:
    """Take due deliveries (of these ids, or any) for this worker; returns the ids it now holds. Rows another
    worker has locked are skipped, not waited for; the conditional UPDATE makes sure no row is held twice."""
    moment = now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        candidates = Delivery.objects.filter(_due(moment))
        if delivery_ids is not None:
            candidates = candidates.filter(pk__in=delivery_ids)
        if msg_ids is not None:
            candidates = candidates.filter(msg_id__in=msg_ids)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        ids = list(candidates.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids).filter(unclaimed(moment), state=DeliveryState.PENDING).update(
            claimed_until=moment + CLAIM_FOR, claim_token=token
        )
    return list(Delivery.objects.filter(pk__in=ids, claim_token=token).order_by("next_attempt_at", "id")
                .values_list("pk", flat=True))  # fmt: skip


@dataclass(frozen=True)
class Answer:
    status: int | None
    body: str
    error: str
    latency_ms: int


def _excerpt(raw: bytes) -> str:
    return without_nul(raw[:RESPONSE_EXCERPT_BYTES].decode("utf-8", errors="replace"))


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float = TIMEOUT_SECONDS) -> Answer:
    """POST once; never raises for what the receiver or the network does."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (http(s) only, validated)
    started = time.monotonic()
    try:
        with OPENER.open(request, timeout=timeout) as response:
            raw = response.read(RESPONSE_EXCERPT_BYTES)
            status, error = response.status, ""
    except urllib.error.HTTPError as failure:
        try:
            raw = failure.read(RESPONSE_EXCERPT_BYTES)
        except OSError:
            raw = b""
        status, error = failure.code, ""
        failure.close()
    except (OSError, ValueError) as failure:  # refused, unreachable, timed out, TLS, a malformed answer
        raw, status = b"", None
        error = without_nul(f"{type(failure).__name__}: {failure}")[:ERROR_MAX]
    except Exception as failure:  # http.client's odd answers (e.g. a bad status line) are the receiver's fault
        raw, status = b"", None
        error = without_nul(f"{type(failure).__name__}: {failure}")[:ERROR_MAX]
    latency = int((time.monotonic() - started) * 1000)
    return Answer(status=status, body=_excerpt(raw), error=error, latency_ms=latency)


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()


def deliver(delivery_id: int) -> str:
    """One attempt of a delivery this worker holds; returns "delivered", "retry", "dead" or "skipped"."""
    delivery = Delivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != DeliveryState.PENDING or delivery.claimed_until is None:
        return "skipped"
    subscription = delivery.subscription
    moment = now()
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signing.signature_headers(
            secrets_active=active_secrets(subscription, moment),
            msg_id=delivery.msg_id,
            timestamp=int(moment.timestamp()),
            body=body,
        ),
    }
    answer = post(subscription.url, body, headers)
    ok = answer.status is not None and 200 <= answer.status < 300
    attempts = delivery.attempts + 1
    dead = not ok and attempts >= MAX_ATTEMPTS
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.attempts_total + 1, started_at=moment, latency_ms=answer.latency_ms,
            response_status=answer.status, response_body=answer.body, error=answer.error,
            request_headers=headers, request_body=body.decode(),
        )  # fmt: skip
        fields: dict[str, object] = {
            "attempts": attempts,
            "attempts_total": F("attempts_total") + 1,
            "claimed_until": None,
            "claim_token": "",
            "last_status": answer.status,
            "last_error": answer.error,
        }
        if ok:
            fields |= {"state": DeliveryState.DELIVERED, "delivered_at": now(), "next_attempt_at": None}
        elif dead:
            fields |= {"state": DeliveryState.DEAD, "next_attempt_at": None}
        else:
            fields |= {"next_attempt_at": now() + pause_after(attempts)}
        Delivery.objects.filter(pk=delivery.pk).update(**fields)
        if dead:
            give_up(subscription, delivery, answer)
    if ok:
        return "delivered"
    logger.warning("Webhook %s to subscription %s failed (attempt %s): %s", delivery.msg_id, subscription.pk,
                   attempts, answer.error or answer.status)  # fmt: skip
    return "dead" if dead else "retry"


def give_up(subscription: Subscription, delivery: Delivery, answer: Answer) -> None:
    """Disable the subscription with the reason and tell its owner (or, without one, the service managers)."""
    from picocore.notifications.models import NotificationKind
    from picocore.notifications.services import notify
    from picocore.tenancy.models import User
    from picocore.tenancy.scope import STAFF_SEEING_ALL

    moment = now()
    outcome = f"HTTP {answer.status}" if answer.status is not None else answer.error
    reason = _("Delivery %(msg)s (%(event)s) failed %(attempts)s times over a day; the last answer: %(outcome)s") % {
        "msg": delivery.msg_id, "event": delivery.event_type, "attempts": MAX_ATTEMPTS, "outcome": outcome,
    }  # fmt: skip
    changed = Subscription.objects.filter(pk=subscription.pk, active=True).update(
        active=False, disabled_at=moment, disabled_reason=reason[:ERROR_MAX], updated_at=moment
    )
    if not changed:
        return
    owner = User.objects.filter(pk=subscription.owner_id, is_active=True).first() if subscription.owner_id else None
    people = (
        [owner] if owner is not None else list(User.objects.filter(is_active=True, staff_role__in=STAFF_SEEING_ALL))
    )
    notify(
        users=people,
        kind=NotificationKind.WEBHOOK_DISABLED,
        key=f"webhook-disabled:{subscription.pk}:{int(moment.timestamp())}",
        title=_("Webhook disabled after failed deliveries: %(name)s") % {"name": subscription.name},
        body=reason,
        link=reverse("webhooks:subscription", args=[subscription.pk]),
    )


def deliver_claimed(delivery_ids: list[int]) -> list[str]:
    return [deliver(delivery_id) for delivery_id in delivery_ids]
