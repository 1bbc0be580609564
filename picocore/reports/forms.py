"""The report pages' query strings, read by forms: what cannot be read is named to the person, never a 500."""

import datetime as dt
import re

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from picocore.catalog.choices import Priority
from picocore.core.forms import IdField
from picocore.reports.selectors import FIRST_MONTH, GROUPINGS, LAST_MONTH, ReportFilters, default_months

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class MonthField(forms.CharField):
    """ "2026-11" (as `<input type="month">` sends it) → 1 November 2026."""

    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, for example 2026-11.")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        found = _MONTH.fullmatch(value)
        if found is None or not (int(found[1]) >= 1 and 1 <= int(found[2]) <= 12):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return dt.date(int(found[1]), int(found[2]), 1)


class SlaReportFiltersForm(forms.Form):
    """The SLA report's filters. `report_filters()` gives what the report counts: each field that could not be
    read (an error of this form) falls back to its default (the last six months, grouped by organisation,
    everything the actor may see), and months outside `FIRST_MONTH`…`LAST_MONTH` are moved inside, with a
    notice saying so."""

    organisation = IdField(label=_("Customer"), required=False)
    tier = IdField(label=_("Tier"), required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, empty_value=None, required=False
    )
    group = forms.ChoiceField(label=_("Group by"), choices=list(GROUPINGS.items()), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so the month fields cannot be declared as class attributes.
        self.fields["from"] = MonthField(label=_("From month"), required=False)
        self.fields["to"] = MonthField(label=_("To month"), required=False)
        self.notices: list[str] = []

    def report_filters(self) -> ReportFilters:
        self.is_valid()
        data = self.cleaned_data
        default_from, default_to = default_months()
        month_from, month_to = data.get("from") or default_from, data.get("to") or default_to
        if month_from > month_to:
            month_from, month_to = month_to, month_from
        inside = tuple(min(max(month, FIRST_MONTH), LAST_MONTH) for month in (month_from, month_to))
        if inside != (month_from, month_to):
            month_from, month_to = inside
            self.notices = [
                _("Reports cover %(first)s to %(last)s; the period was moved inside it.")
                % {"first": date_format(FIRST_MONTH, "F Y"), "last": date_format(LAST_MONTH, "F Y")}
            ]
        return ReportFilters(
            month_from=month_from,
            month_to=month_to,
            group_by=data.get("group") or "organisation",
            organisation=data.get("organisation"),
            tier=data.get("tier"),
            priority=data.get("priority"),
        )

    def error_lines(self) -> list[str]:
        """Each error as "Label: message", in the order of the fields."""
        return [f"{self.fields[name].label}: {error}" for name in self.fields for error in self.errors.get(name, [])]
