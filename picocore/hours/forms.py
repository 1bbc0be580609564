"""The form a consultant logs time with: how long (hours and minutes), which day, from when (optional), billable
or why not, and what was done."""

import datetime as dt
import re
import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from picocore.core.forms import HoursMinutesField
from picocore.hours.choices import NonBillableReason
from picocore.hours.models import MAX_ENTRY_MINUTES
from picocore.tenancy.models import Organisation


class TimeEntryForm(forms.Form):
    duration = HoursMinutesField(label=_("Time spent"), max_hours=MAX_ENTRY_MINUTES // 60,
                                 help_text=_("Hours and minutes, e.g. 1 h 30 min."))  # fmt: skip
    work_date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    started_at = forms.TimeField(
        label=_("Started at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("Optional: with it, the part outside business hours is charged at its rate."),
    )  # fmt: skip
    billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)
    non_billable_reason = forms.ChoiceField(
        label=_("If not billable, why"), required=False, choices=[("", "—"), *NonBillableReason.choices]
    )
    description = forms.CharField(label=_("What was done"), required=False, max_length=200)

    def __init__(self, *args: object, today: dt.date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["work_date"].initial = today

    def entry(self, organisation: Organisation) -> dict[str, Any]:
        """The valid form as what `time_log` and `time_entry_change` take: minutes, work_date, started_at (in the
        organisation's time zone), billable, non_billable_reason (none when billable) and description."""
        data = self.cleaned_data
        return {
            "minutes": data["duration"],
            "work_date": data["work_date"],
            "started_at": started_at_of(organisation, data),
            "billable": data["billable"],
            "non_billable_reason": "" if data["billable"] else data["non_billable_reason"],
            "description": data["description"],
        }


def started_at_of(organisation: Organisation, data: dict[str, Any]) -> dt.datetime | None:
    """The moment the work started, from the form's day and optional time, in the organisation's time zone."""
    if data.get("started_at") is None:
        return None
    return dt.datetime.combine(data["work_date"], data["started_at"], tzinfo=zoneinfo.ZoneInfo(organisation.time_zone))


class OverageAskForm(forms.Form):
    estimate = HoursMinutesField(label=_("Estimated work"), max_hours=1000)
    note = forms.CharField(label=_("What the work is"), max_length=500)


DURATION_FORMS = re.compile(r"^(?:(?P<minutes>\d{1,4})|(?P<h>\d{1,2}):(?P<m>[0-5]\d))$")


def parse_duration(text: str) -> int | None:
    """Whole minutes from "90" (minutes) or "1:30" (hours:minutes); None when it is neither. Pure."""
    match = DURATION_FORMS.match(text.strip())
    if match is None:
        return None
    if match["minutes"] is not None:
        return int(match["minutes"])
    return int(match["h"]) * 60 + int(match["m"])


class DurationTextField(forms.CharField):
    """A length of time typed as minutes ("90") or hours and minutes ("1:30"), cleaned to whole minutes
    between 1 and a day; anything else (negative, zero, more than a day, words) is refused with a message."""

    default_error_messages = {
        "invalid": _("Give the time as minutes (90) or hours and minutes (1:30)."),
        "range": _("Give between 1 minute and %(max)s hours."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 8)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)  # required, length and NUL checked on the text
        if not text:
            return None
        minutes = parse_duration(text)
        if minutes is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if not 1 <= minutes <= MAX_ENTRY_MINUTES:
            raise forms.ValidationError(
                self.error_messages["range"], code="range", params={"max": MAX_ENTRY_MINUTES // 60}
            )
        return minutes


BILLABLE = ""


def billing_choices() -> list[tuple[str, str]]:
    """Billable (the default), or not billable for one of the reasons."""
    return [(BILLABLE, str(_("Billable"))), *((value, str(_("Not billable: %(reason)s") % {"reason": label}))
                                               for value, label in NonBillableReason.choices)]  # fmt: skip


class TimerStopForm(forms.Form):
    """What the time a timer ran is logged as when it stops."""

    billing = forms.ChoiceField(label=_("Billing"), choices=billing_choices, required=False)
    description = forms.CharField(label=_("What was done"), max_length=200, required=False)

    def reason(self) -> str:
        return str(self.cleaned_data.get("billing") or "")


class TimerActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("start", "start"), ("stop", "stop"), ("discard", "discard")])


class AdjustmentForm(forms.Form):
    """A correction of a month's bank: how much, which way, why, and optionally the entry it corrects."""

    direction = forms.ChoiceField(
        label=_("Adjustment"), choices=[("add", _("Add to the bank (credit)")), ("charge", _("Charge the bank"))]
    )
    amount = HoursMinutesField(label=_("How much"), max_hours=1000)
    reason = forms.CharField(label=_("Reason"), max_length=300, help_text=_("Every adjustment says why."))
    entry = forms.IntegerField(
        label=_("Entry it corrects (optional)"), required=False, min_value=1, max_value=2**31 - 1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("amount"):
            data["signed_minutes"] = data["amount"] if data.get("direction") == "add" else -data["amount"]
        return data
