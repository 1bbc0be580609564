"""The desk's status page forms: they parse; the services validate and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from picocore.statuspages.choices import IncidentImpact, IncidentState, SubscriberKind, Visibility
from picocore.statuspages.models import ADDRESS_MAX_LENGTH, BODY_MAX_LENGTH, TITLE_MAX_LENGTH


class SettingsForm(forms.Form):
    visibility = forms.ChoiceField(label=_("Who may read the page"), choices=Visibility.choices)


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    impact = forms.ChoiceField(label=_("Impact shown"), choices=IncidentImpact.choices)
    components = forms.TypedMultipleChoiceField(label=_("Affected components"), coerce=int, required=False)
    tickets = forms.TypedMultipleChoiceField(label=_("Linked tickets"), coerce=int, required=False)
    confirm_major = forms.BooleanField(label=_("I confirm this is a major outage"), required=False)

    def __init__(self, *args: object, components: list[tuple[int, str]], tickets: list[tuple[int, str]],
                 **kwargs: object) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["components"].choices = components  # type: ignore[attr-defined]
        self.fields["tickets"].choices = tickets  # type: ignore[attr-defined]


class UpdateForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=IncidentState.choices)
    body = forms.CharField(label=_("Update"), max_length=BODY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5}))


class OutageForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    body = forms.CharField(
        label=_("First update"), max_length=BODY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )


class SubscriberForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SubscriberKind.choices)
    address = forms.CharField(label=_("E-mail address or webhook URL"), max_length=ADDRESS_MAX_LENGTH)
