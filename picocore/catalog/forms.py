"""The form a customer fills in for one request type, built from the type's configured fields.

The form checks the shape of each answer (required, number, whole number, date, date in the future, e-mail
address, web address, choice); the ticket service checks the
rules that hold whatever the channel (subscription, landscape, attachments).
"""

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any, TypedDict

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from picocore.catalog.choices import IMPACT_HELP, URGENCY_HELP, FieldKind, Impact, Urgency
from picocore.catalog.models import FormField, RequestType
from picocore.catalog.selectors import (
    Listed,
    organisation_components,
    organisation_environments,
    organisation_solutions,
)
from picocore.cmdb.models import Component, Environment, Solution
from picocore.core.clock import now
from picocore.core.forms import OneLineCharField, SubmissionField, UserContentSelect
from picocore.core.text import truncate, without_nul
from picocore.tenancy.models import Organisation

ANSWER_PREFIX = "q_"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files in one input; the limits are the attachment service's to check."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def chosen_file_names(files: Any, name: str) -> list[str]:
    """The names of the files chosen for the file input `name` of a posted form (cleaned, cut to fit)."""
    getlist = getattr(files, "getlist", None)
    chosen = getlist(name) if getlist is not None else []
    return [truncate(without_nul(str(getattr(f, "name", "") or "")), 120) for f in chosen if f]


def dropped_files_message(names: list[str]) -> str:
    """What to say next to a file input when its form comes back with an error: browsers cannot keep a chosen
    file, so the person must choose it again."""
    return ngettext(
        "You chose %(files)s, but it was not attached because the form has an error: choose it again.",
        "You chose %(files)s, but they were not attached because the form has an error: choose them again.",
        len(names),
    ) % {"files": ", ".join(names)}


class NamesDroppedFiles(forms.Form):
    """A form with file inputs that, when it comes back with any error, says next to each file input which
    chosen files were not kept and must be chosen again, instead of dropping them silently."""

    def full_clean(self) -> None:
        self._dropped_noted: set[str] = set()
        super().full_clean()
        self._note_dropped_files()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        if hasattr(self, "_dropped_noted"):
            self._note_dropped_files()

    def _note_dropped_files(self) -> None:
        if not self.is_bound or not self.errors:
            return
        for name, field in self.fields.items():
            # An error already on the file input is about the files themselves and says what to do with them.
            if not isinstance(field, forms.FileField) or name in self._dropped_noted or name in self.errors:
                continue
            names = chosen_file_names(self.files, self.add_prefix(name))
            if names:
                self._dropped_noted.add(name)
                self.errors.setdefault(
                    name, self.error_class(renderer=self.renderer, field_id=self[name].auto_id)
                ).append(dropped_files_message(names))


class LandscapeChoices(ModelChoiceIterator):
    """The options of a `LandscapeChoiceField`, from the rows it lists: no query."""

    field: "LandscapeChoiceField"

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.listed().rows:
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.field.listed().rows) + (self.field.empty_label is not None)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self.field.listed().rows)


