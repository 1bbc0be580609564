"""Maintenance notices: the e-mails telling a customer's contacts that a change to their solution is scheduled,
moved, started, completed or cancelled.

Guarantees: each notice is written to the outbox in the transaction of the step it reports, and at most once —
the unique (change, kind, sequence) row of `ChangeNotice` makes a retried or repeated step send nothing more,
while a reschedule (which raises the change's sequence) sends exactly one new notice. The recipients are the
organisation's contacts with an e-mail address and its customer admins and approvers, each person and address
once, each in their own language (a contact who is no user gets the installation's).
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from picocore.changes.choices import NoticeKind
from picocore.changes.models import Change, ChangeNotice
from picocore.cmdb.models import Contact
from picocore.outbox.services import OutgoingEmail, outbox_emails_add
from picocore.tenancy.models import User
from picocore.tenancy.roles import Capability
from picocore.tenancy.scope import members_with

EMAIL_KIND = "change_notice"


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str
    user: User | None


def notice_recipients(organisation_id: int) -> list[Recipient]:
    """The organisation's members who receive maintenance notices (customer admins, approvers) and its contacts with
    an e-mail address, each address once (a contact who is also a user is written to as that user). Two queries."""
    found: dict[str, Recipient] = {}
    admins = members_with(organisation_id, Capability.MAINTENANCE_NOTICES).order_by("id")
    for admin in admins:
        if admin.email:
            found.setdefault(admin.email.lower(), Recipient(admin.email, admin.email_language, admin))
    users = {recipient.user.pk for recipient in found.values() if recipient.user is not None}
    contacts = Contact.objects.filter(organisation_id=organisation_id).exclude(email="").select_related("user")
    for contact in contacts.order_by("id"):
        if contact.user_id in users:  # the same person, already told
            continue
        user = contact.user if contact.user is not None and contact.user.is_active else None
        language = user.email_language if user is not None else settings.LANGUAGE_CODE
        found.setdefault(contact.email.lower(), Recipient(contact.email, language, user))
    return list(found.values())


def _moment(value: dt.datetime | None) -> str:
    """The moment in the current time zone (the organisation's, as the notice is written)."""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT") if value is not None else "—"


def _texts(change: Change, kind: str) -> tuple[str, list[str]]:
    values = {
        "key": change.key,
        "title": change.title,
        "start": _moment(change.planned_start),
        "end": _moment(change.planned_end),
        "downtime": change.downtime_minutes,
    }
    window = [
        _("Planned window: %(start)s – %(end)s") % values,
        _("Expected downtime: %(downtime)s minutes") % values
        if change.downtime_minutes
        else _("No downtime expected."),
    ]
    if kind == NoticeKind.SCHEDULED:
        subject = _("[%(key)s] Planned maintenance: %(title)s, %(start)s") % values
        lines = [_("We have planned a change to your solution: %(title)s.") % values, "", *window]
    elif kind == NoticeKind.RESCHEDULED:
        subject = _("[%(key)s] Maintenance moved: %(title)s, now %(start)s") % values
        lines = [_("The change “%(title)s” has moved to a new window.") % values, "", *window]
    elif kind == NoticeKind.STARTED:
        subject = _("[%(key)s] Maintenance started: %(title)s") % values
        lines = [_("We have started the change “%(title)s”.") % values, "", *window]
    elif kind == NoticeKind.COMPLETED:
        subject = _("[%(key)s] Maintenance ended: %(title)s") % values
        lines = [_("The change “%(title)s” is done; we are reviewing it.") % values]
    else:
        subject = _("[%(key)s] Maintenance cancelled: %(title)s") % values
        lines = [_("The change “%(title)s” is cancelled; nothing will be done in its window.") % values]
    if change.reason and kind in (NoticeKind.SCHEDULED, NoticeKind.RESCHEDULED):
        lines += ["", _("Why:"), change.reason]
    return subject, [*lines, ""]


def notice_send(change: Change, kind: str) -> int:
    """Write the notice of `kind` about the change (at its current sequence) to the outbox, unless it was
    written before; returns how many e-mails were queued. Run inside the step's transaction."""
    try:
        with transaction.atomic():
            ChangeNotice.objects.create(change=change, kind=kind, sequence=change.sequence)
    except IntegrityError:  # sent before: a retry or a repeated step
        return 0
    emails = []
    for recipient in notice_recipients(change.organisation_id):
        with translation.override(recipient.language), timezone.override(change.organisation.time_zone):
            subject, lines = _texts(change, kind)
        emails.append(
            OutgoingEmail(to=recipient.user, address=recipient.address, kind=EMAIL_KIND, subject=subject,
                          body_text="\n".join(lines))
        )  # fmt: skip
    if emails:
        outbox_emails_add(emails=emails)
    return len(emails)
