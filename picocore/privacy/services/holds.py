"""Legal holds: keeping an organisation's requests, or one request, from automatic anonymisation.

Set and lifted by service managers and administrators serving the organisation (`permissions.may_hold`), with
a reason; both audited. At most one hold in force per organisation and per request (unique constraints): a
second one for the same is refused with a message, a double submit changes nothing more.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.changes.services.common import clean_text, raise_if
from picocore.core.clock import now
from picocore.core.errors import NotFound, ValidationError
from picocore.privacy import permissions
from picocore.privacy.models import LegalHold
from picocore.tenancy.models import Organisation, User
from picocore.tickets.models import Ticket

REASON_LIMIT = 500


def hold_set(*, actor: User, organisation_id: int, ticket_key: str, reason: object) -> LegalHold:
    """Put the organisation's requests (or, with `ticket_key`, that one request of it) on legal hold."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None or not permissions.may_hold(actor, organisation.pk):
        raise NotFound(_("There is no such organisation."))
    errors: dict[str, list[str]] = {}
    text = clean_text(errors, "reason", reason, limit=REASON_LIMIT, required=True, label=_("the reason"))
    ticket = None
    key = ticket_key.strip().upper()
    if key:
        ticket = Ticket.objects.filter(organisation=organisation, key=key).first()
        if ticket is None:
            errors["ticket"] = [_("%(organisation)s has no request %(key)s.") % {"organisation": organisation.name,
                                                                                   "key": key[:32]}]  # fmt: skip
    raise_if(errors)
    try:
        with transaction.atomic():
            hold = LegalHold.objects.create(organisation=organisation, ticket=ticket, reason=text, set_by=actor)
            audit_record(
                actor=actor,
                action=AuditAction.CREATED,
                instance=hold,
                changes={
                    "organisation": {"before": None, "after": organisation.pk},
                    "ticket": {"before": None, "after": ticket.key if ticket else None},
                    "reason": {"before": None, "after": text},
                },
            )
    except IntegrityError:
        raise ValidationError(
            _("This request is on legal hold already.") if ticket else _("This organisation is on legal hold already.")
        ) from None
    return hold


def hold_lift(*, actor: User, hold_id: int) -> LegalHold:
    """Lift a hold in force; lifting one already lifted changes nothing."""
    with transaction.atomic():
        hold = permissions.holds_visible(actor).select_for_update().filter(pk=hold_id).first()
        if hold is None or not permissions.may_hold(actor, hold.organisation_id):
            raise NotFound(_("There is no such legal hold."))
        if hold.lifted_at is None:
            hold.lifted_at, hold.lifted_by = now(), actor
            hold.save(update_fields=["lifted_at", "lifted_by"])
            audit_record(
                actor=actor,
                action=AuditAction.CHANGED,
                instance=hold,
                changes={"lifted_at": {"before": None, "after": hold.lifted_at}},
            )
    return hold
