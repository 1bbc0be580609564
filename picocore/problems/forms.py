"""The desk's problem forms: they read what a person typed; the services decide what is accepted."""

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from picocore.core.forms import UserContentSelect
from picocore.problems.models import NEXT_STEP_MAX, TEXT_MAX, TITLE_MAX

TEXTAREA = {"rows": 4, "data-user-content": ""}  # what people write: never checked for untranslated text


def _owner_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None, choices=(),
                                  widget=UserContentSelect)  # fmt: skip


class ProblemForm(forms.Form):
    """A problem's texts, owner and next step (on the new-problem page, also its first incident)."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(label=_("Description"), max_length=TEXT_MAX, required=False,
                                  widget=forms.Textarea(attrs=TEXTAREA))  # fmt: skip
    root_cause = forms.CharField(label=_("Root cause"), max_length=TEXT_MAX, required=False,
                                 widget=forms.Textarea(attrs=TEXTAREA))  # fmt: skip
    workaround = forms.CharField(
        label=_("Workaround"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Recording a workaround makes the problem a known error."),
    )  # fmt: skip
    owner = _owner_field()
    next_step = forms.CharField(label=_("Next step"), max_length=NEXT_STEP_MAX, required=False)
    next_step_due = forms.DateField(label=_("Next step expected"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))  # fmt: skip

    def __init__(
        self, data: Any = None, *, owners: Sequence[tuple[int, str]] = (), initial: dict[str, Any] | None = None,
        with_incident: bool = False,
    ) -> None:  # fmt: skip
        super().__init__(data, initial=initial)
        choices: list[tuple[Any, str]] = [("", str(_("— nobody yet —"))), *owners]
        cast(forms.ChoiceField, self.fields["owner"]).choices = choices
        if with_incident:
            self.fields["incident"] = forms.CharField(
                label=_("First incident (ticket key)"), max_length=40, required=False,
                help_text=_("For example ACME-12. More can be linked on the problem's page."),
            )  # fmt: skip


class TransitionForm(forms.Form):
    target = forms.CharField(max_length=30)
    reason = forms.CharField(label=_("Note"), max_length=500, required=False)


class IncidentForm(forms.Form):
    """Link an incident by its key (an unlink button posts `unlink`, read apart: `UnlinkForm`)."""

    ticket = forms.CharField(label=_("Incident (ticket key)"), max_length=40, required=False)


class UnlinkForm(forms.Form):
    unlink = forms.IntegerField(required=False, min_value=1)


class ComponentForm(forms.Form):
    add = forms.IntegerField(required=False, min_value=1)
    remove = forms.IntegerField(required=False, min_value=1)


class FixingChangeForm(forms.Form):
    change = forms.CharField(label=_("Fixing change (change key)"), max_length=40, required=False,
                             help_text=_("For example CHG-12; empty for none."))  # fmt: skip


class PublishForm(forms.Form):
    body = forms.CharField(
        label=_("Reply to the incidents"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Empty: a short introduction followed by the workaround."),
    )  # fmt: skip


class KnownIssueForm(forms.Form):
    known_issue_title = forms.CharField(label=_("Title for customers"), max_length=TITLE_MAX, required=False)
    known_issue_text = forms.CharField(label=_("Text for customers"), max_length=TEXT_MAX, required=False,
                                       widget=forms.Textarea(attrs=TEXTAREA))  # fmt: skip


class ResolveForm(forms.Form):
    tickets = forms.TypedMultipleChoiceField(label=_("Incidents"), coerce=int, choices=())
    note = forms.CharField(label=_("Resolution note for the customers"), max_length=TEXT_MAX,
                           widget=forms.Textarea(attrs=TEXTAREA))  # fmt: skip

    def __init__(self, data: Any = None, *, candidates: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        cast(forms.ChoiceField, self.fields["tickets"]).choices = list(candidates)


class ProposalForm(forms.Form):
    action = forms.ChoiceField(choices=[("accept", "accept"), ("dismiss", "dismiss")])
