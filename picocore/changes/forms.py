"""The desk's change forms: they read what a person typed; the services decide what is accepted."""

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from picocore.changes import risk
from picocore.changes.choices import ChangeType, Outcome
from picocore.changes.models import StandardChangeTemplate
from picocore.changes.services.common import REASON_MAX, TEXT_MAX, TITLE_MAX
from picocore.changes.services.planning import DOWNTIME_MAX

TEXTAREA = {"rows": 4}


class ChangeNewForm(forms.Form):
    change_type = forms.ChoiceField(label=_("Type"), choices=ChangeType.choices, initial=ChangeType.NORMAL)
    organisation = forms.TypedChoiceField(label=_("Customer"), coerce=int, choices=())
    template = forms.TypedChoiceField(
        label=_("Standard change"), coerce=int, required=False, empty_value=None, choices=(),
        help_text=_("Standard changes only: offered to the customer's tier, with their plans and duration."),
    )  # fmt: skip
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    reason = forms.CharField(label=_("Reason"), max_length=TEXT_MAX, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(
        self, data: Any = None, *, organisations: Sequence[tuple[int, str]] = (),
        templates: Sequence[StandardChangeTemplate] = (), initial: dict[str, Any] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(data, initial=initial)
        cast(forms.ChoiceField, self.fields["organisation"]).choices = list(organisations)
        choices: list[tuple[Any, str]] = [("", str(_("— none —"))), *((t.pk, t.name) for t in templates)]
        cast(forms.ChoiceField, self.fields["template"]).choices = choices


class ChangePlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    reason = forms.CharField(label=_("Reason"), max_length=TEXT_MAX, widget=forms.Textarea(attrs=TEXTAREA))
    implementation_plan = forms.CharField(
        label=_("Implementation plan"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    test_plan = forms.CharField(label=_("Test plan"), max_length=TEXT_MAX, required=False,
                                widget=forms.Textarea(attrs=TEXTAREA))  # fmt: skip
    backout_plan = forms.CharField(
        label=_("Back-out plan"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    downtime_minutes = forms.IntegerField(label=_("Expected downtime (minutes)"), min_value=0, max_value=DOWNTIME_MAX,
                                          initial=0)  # fmt: skip
    implementer = forms.TypedChoiceField(label=_("Implementer"), coerce=int, required=False, empty_value=None,
                                         choices=())  # fmt: skip

    def __init__(
        self, data: Any = None, *, initial: dict[str, Any] | None = None, implementers: Sequence[tuple[int, str]] = ()
    ) -> None:
        super().__init__(data, initial=initial)
        choices: list[tuple[Any, str]] = [("", str(_("— nobody yet —"))), *implementers]
        cast(forms.ChoiceField, self.fields["implementer"]).choices = choices
        for question in risk.QUESTIONS:
            self.fields[f"risk_{question.key}"] = forms.TypedChoiceField(
                label=str(question.text), required=False, empty_value=None,
                coerce=lambda value: value == "yes",
                choices=[("", _("Not answered")), ("yes", _("Yes")), ("no", _("No"))],
            )  # fmt: skip

    def risk_answers(self) -> dict[str, object]:
        return {
            q.key: self.cleaned_data[f"risk_{q.key}"]
            for q in risk.QUESTIONS
            if self.cleaned_data.get(f"risk_{q.key}") is not None
        }


class ScheduleForm(forms.Form):
    """The planned window, in the customer's local time (the view reads it in their time zone)."""

    start = forms.DateTimeField(label=_("Start"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                             format="%Y-%m-%dT%H:%M"))  # fmt: skip
    end = forms.DateTimeField(label=_("End"), required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty for a standard change: its template's duration."))  # fmt: skip
    override = forms.CharField(label=_("Why outside the window or in a freeze (emergency changes)"),
                               max_length=REASON_MAX, required=False)  # fmt: skip


class TransitionForm(forms.Form):
    target = forms.CharField(max_length=30)
    reason = forms.CharField(label=_("Note"), max_length=REASON_MAX, required=False)
    override = forms.CharField(label=_("Why outside the window or in a freeze (emergency changes)"),
                               max_length=REASON_MAX, required=False)  # fmt: skip


class ComponentsForm(forms.Form):
    confirm = forms.IntegerField(required=False, min_value=1)
    remove = forms.IntegerField(required=False, min_value=1)


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    lessons = forms.CharField(label=_("Lessons"), max_length=TEXT_MAX, required=False,
                              widget=forms.Textarea(attrs=TEXTAREA))  # fmt: skip
    incidents = forms.CharField(label=_("Incidents it caused (ticket keys, comma-separated)"), max_length=1000,
                                required=False)  # fmt: skip

    def incident_keys(self) -> list[str]:
        return [key.strip() for key in self.cleaned_data.get("incidents", "").split(",") if key.strip()]