class LandscapeChoiceField(forms.ModelChoiceField):
    """A solution or environment of the organisation, one of the rows `listed()` gives (the organisation's, as
    the catalogue's selectors keep them), never read through a queryset: anything else posted, another
    organisation's id included, is "not one of the available choices", as a queryset of the organisation's rows
    answers. A chosen row found in `known` (read for another field already) needs no list."""

    widget = UserContentSelect
    iterator = LandscapeChoices

    def __init__(self, *, listed: Callable[[], Listed[Any]], model: type[Model], **kwargs):
        self.listed = listed
        self.known: Mapping[int, Model] = {}
        super().__init__(queryset=model._default_manager.none(), **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        model = self.queryset.model
        try:
            # The primary key's own reading of the value, as `QuerySet.get(pk=value)` reads it: " 7" is 7.
            pk = model._meta.pk.to_python(value.pk if isinstance(value, model) else value)
        except (ValueError, TypeError, ValidationError):
            pk = None
        option = self.known.get(pk) or self.listed().by_id.get(pk)
        if option is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return option


class EnvironmentChoiceField(LandscapeChoiceField):
    def label_from_instance(self, obj: Environment) -> str:
        return f"{obj.solution.name} · {obj.get_kind_display()}"


class ComponentChoiceField(LandscapeChoiceField):
    def label_from_instance(self, obj: Component) -> str:
        return f"{obj.name} ({obj.environment.solution.name} · {obj.environment.get_kind_display()})"


# Whole numbers both databases and JSON readers hold exactly.
WHOLE_NUMBER_LIMIT = 10**15


class FutureDateField(forms.DateField):
    """A date after today (in the installation's time zone), e.g. when a change is wanted."""

    default_error_messages = {"invalid": _("Enter a date, e.g. 2030-12-31.")}

    def validate(self, value: dt.date | None) -> None:
        super().validate(value)
        if value is not None and value <= timezone.localdate(now()):
            raise forms.ValidationError(_("Choose a date after today."), code="not_in_future")


def _with_help(label: object, help_text: object) -> str:
    return f"{label} — {help_text}"


# Lazy: the choices are built once, at import, and each request reads them in its own language.
_lazy_with_help = lazy(_with_help, str)


def _choice_with_help(choices, help_texts) -> list[tuple[str, str]]:
    return [(value, _lazy_with_help(label, help_texts[value])) for value, label in choices]


def _configured(text: str) -> SafeString | str:
    """A label or help text an administrator typed, marked as such (escaped) for the page checks."""
    return format_html("<span data-user-content>{}</span>", text) if text else text


class _CommonArguments(TypedDict):
    label: str
    required: bool
    help_text: str


def _field_for(spec: FormField, organisation: Organisation) -> forms.Field:
    common: _CommonArguments = {
        "label": _configured(spec.label),
        "required": spec.required,
        "help_text": _configured(spec.help_text),
    }
    match spec.kind:
        case FieldKind.TEXT:
            return OneLineCharField(max_length=500, **common)
        case FieldKind.LONG_TEXT:
            return forms.CharField(max_length=20_000, widget=forms.Textarea(attrs={"rows": 5}), **common)
        case FieldKind.CHOICE:
            options = [(option, option) for option in spec.choice_list]
            return forms.ChoiceField(choices=[("", _("Choose…")), *options], widget=UserContentSelect, **common)
        case FieldKind.DATE:
            return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        case FieldKind.NUMBER:
            return forms.DecimalField(max_digits=18, decimal_places=4, **common)
        case FieldKind.WHOLE_NUMBER:
            return forms.IntegerField(
                min_value=-WHOLE_NUMBER_LIMIT,
                max_value=WHOLE_NUMBER_LIMIT,
                error_messages={"invalid": _("Enter a whole number, e.g. 12, without decimals or units.")},
                **common,
            )
        case FieldKind.EMAIL:
            return forms.EmailField(
                max_length=254,
                error_messages={"invalid": _("Enter an e-mail address, e.g. name@example.com.")},
                **common,
            )
        case FieldKind.URL:
            return forms.URLField(
                max_length=2000,
                assume_scheme="https",
                error_messages={"invalid": _("Enter a web address, e.g. https://example.com/page.")},
                **common,
            )
        case FieldKind.FUTURE_DATE:
            return FutureDateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        case FieldKind.YES_NO:
            return forms.TypedChoiceField(
                choices=[("yes", _("Yes")), ("no", _("No"))],
                coerce=lambda value: value == "yes",
                empty_value=None,
                widget=forms.RadioSelect,
                **common,
            )
        case FieldKind.SOLUTION:
            return LandscapeChoiceField(
                listed=partial(organisation_solutions, organisation.pk),
                model=Solution,
                empty_label=_("Choose a solution…"),
                **common,
            )
        case FieldKind.ENVIRONMENT:
            return EnvironmentChoiceField(
                listed=partial(organisation_environments, organisation.pk),
                model=Environment,
                empty_label=_("Choose an environment…"),
                **common,
            )
    raise ValueError(f"Unknown field kind {spec.kind!r}")


class RequestForm(NamesDroppedFiles):
    """Title, description, impact and urgency (when the type asks), the type's own questions, attachments."""

    title = OneLineCharField(
        label=_("Title"), max_length=200, help_text=_("A short summary, e.g. “Product import fails for DE”.")
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened or what you need, and what you expected."),
    )
    impact = forms.ChoiceField(
        label=_("Impact"),
        choices=_choice_with_help(Impact.choices, IMPACT_HELP),
        widget=forms.RadioSelect,
        help_text=_("How much of your business is affected?"),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=_choice_with_help(Urgency.choices, URGENCY_HELP),
        widget=forms.RadioSelect,
        help_text=_("How soon must it be fixed?"),
    )
    submission = SubmissionField()
    attachments = MultipleFileField(
        label=_("Attachments"), required=False, help_text=_("Screenshots, logs or documents; up to 10 MB each.")
    )

    def __init__(self, *args, request_type: RequestType, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_type = request_type
        self.organisation = organisation
        self.specs = list(request_type.fields.all())
        if not request_type.asks_impact_and_urgency:
            del self.fields["impact"], self.fields["urgency"]
        attachments = self.fields.pop("attachments")
        for spec in self.specs:
            self.fields[ANSWER_PREFIX + spec.key] = _field_for(spec, organisation)
        if any(spec.kind in (FieldKind.SOLUTION, FieldKind.ENVIRONMENT) for spec in self.specs):
            # Where the form asks for the landscape, the component too (optional): it can be chosen on the
            # landscape page ("Report an incident"), which fills in its solution and environment as well.
            self.fields["component"] = ComponentChoiceField(
                listed=partial(organisation_components, organisation.pk),
                model=Component,
                required=False,
                label=_("Affected component"),
                empty_label=_("Not sure, or none of these"),
                help_text=_("Optional: the part of your solution that is affected, if you know it."),
            )
        self.fields["attachments"] = attachments
        if any(isinstance(field, EnvironmentChoiceField) for field in self.fields.values()):
            # A customer chooses the environment of the solution they chose: that solution is known then.
            environments = organisation_environments(organisation.pk).rows
            solutions = {
                e.solution_id: e.solution for e in environments if e.solution.organisation_id == organisation.pk
            }
            for field in self.fields.values():
                if isinstance(field, LandscapeChoiceField) and not isinstance(field, EnvironmentChoiceField):
                    field.known = solutions

    @property
    def question_fields(self) -> list[forms.BoundField]:
        return [self[ANSWER_PREFIX + spec.key] for spec in self.specs]

    def landscape_initial(self, component_id: int | None) -> dict[str, Any] | None:
        """The initial values that report an incident on this component of the organisation: the component, its
        solution and its environment. None when the form asks no landscape, or the id names no component of the
        organisation (another organisation's is the same as a missing one)."""
        field = self.fields.get("component")
        if component_id is None or not isinstance(field, ComponentChoiceField):
            return None
        component = field.listed().by_id.get(component_id)
        if component is None:
            return None
        initial: dict[str, Any] = {"component": component.pk}
        for spec in self.specs:
            if spec.kind == FieldKind.SOLUTION:
                initial[ANSWER_PREFIX + spec.key] = component.environment.solution_id
            elif spec.kind == FieldKind.ENVIRONMENT:
                initial[ANSWER_PREFIX + spec.key] = component.environment_id
        return initial

    def field_name_for(self, service_field: str) -> str | None:
        """The form field that shows an error the ticket service reported for `service_field`."""
        if service_field in self.fields:
            return service_field
        kinds = {"solution": FieldKind.SOLUTION, "environment": FieldKind.ENVIRONMENT}
        # (The component field keeps its own name: "component" is in self.fields when the form has it.)
        for spec in self.specs:
            if spec.kind == kinds.get(service_field):
                return ANSWER_PREFIX + spec.key
        return None

    def ticket_arguments(self) -> dict[str, Any]:
        """The cleaned form as keyword arguments for `ticket_create` (answers in the form's order)."""
        data = self.cleaned_data
        answers, solution, environment = [], None, None
        for spec in self.specs:
            value = data.get(ANSWER_PREFIX + spec.key)
            if spec.kind == FieldKind.SOLUTION and value is not None:
                solution = solution or value
            if spec.kind == FieldKind.ENVIRONMENT and value is not None:
                environment = environment or value
            answers.append({"key": spec.key, "label": spec.label, "kind": spec.kind, "value": _stored(value)})
        component = data.get("component")
        if component is not None and environment is None:
            environment = component.environment
        if environment is not None and solution is None:
            solution = environment.solution
        return {
            "request_type": self.request_type,
            "title": data["title"],
            "description": data["description"],
            "impact": data.get("impact", self.request_type.default_impact),
            "urgency": data.get("urgency", self.request_type.default_urgency),
            "answers": answers,
            "solution": solution,
            "environment": environment,
            "component": component,
            "files": data.get("attachments") or [],
            "submission": data.get("submission", ""),
        }


def _stored(value: Any) -> Any:
    """An answer as JSON: dates in ISO form, numbers as text, landscape items by name."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, Environment):
        return f"{value.solution.name} · {value.get_kind_display()}"
    if isinstance(value, Solution):
        return value.name
    return value
