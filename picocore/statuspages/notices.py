"""Telling subscribers of status updates: one `StatusNotice` per update and active subscriber, written in the
update's transaction, and the worker that sends them.

Guarantees: the unique (update, subscriber) row means an update reaches each subscriber once, however often the
queueing or the worker runs. An e-mail notice is handed to the mail outbox in the same transaction that marks it
sent (a conditional UPDATE, so of two workers exactly one writes the e-mail); the outbox then delivers it with its
own retries. A webhook notice is claimed for a while by one worker, posted (signed the Standard Webhooks way, the
same `webhook-id` on every attempt), marked sent on a 2xx answer and retried later with growing pauses otherwise;
once sent it is never posted again. Every e-mail carries its unsubscribe link, in its text and as RFC 8058's
one-click `List-Unsubscribe` header a mail client can act on by itself; a subscriber who left is skipped.
"""

import datetime as dt
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from picocore.core.claims import claim, unclaimed
from picocore.core.clock import now
from picocore.core.outbound import OPENER
from picocore.outbox.services import OutgoingEmail, outbox_emails_add
from picocore.statuspages import links
from picocore.statuspages.choices import ComponentState, IncidentState, NoticeStatus, SubscriberKind
from picocore.statuspages.models import StatusIncident, StatusNotice, StatusUpdate, Subscriber
from picocore.webhooks.signing import signature_headers

logger = logging.getLogger(__name__)

EMAIL_KIND = "status_update"
CONFIRM_KIND = "status_subscription"
WEBHOOK_TIMEOUT_SECONDS = 10
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=25), dt.timedelta(hours=2),
           dt.timedelta(hours=6))  # fmt: skip
MAX_ATTEMPTS = len(BACKOFF) + 1
CLAIM_FOR = dt.timedelta(minutes=2)
RESPONSE_EXCERPT = 500


def _absolute(path: str) -> str:
    return settings.PICOCORE_BASE_URL.rstrip("/") + path


def page_url(incident: StatusIncident) -> str:
    return _absolute(reverse("statuspages:page", args=[incident.organisation.slug]))


def unsubscribe_url(subscriber: Subscriber) -> str:
    return _absolute(reverse("statuspages:unsubscribe", args=[links.unsubscribe_token(subscriber.token)]))


def confirm_url(subscriber: Subscriber) -> str:
    return _absolute(reverse("statuspages:confirm", args=[links.confirm_token(subscriber.token)]))


