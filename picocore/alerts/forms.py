"""The desk's alert forms: they parse what a person typed (NUL characters and over-long values are refused here,
with a message); the configuration and triage services validate and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from picocore.alerts.choices import OnResolve, SourceKind
from picocore.alerts.services.configuration import FLAP_CHANGES_RANGE, FLAP_MINUTES_RANGE
from picocore.catalog.choices import Impact, Urgency
from picocore.cmdb.models import Component, Environment
from picocore.core.forms import OneLineCharField
from picocore.core.params import MAX_ID
from picocore.tenancy.models import Organisation, User

MATCH_MAX_LENGTH = 10_000
POSITION_MAX = 32767


def _set_choices(form: forms.Form, name: str, choices: list[tuple[object, object]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def environment_label(environment: Environment) -> str:
    return f"{environment.organisation.name} · {environment}"


def component_label(component: Component) -> str:
    return f"{component.organisation.name} · {component.environment} · {component.name}"


class IntegrationForm(forms.Form):
    """An integration's settings; the organisation's contacts are offered as its requester."""

    name = OneLineCharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(
        label=_("Intake address"), max_length=60,
        help_text=_("The last part of the intake URL: letters, digits and hyphens."),
    )  # fmt: skip
    organisation = forms.TypedChoiceField(label=_("Organisation"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Monitoring system (the payload format)"), choices=SourceKind.choices)
    service_account = forms.TypedChoiceField(
        label=_("Service account"), coerce=int,
        help_text=_("The member of the service team who files, notes and resolves the incidents."),
    )  # fmt: skip
    requester = forms.TypedChoiceField(
        label=_("Requester"), required=False, coerce=int, empty_value=None,
        help_text=_("The customer contact the incidents are for; empty: the organisation's first customer admin."),
    )  # fmt: skip
    flap_changes = forms.IntegerField(
        label=_("Flapping: state changes"), min_value=FLAP_CHANGES_RANGE[0], max_value=FLAP_CHANGES_RANGE[1],
        help_text=_("This many firing/resolved changes of one alert within the minutes below is flapping: the "
                    "incident stays open instead of resolving and reopening."),
    )  # fmt: skip
    flap_minutes = forms.IntegerField(
        label=_("Flapping: within minutes"), min_value=FLAP_MINUTES_RANGE[0], max_value=FLAP_MINUTES_RANGE[1]
    )
    on_resolve = forms.ChoiceField(label=_("When an alert clears"), choices=OnResolve.choices)
    active = forms.BooleanField(label=_("Active"), required=False, help_text=_("An inactive intake refuses payloads."))

    def __init__(
        self,
        *args: object,
        organisations: list[Organisation],
        accounts: list[User],
        contacts: list[User],
        all_organisations: bool,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        every = [("", _("None: the service team's own monitoring"))] if all_organisations else []
        _set_choices(self, "organisation", [*every, *((o.pk, o.name) for o in organisations)])
        _set_choices(self, "service_account", [("", "—"), *((u.pk, u.full_name or u.email) for u in accounts)])
        _set_choices(self, "requester", [("", _("The first customer admin")),
                                         *((u.pk, u.full_name or u.email) for u in contacts)])  # fmt: skip


class RuleForm(forms.Form):
    """One row of the rules editor. `rule_id` is empty for a new row; an empty new row is skipped."""

    rule_id = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    position = forms.IntegerField(
        label=_("Order"), min_value=0, max_value=POSITION_MAX, required=False,
        help_text=_("Rules are tried from the lowest number; the first that matches wins."),
    )  # fmt: skip
    match = forms.CharField(
        label=_("Labels to match"), max_length=MATCH_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_("One label=value a line, e.g. severity=critical; none matches every alert."), required=False,
    )  # fmt: skip
    organisation = forms.TypedChoiceField(label=_("Organisation"), required=False, coerce=int, empty_value=None)
    environment = forms.TypedChoiceField(label=_("Environment"), required=False, coerce=int, empty_value=None)
    component = forms.TypedChoiceField(label=_("Component"), required=False, coerce=int, empty_value=None)
    impact = forms.ChoiceField(label=_("Impact"), choices=Impact.choices, initial=Impact.MEDIUM)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.MEDIUM)
    delete = forms.BooleanField(label=_("Remove this rule"), required=False)

    def __init__(
        self,
        *args: object,
        organisations: list[Organisation] | None,
        environments: list[Environment],
        components: list[Component],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if organisations is None:  # an integration of one organisation: its rules map there
            del self.fields["organisation"]
        else:
            _set_choices(self, "organisation", [("", _("Choose…")), *((o.pk, o.name) for o in organisations)])
        _set_choices(self, "environment", [("", _("Any")), *((e.pk, environment_label(e)) for e in environments)])
        _set_choices(self, "component", [("", _("None")), *((c.pk, component_label(c)) for c in components)])


class MapForm(forms.Form):
    """Mapping a triaged alert: the organisation it is for, optionally one of its components, impact and
    urgency."""

    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    component = forms.TypedChoiceField(label=_("Component"), required=False, coerce=int, empty_value=None)
    impact = forms.ChoiceField(label=_("Impact"), choices=Impact.choices, initial=Impact.MEDIUM)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.MEDIUM)

    def __init__(
        self, *args: object, organisations: list[Organisation], components: list[Component], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _set_choices(self, "organisation", [("", _("Choose…")), *((o.pk, o.name) for o in organisations)])
        _set_choices(self, "component", [("", _("None")), *((c.pk, component_label(c)) for c in components)])
