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


class PeriodForm(forms.Form):
    """A report's months, "from" and "to" (Python keywords, so added in `__init__`): a period that ends before
    it starts is an error of the "to" field, and "from" is then not used."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = MonthField(label=_("From month"), required=False)
        self.fields["to"] = MonthField(label=_("To month"), required=False)
        self.notices: list[str] = []

    def clean(self):
        data = super().clean()
        month_from, month_to = data.get("from"), data.get("to")
        if month_from is not None and month_to is not None and month_from > month_to:
            self.add_error(
                "to",
                forms.ValidationError(
                    _("The period ends before it starts: choose a month from %(month)s on.")
                    % {"month": date_format(month_from, "F Y")},
                    code="before_start",
                ),
            )
            data.pop("from", None)
        return data

    def months(self) -> tuple[dt.date, dt.date]:
        """The first and last month counted (first days), once the form is validated: the last six months where
        a month is missing or could not be read, moved inside `FIRST_MONTH`…`LAST_MONTH` with a notice."""
        data = self.cleaned_data
        default_from, default_to = default_months()
        month_from, month_to = data.get("from") or default_from, data.get("to") or default_to
        if month_from > month_to:  # one of them fell back to its default
            month_from, month_to = default_from, default_to
        inside = (min(max(month_from, FIRST_MONTH), LAST_MONTH), min(max(month_to, FIRST_MONTH), LAST_MONTH))
        if inside != (month_from, month_to):
            self.notices = [
                _("Reports cover %(first)s to %(last)s; the period was moved inside it.")
                % {"first": date_format(FIRST_MONTH, "F Y"), "last": date_format(LAST_MONTH, "F Y")}
            ]
        return inside

    def error_lines(self) -> list[str]:
        """Each error as "Label: message", in the order of the fields."""
        return [f"{self.fields[name].label}: {error}" for name in self.fields for error in self.errors.get(name, [])]


class SlaReportFiltersForm(PeriodForm):
    """The SLA report's filters. `report_filters()` gives what the report counts: each field that could not be
    read (an error of this form, also a period that ends before it starts) falls back to its default (the last
    six months, grouped by organisation, everything the actor may see), and months outside
    `FIRST_MONTH`…`LAST_MONTH` are moved inside, with a notice saying so."""

    organisation = IdField(label=_("Customer"), required=False)
    tier = IdField(label=_("Tier"), required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, empty_value=None, required=False
    )
    group = forms.ChoiceField(label=_("Group by"), choices=list(GROUPINGS.items()), required=False)

    def report_filters(self) -> ReportFilters:
        self.is_valid()
        data = self.cleaned_data
        month_from, month_to = self.months()
        return ReportFilters(
            month_from=month_from,
            month_to=month_to,
            group_by=data.get("group") or "organisation",
            organisation=data.get("organisation"),
            tier=data.get("tier"),
            priority=data.get("priority"),
        )


class ReportFiltersForm(PeriodForm):
    """The filters of every report but the SLA one: customer, tier, team, the months from and to, and what to
    group by (`groups`: value → label, the first the default).

    `period()` reads them: a filter that cannot be read — a malformed month or id, an unknown grouping, a
    period that ends before it starts — is an error of this form (the page names it and counts with that
    filter's default: the last six months, everything the actor may see); months beyond what any ticket can
    have are moved inside, with a notice saying so."""

    organisation = IdField(label=_("Customer"), required=False)
    tier = IdField(label=_("Tier"), required=False)
    team = IdField(label=_("Team"), required=False)

    def __init__(self, *args, groups: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"] = forms.ChoiceField(label=_("Group by"), choices=list(groups.items()), required=False)
        self.default_group = next(iter(groups))

    def period(self) -> tuple[dt.date, dt.date, str]:
        """The first and last month counted (first days) and the grouping."""
        self.is_valid()
        month_from, month_to = self.months()
        return month_from, month_to, self.cleaned_data.get("group") or self.default_group
