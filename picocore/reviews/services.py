"""Writing and sending monthly service reviews (they are made in `picocore.reviews.making`).

Guarantees: the summary and proposals
change only while it is a draft, by a service manager; sending e-mails the organisation's customer admins once
(the row lock and the status decide a double click or a retry) through the outbox, in the transaction that
marks it sent, and freezes it. Every write is on the audit trail.
"""

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.outbox.services import OutgoingEmail, outbox_emails_add
from picocore.reviews.choices import ReviewStatus
from picocore.reviews.models import ServiceReview
from picocore.reviews.permissions import can_manage, review_readers
from picocore.reviews.snapshot import Snapshot
from picocore.tenancy.models import User
from picocore.tenancy.scope import serves

EMAIL_KIND = "service_review"
TEXT_LIMIT = 10_000


def _locked(actor: User, review_id: int) -> ServiceReview:
    """The review, locked for this transaction, if the actor may see it as staff; NotFound otherwise."""
    review = (
        ServiceReview.objects.select_for_update(of=("self",))
        .select_related("organisation", "contract__tier")
        .filter(pk=review_id)
        .first()
    )
    if review is None or not serves(actor, review.organisation_id):
        raise NotFound(_("There is no such service review, or it is not yours to see."))
    return review


def _may_change(actor: User, review: ServiceReview) -> None:
    if not can_manage(actor):
        raise PermissionDenied(_("Only a service manager writes and sends the service review."))
    if not review.is_draft:
        raise InvalidTransition(
            _("This review was sent on %(day)s; it is frozen and can no longer be changed.")
            % {"day": date_format(review.sent_at or now(), "DATE_FORMAT")}
        )


def review_update(*, actor: User, review_id: int, summary: str, proposals: str) -> ServiceReview:
    """Write the summary and the proposals of a draft. Only service managers (and administrators) of the
    organisation; a sent review is refused (409) and nothing changes."""
    summary, proposals = (summary or "").strip(), (proposals or "").strip()
    errors = {}
    for name, text in (("summary", summary), ("proposals", proposals)):
        if len(text) > TEXT_LIMIT:
            errors[name] = [_("Keep it under %(limit)s characters.") % {"limit": f"{TEXT_LIMIT:,}"}]
    with transaction.atomic():
        review = _locked(actor, review_id)
        _may_change(actor, review)
        if errors:
            raise ValidationError(field_errors=errors)
        changes = {
            name: {"before": getattr(review, name), "after": value}
            for name, value in (("summary", summary), ("proposals", proposals))
            if getattr(review, name) != value
        }
        if not changes:
            return review
        review.summary, review.proposals = summary, proposals
        review.edited_by, review.edited_at = actor, now()
        review.save(update_fields=["summary", "proposals", "edited_by", "edited_at"])
        audit_record(actor=actor, action=AuditAction.CHANGED, instance=review, changes=changes)
    return review


def review_recipients(review: ServiceReview) -> list[User]:
    """The organisation's active customer admins and billing contacts, who receive the review."""
    return list(review_readers(review.organisation_id).distinct().order_by("id"))


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}".replace(".0", "")


def _email(user: User, review: ServiceReview, snapshot: Snapshot) -> OutgoingEmail:
    with translation.override(user.email_language):
        month = date_format(review.month, "YEAR_MONTH_FORMAT")
        link = settings.PICOCORE_BASE_URL.rstrip("/") + f"/portal/reviews/{review.pk}/"
        values = {"organisation": snapshot.organisation, "month": month, "link": link}
        subject = _("%(organisation)s: the service review of %(month)s") % values
        lines = [_("The service review of %(month)s for %(organisation)s is ready.") % values, ""]
        if review.summary:
            lines += [review.summary, ""]
        sla = snapshot.sla
        for label, metric in ((_("First response"), sla.response), (_("Resolution"), sla.resolution)):
            if metric.compliance is not None:
                lines.append(
                    _("%(metric)s within target: %(percent)s %% (%(met)s of %(decided)s)")
                    % {"metric": label, "percent": metric.compliance, "met": metric.met, "decided": metric.decided}
                )
        if snapshot.hours.has_bank:
            lines.append(
                _("Hours used: %(used)s of %(available)s")
                % {"used": _hours(snapshot.hours.used), "available": _hours(snapshot.hours.available)}
            )
        if review.proposals:
            lines += ["", _("What we propose next:"), review.proposals]
        lines += ["", _("The whole review, with its PDF: %(link)s") % values, ""]
    return OutgoingEmail(to=user, kind=EMAIL_KIND, subject=subject, body_text="\n".join(lines))


def review_send(*, actor: User, review_id: int) -> tuple[ServiceReview, int]:
    """Send the draft to the organisation's customer admins (one outbox e-mail each, written in this
    transaction) and freeze it; returns the review and how many e-mails were queued. A review already sent is
    returned as it is with none queued: a double click or a retried request sends once (the row lock orders
    two at once, and the second finds it sent)."""
    with transaction.atomic():
        review = _locked(actor, review_id)
        if can_manage(actor) and not review.is_draft:
            return review, 0
        _may_change(actor, review)
        recipients = review_recipients(review)
        if not recipients:
            raise ValidationError(
                _("%(organisation)s has no customer admin to send the review to; add one first.")
                % {"organisation": review.organisation.name}
            )
        snapshot = Snapshot.from_data(review.snapshot)
        outbox_emails_add(emails=[_email(user, review, snapshot) for user in recipients])
        review.status, review.sent_by, review.sent_at = ReviewStatus.SENT, actor, now()
        review.save(update_fields=["status", "sent_by", "sent_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CHANGED,
            instance=review,
            changes={
                "status": {"before": ReviewStatus.DRAFT, "after": ReviewStatus.SENT},
                "recipients": {"before": None, "after": [u.email for u in recipients]},
            },
        )
    return review, len(recipients)
