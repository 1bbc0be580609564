"""Erasure: anonymising a person while their requests, SLA figures and reports stay as they were.

The person's row stays (every request, reply and figure points at it) and becomes "Former contact <id>" with a
placeholder address on the reserved `.invalid` domain and an unusable password; their memberships, teams,
sessions, API tokens, second factors, subscriptions and notifications end. Their full name and e-mail address
are then rewritten wherever the database holds text (`picocore.privacy.scrub`: timeline texts that quote them,
e-mails in the outbox, notifications, mail headers of inbound messages, webhook delivery logs, the search
indexes that follow those columns) and in the audit trail (`audit_redact_person`, which keeps its hash chain
valid). On request their own texts are blanked too: the bodies of their replies and notes, their rating
comments, the e-mails they sent. Nothing that counts (statuses, times, clocks, minutes, scores) changes.

One transaction: an erasure happens completely or not at all. Asking again for a person already erased
returns the first erasure's record. The record (rows changed per kind) is kept and audited.
"""

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from picocore.api.models import ApiToken
from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record, audit_redact_person
from picocore.cmdb.models import Contact
from picocore.core.clock import now
from picocore.core.errors import NotFound, ValidationError
from picocore.hours.models import RunningTimer
from picocore.mail.models import InboundMessage
from picocore.notifications.models import Notification, NotificationPreference
from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.privacy import permissions, scrub
from picocore.privacy.models import Erasure
from picocore.satisfaction.models import Rating
from picocore.security.sessions import sessions_end_others
from picocore.statuspages.models import Subscriber
from picocore.tenancy.models import Membership, Team, User
from picocore.tickets.choices import EventKind
from picocore.tickets.models import TicketEvent, TicketWatcher

PLACEHOLDER_DOMAIN = "erased.invalid"


def placeholder_name(user_id: int) -> str:
    return f"Former contact {user_id}"


def placeholder_email(user_id: int) -> str:
    return f"former-contact-{user_id}@{PLACEHOLDER_DOMAIN}"


def is_erased(user: User) -> bool:
    return user.email == placeholder_email(user.pk)


# The timeline entries whose text is what their author wrote (a reply, a note, the request as submitted).
WRITTEN_KINDS = (EventKind.PUBLIC_REPLY, EventKind.INTERNAL_NOTE, EventKind.CREATED)


def texts_blank(
    *, events: QuerySet[TicketEvent], ratings: QuerySet[Rating], messages: QuerySet[InboundMessage]
) -> dict[str, int]:
    """Blank these texts: the bodies of the timeline entries, the rating comments, the e-mails (bodies and raw
    source). Shared by erasure (what one person wrote) and retention (what the people of a request wrote)."""
    plain = scrub.plain_queryset(TicketEvent)
    written = events.filter(kind__in=WRITTEN_KINDS).exclude(body="")
    return {
        "replies": plain.filter(pk__in=list(written.values_list("pk", flat=True))).update(body=""),
        "rating_comments": ratings.exclude(comment="").update(comment=""),
        "sent_emails": messages.update(body_text="", body_html="", raw=b""),
    }


def _blank_texts(subject: User) -> dict[str, int]:
    """Blank what the person wrote: reply and note bodies, rating comments, e-mails they sent."""
    return texts_blank(
        events=TicketEvent.objects.filter(actor=subject),
        ratings=Rating.objects.filter(requester=subject),
        messages=InboundMessage.objects.filter(sender=subject),
    )


