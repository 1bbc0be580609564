"""The hour bank's warnings: when a month's use reaches 80 % and 100 % of what it had, its customer admins and
the service managers hear of it once each, by e-mail through the outbox, in the transaction that crossed."""

import datetime as dt

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from picocore.contracts.models import Contract
from picocore.core.clock import now
from picocore.hours import selectors
from picocore.hours.models import LedgerMonth
from picocore.hours.permissions import hour_readers
from picocore.outbox.services import OutgoingEmail, outbox_emails_add
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User

KIND = "hour_bank_warning"
THRESHOLDS = ((100, "warned_100_at"), (80, "warned_80_at"))


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}".replace(".0", "")


def _recipients(contract: Contract) -> list[User]:
    admins = hour_readers(contract.organisation_id)
    managers = User.objects.filter(is_active=True, staff_role=StaffRole.SERVICE_MANAGER)
    return list((admins | managers).distinct().order_by("id"))


def _email(user: User, contract: Contract, month: dt.date, percent: int, used: int, available: int) -> OutgoingEmail:
    with translation.override(user.email_language):
        values = {
            "organisation": contract.organisation.name,
            "percent": percent,
            "month": month.strftime("%Y-%m"),
            "used": _hours(used),
            "available": _hours(available),
            "link": settings.PICOCORE_BASE_URL.rstrip("/") + "/portal/hours/",
        }
        subject = _("%(organisation)s: %(percent)s %% of the hours for %(month)s used") % values
        body = (
            _(
                "%(organisation)s has used %(used)s of the %(available)s hours of %(month)s (%(percent)s %%).\n\n"
                "The hour bank: %(link)s\n"
            )
            % values
        )
    return OutgoingEmail(to=user, kind=KIND, subject=subject, body_text=body)


def warn_if_crossed(contract: Contract, month: dt.date) -> int:
    """Send the highest warning the month's use has reached and not sent yet (marking lower ones as sent);
    returns the threshold sent, or 0."""
    figures = selectors.bank_month(contract, month)
    if not figures.available:
        return 0
    share = figures.used / figures.available
    for percent, field in THRESHOLDS:
        if share * 100 < percent:
            continue
        moment = now()
        lower = {name: moment for threshold, name in THRESHOLDS if threshold <= percent}
        marked = LedgerMonth.objects.filter(contract=contract, month=month, **{f"{field}__isnull": True}).update(
            **lower
        )
        if not marked:
            return 0
        emails = [
            _email(user, contract, month, percent, figures.used, figures.available) for user in _recipients(contract)
        ]
        if emails:
            outbox_emails_add(emails=emails)
        return percent
    return 0