def list_headers(subscriber: Subscriber) -> dict[str, str]:
    """The headers that make a subscriber's e-mails a list (RFC 2919) they can leave in one click (RFC 2369 and
    RFC 8058): the mail client POSTs `List-Unsubscribe=One-Click` to the signed link, which needs no sign-in."""
    return {
        "List-Id": f"<{subscriber.organisation.slug}.status.{settings.PICOCORE_MAIL_DOMAIN}>",
        "List-Unsubscribe": f"<{unsubscribe_url(subscriber)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def queue(update: StatusUpdate) -> list[int]:
    """Write the update's notice for every confirmed subscriber still subscribed (in the caller's transaction);
    returns the ids of the notices written now. Two queries; a second call writes nothing."""
    subscribers = Subscriber.objects.filter(
        organisation_id=update.organisation_id, confirmed_at__isnull=False, unsubscribed_at__isnull=True
    ).values_list("pk", flat=True)
    StatusNotice.objects.bulk_create(
        [StatusNotice(organisation_id=update.organisation_id, update=update, subscriber_id=pk) for pk in subscribers],
        ignore_conflicts=True,
    )
    return list(StatusNotice.objects.filter(update=update, status=NoticeStatus.PENDING).values_list("pk", flat=True))


def skip_pending(subscriber: Subscriber) -> int:
    """A subscriber left: their notices not yet sent are not sent."""
    return StatusNotice.objects.filter(subscriber=subscriber, status=NoticeStatus.PENDING).update(
        status=NoticeStatus.SKIPPED, claimed_until=None
    )


def confirmation_send(subscriber: Subscriber) -> None:
    """Mail the link confirming an e-mail subscription to its address (in the caller's transaction)."""
    organisation = subscriber.organisation
    with translation.override(settings.LANGUAGE_CODE):
        context = {"organisation": organisation, "confirm_url": confirm_url(subscriber),
                   "unsubscribe_url": unsubscribe_url(subscriber)}  # fmt: skip
        subject = _("Confirm your subscription to the status of %(name)s") % {"name": organisation.name}
        body = render_to_string("statuspages/email/confirm.txt", context)
    outbox_emails_add(
        emails=[
            OutgoingEmail(
                to=None,
                address=subscriber.address,
                kind=CONFIRM_KIND,
                subject=subject,
                body_text=body,
                headers=list_headers(subscriber),
            )
        ],
        organisation_id=organisation.pk,
    )


def _notice(notice_id: int) -> StatusNotice:
    return StatusNotice.objects.select_related(
        "subscriber__organisation", "update__incident__organisation", "update__posted_by"
    ).get(pk=notice_id)


def email_texts(notice: StatusNotice) -> tuple[str, str]:
    """The subject and plain text of an update's e-mail, with the page's link and the unsubscribe link."""
    update, incident = notice.update, notice.update.incident
    organisation = incident.organisation
    with translation.override(settings.LANGUAGE_CODE), timezone.override(organisation.time_zone):
        values = {"name": organisation.name, "title": incident.title,
                  "state": IncidentState(update.state).label}  # fmt: skip
        subject = _("[%(name)s status] %(title)s: %(state)s") % values
        context = {
            "organisation": organisation, "incident": incident, "update": update,
            "state": IncidentState(update.state).label, "impact": ComponentState(incident.impact).label,
            "components": [c.name for c in incident.components.order_by("name", "id")],
            "page_url": page_url(incident), "unsubscribe_url": unsubscribe_url(notice.subscriber),
        }  # fmt: skip
        body = render_to_string("statuspages/email/update.txt", context)
    return subject, body


def webhook_body(notice: StatusNotice) -> bytes:
    """The JSON a webhook subscriber receives for one update."""
    update, incident = notice.update, notice.update.incident
    payload = {
        "type": "status.update",
        "organisation": incident.organisation.slug,
        "incident": {
            "id": incident.pk,
            "title": incident.title,
            "impact": incident.impact,
            "major_outage_confirmed": incident.confirmed_at is not None,
            "state": incident.state,
            "components": [c.name for c in incident.components.order_by("name", "id")],
            "url": page_url(incident),
        },
        "update": {
            "id": update.pk,
            "state": update.state,
            "body": update.body,
            "posted_at": update.posted_at.isoformat(),
        },
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()


def _send_email(notice_id: int) -> str:
    with transaction.atomic():
        # The conditional UPDATE is the claim: of two workers exactly one sees 1 and writes the e-mail, in the same
        # transaction, so a crash either keeps both or neither.
        moment = now()
        won = StatusNotice.objects.filter(pk=notice_id, status=NoticeStatus.PENDING, sent_at__isnull=True).update(
            status=NoticeStatus.SENT, sent_at=moment, attempts=F("attempts") + 1, claimed_until=None, error=""
        )
        if not won:
            return "skipped"
        notice = _notice(notice_id)
        subject, body = email_texts(notice)
        email = OutgoingEmail(to=None, address=notice.subscriber.address, kind=EMAIL_KIND, subject=subject,
                              body_text=body, headers=list_headers(notice.subscriber))  # fmt: skip
        [email_id] = outbox_emails_add(emails=[email], organisation_id=notice.organisation_id)
        StatusNotice.objects.filter(pk=notice_id).update(outbox_email_id=email_id)
    return "sent"


def _claim(notice_id: int, moment: dt.datetime) -> bool:
    return bool(
        claim(
            StatusNotice.objects.filter(
                pk=notice_id, status=NoticeStatus.PENDING, sent_at__isnull=True, next_attempt_at__lte=moment
            ),
            moment,
            CLAIM_FOR,
        )
    )


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST `body` to `url`; the HTTP status (raises OSError/HTTPError on failure). Only http(s) URLs are stored."""
    if not url.startswith(("https://", "http://")):
        raise ValueError("not an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers,
                                                "User-Agent": "PicoCore status page"},
    )  # fmt: skip
    with OPENER.open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
        response.read(RESPONSE_EXCERPT)
        return int(response.status)


def _send_webhook(notice_id: int) -> str:
    moment = now()
    if not _claim(notice_id, moment):
        return "skipped"
    notice = _notice(notice_id)
    body = webhook_body(notice)
    headers = signature_headers(
        secrets_active=[notice.subscriber.secret], msg_id=f"status-notice-{notice.pk}",
        timestamp=int(moment.timestamp()), body=body,
    )  # fmt: skip
    try:
        status = post(notice.subscriber.address, body, headers)
        error = "" if 200 <= status < 300 else f"HTTP {status}"
    except urllib.error.HTTPError as failure:
        error = f"HTTP {failure.code}"
    except (OSError, ValueError) as failure:
        error = f"{type(failure).__name__}: {failure}"
    if not error:
        StatusNotice.objects.filter(pk=notice_id).update(
            status=NoticeStatus.SENT, sent_at=now(), attempts=F("attempts") + 1, claimed_until=None, error=""
        )
        return "sent"
    attempts = notice.attempts + 1
    park = attempts >= MAX_ATTEMPTS
    StatusNotice.objects.filter(pk=notice_id, sent_at__isnull=True).update(
        attempts=attempts,
        status=NoticeStatus.PARKED if park else NoticeStatus.PENDING,
        next_attempt_at=moment + BACKOFF[min(attempts, len(BACKOFF)) - 1],
        claimed_until=None,
        error=error[:2000],
    )
    logger.warning("Status notice %s to a webhook failed (attempt %s): %s", notice_id, attempts, error)
    return "parked" if park else "retry"


def notice_send(*, notice_id: int) -> str:
    """Send one notice if it is due and not sent; returns "sent", "retry", "parked", "skipped". Safe to call any
    number of times, from any number of workers."""
    kind = StatusNotice.objects.filter(pk=notice_id).values_list("subscriber__kind", "subscriber__unsubscribed_at")
    found = kind.first()
    if found is None:
        return "skipped"
    if found[1] is not None:
        StatusNotice.objects.filter(pk=notice_id, status=NoticeStatus.PENDING).update(status=NoticeStatus.SKIPPED)
        return "skipped"
    return _send_email(notice_id) if found[0] == SubscriberKind.EMAIL else _send_webhook(notice_id)


def due_ids(limit: int = 500) -> list[int]:
    """Pending notices whose time has come and that no live worker holds: one indexed query."""
    moment = now()
    return list(
        StatusNotice.objects.filter(unclaimed(moment), status=NoticeStatus.PENDING, next_attempt_at__lte=moment)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