def _end_access(subject: User) -> dict[str, int]:
    """End what lets the person in or reach them: memberships, teams, sessions, tokens, factors, subscriptions."""
    memberships, _rows = Membership.objects.filter(user=subject).delete()
    teams, _rows = Team.members.through.objects.filter(user_id=subject.pk).delete()
    watching, _rows = TicketWatcher.objects.filter(user=subject).delete()
    NotificationPreference.objects.filter(user=subject).delete()
    notifications, _rows = Notification.objects.filter(user=subject).delete()
    factors = (
        TOTPDevice.objects.filter(user=subject).delete()[0] + StaticDevice.objects.filter(user=subject).delete()[0]
    )
    status_subscriptions, _rows = Subscriber.objects.filter(address__iexact=subject.email).delete()
    RunningTimer.objects.filter(user=subject).delete()
    return {
        "memberships": memberships,
        "teams": teams,
        "sessions": sessions_end_others(actor=subject, current_key=None),
        "api_tokens": ApiToken.objects.filter(user=subject, revoked_at__isnull=True).update(revoked_at=now()),
        "second_factors": factors,
        "watched_requests": watching,
        "notifications": notifications,
        "status_subscriptions": status_subscriptions,
        "pending_emails": OutboxEmail.objects.filter(
            Q(recipient=subject) | Q(to_address__iexact=subject.email), status=OutboxStatus.PENDING
        ).update(status=OutboxStatus.WITHHELD),
        "contact_phones": Contact.objects.filter(Q(user=subject) | Q(email__iexact=subject.email))
        .exclude(phone="")
        .update(phone=""),
        # The raw source of their e-mails holds their address in every header: the parsed columns stay, rewritten.
        "raw_emails": InboundMessage.objects.filter(Q(sender=subject) | Q(from_address__iexact=subject.email))
        .exclude(raw=b"")
        .update(raw=b""),
    }


def _anonymise_row(subject: User) -> None:
    subject.full_name = placeholder_name(subject.pk)
    subject.email = placeholder_email(subject.pk)
    subject.set_unusable_password()
    subject.is_active = subject.is_staff = subject.is_superuser = False
    subject.language = ""
    subject.default_organisation = None
    subject.last_login = None
    subject.save()
    subject.groups.clear()
    subject.user_permissions.clear()


def person_erase(*, actor: User, subject_id: int, organisation_id: int | None, blank_texts: bool) -> Erasure:
    """Anonymise the person (see the module's docstring) and return the record of what changed. NotFound for a
    person the actor may not see; ValidationError for one they may see but not erase here (with why)."""
    with transaction.atomic():
        subject = User.objects.select_for_update().filter(pk=subject_id).first()
        if subject is None:
            raise NotFound(_("There is no such person."))
        previous = Erasure.objects.filter(subject=subject).order_by("pk").first()
        if previous is not None and is_erased(subject):
            if actor.pk in (previous.actor_id,) or permissions.is_administrator(actor):
                return previous
            raise NotFound(_("There is no such person."))
        if not permissions.may_erase(actor, subject, organisation_id):
            if (
                organisation_id is not None
                and permissions.people_of(actor, organisation_id).filter(pk=subject.pk).exists()
            ):
                raise ValidationError(
                    _(
                        "This person also belongs to another organisation or works on the service team, or it is "
                        "you: ask the service team's administrator to erase them."
                    )
                )
            raise NotFound(_("There is no such person."))
        counts: dict[str, Any] = {"ended": _end_access(subject)}
        if blank_texts:
            counts["blanked"] = _blank_texts(subject)
        found = scrub.redaction(
            {subject.full_name: placeholder_name(subject.pk), subject.email: placeholder_email(subject.pk)}
        )
        audited = audit_redact_person(actor=actor, user_id=subject.pk, replacement=placeholder_name(subject.pk))
        counts["rewritten"] = scrub.scrub(found) if found is not None else {}
        if audited is not None:
            counts["rewritten"]["audit.AuditEntry"] = audited.changes["entries"]["after"]
        _anonymise_row(subject)
        erasure = Erasure.objects.create(
            subject=subject, actor=actor, organisation_id=organisation_id, blank_texts=blank_texts, counts=counts
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATED,
            instance=erasure,
            changes={"subject": {"before": None, "after": subject.pk}, "counts": {"before": None, "after": counts}},
        )
    return erasure
