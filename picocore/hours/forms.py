"""The form a consultant logs time with: how long (hours and minutes), which day, from when (optional), billable
or why not, and what was done."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from picocore.core.forms import HoursMinutesField
from picocore.hours.choices import NonBillableReason
from picocore.hours.models import MAX_ENTRY_MINUTES


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


class OverageAskForm(forms.Form):
    estimate = HoursMinutesField(label=_("Estimated work"), max_hours=1000)
    note = forms.CharField(label=_("What the work is"), max_length=500)
