"""Form rendering and fields shared by every page."""

import secrets
import threading
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from picocore.core import errors
from picocore.core.params import MAX_ID, parse_id
from picocore.core.text import has_line_break, without_nul


class FormRenderer(TemplatesSetting):
    """Django's field rendering (label, help, errors, ARIA), wrapped in one `.field` block per field."""

    field_template_name = "forms/field.html"

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        # A select's options through the template language cost some 40 µs each (a loop, an include and an
        # attribute loop per option); the desk's ticket page lists every consultant, team and status, so they
        # are written here instead, to the byte what Django's select.html writes. An option widget with a
        # template of its own goes through the templates as before.
        # Radio buttons likewise (four templates per button: the impact and urgency of every request form).
        if template_name in WRITERS:
            html = WRITERS[template_name](context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request)


SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
RADIO_TEMPLATE = "django/forms/widgets/radio.html"
RADIO_OPTION_TEMPLATE = "django/forms/widgets/radio_option.html"


def attributes_html(attrs: dict[str, Any]) -> str:
    """The attributes as Django's `attrs.html` writes them: `False` leaves one out, `True` writes its name alone,
    anything else (`None` included) is written as escaped text."""
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def escaped(value: Any) -> str:
    """A value as `{{ value|stringformat:'s' }}` writes it: its text, escaped unless it is marked safe."""
    return conditional_escape(str(value))


def select_html(widget: dict[str, Any]) -> SafeString | None:
    """Django's `select.html` for this widget context (each option ends with the line break its included template
    file ends with), or None when an option has a template of its own."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{attributes_html(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE:
                return None
            parts.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"{attributes_html(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")  # the renderer strips what the template file ends with
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped above


def radio_html(widget: dict[str, Any]) -> SafeString | None:
    """Django's `radio.html` (`multiple_input.html` with `radio_option.html` per button) for this widget context,
    to the byte; None when a button has a template of its own."""
    attrs = widget["attrs"]
    parts = ["<div"]
    if attrs.get("id"):
        parts.append(f' id="{escaped(attrs["id"])}"')
    if attrs.get("class"):
        parts.append(f' class="{escaped(attrs["class"])}"')
    parts.append(">")
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f"\n  <div><label>{conditional_escape(group_name)}</label>")
        for option in group_choices:
            if option["template_name"] != RADIO_OPTION_TEMPLATE:
                return None
            parts.append("<div>\n    " + _input_option_html(option) + "\n</div>")
        if group_name:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped by the functions it calls


def _input_option_html(option: dict[str, Any]) -> str:
    """Django's `input_option.html` (a button wrapped in its label), with the line break each included template
    file ends with."""
    value = "" if option["value"] is None else f' value="{escaped(option["value"])}"'
    button = f'<input type="{escaped(option["type"])}" name="{escaped(option["name"])}"{value}'
    button += attributes_html(option["attrs"]) + ">\n"
    if not option.get("wrap_label"):
        return button + "\n"
    label_for = f' for="{escaped(option["attrs"]["id"])}"' if option["attrs"].get("id") else ""
    return f"<label{label_for}>{button} {conditional_escape(option['label'])}</label>\n"


WRITERS = {SELECT_TEMPLATE: select_html, RADIO_TEMPLATE: radio_html}


class ListedChoiceIterator(ModelChoiceIterator):
    """A model choice list read in one plain query. Django's iterator reads it through `QuerySet.iterator()`,
    which on PostgreSQL is a server-side cursor: DECLARE, FETCH and CLOSE, three round trips for a list of a
    few teams or people."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class UserContentSelect(forms.Select):
    """A select whose options (except the empty "Choose…") are data people typed or configured (names,
    solutions, configured choices), marked `data-user-content` so that pages can be checked for untranslated
    text outside them."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value not in ("", None):
            option["attrs"]["data-user-content"] = True
        return option


class ListedModelChoiceField(forms.ModelChoiceField):
    """A choice of one row of a short list (teams, consultants): see `ListedChoiceIterator`."""

    iterator = ListedChoiceIterator


def validate_one_line(value: str) -> None:
    """Refuse a text with a line break: it becomes a title or an e-mail header, which are one line."""
    if has_line_break(value):
        raise ValidationError(_("Keep this on one line: remove the line breaks."), code="line_break")


class OneLineCharField(forms.CharField):
    """A text that ends up in a title or a header (subject, display name): NUL and line breaks are refused
    with a message, never passed on."""

    default_validators = [validate_one_line]


def new_submission_token() -> str:
    return secrets.token_urlsafe(24)


class SubmissionField(forms.CharField):
    """The hidden token naming one showing of a form, made when the form is rendered and posted back with it:
    the service that creates something records it, so the same form posted twice creates one thing. A form
    shown again with errors keeps its token. A damaged token is cleaned, not refused (nobody could fix it)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", new_submission_token)
        super().__init__(**kwargs)

    def to_python(self, value):
        return without_nul(super().to_python(value))[:64]


class IdField(forms.IntegerField):
    """A row id in a form or a query string (a filter's customer, a chosen consultant): a whole number that
    both databases can hold, or a clear error."""

    default_error_messages = {"invalid": _("Choose one of the listed options.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = parse_id(str(value).strip())
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class HoursMinutesWidget(forms.MultiWidget):
    """Two whole numbers side by side, "h" and "min", for a length of time stored in minutes."""

    template_name = "forms/widgets/hours_minutes.html"

    def __init__(self, attrs: dict[str, object] | None = None) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            "hours": forms.NumberInput(
                attrs={"min": 0, "step": 1, "class": "hours", "inputmode": "numeric", "aria-label": _("hours")}
            ),
            "minutes": forms.NumberInput(
                attrs={"min": 0, "max": 59, "step": 1, "class": "minutes", "aria-label": _("minutes")}
            ),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: object) -> list[int | None]:
        if value in (None, ""):
            return [None, None]
        hours, minutes = divmod(int(str(value)), 60)
        return [hours, minutes]


class HoursMinutesField(forms.MultiValueField):
    """A length of time entered as hours and minutes ("2 h 30 min") and cleaned to whole minutes (150). An
    empty part counts as 0; minutes run 0–59; the total is at least `min_minutes`."""

    widget = HoursMinutesWidget
    default_error_messages = {
        "too_short": _("Enter at least %(minimum)d minute(s)."),
    }

    def __init__(self, *, min_minutes: int = 1, max_hours: int = 10_000, **kwargs: object) -> None:
        self.min_minutes = min_minutes
        fields = (
            forms.IntegerField(min_value=0, max_value=max_hours, required=False, label=_("hours")),
            forms.IntegerField(min_value=0, max_value=59, required=False, label=_("minutes")),
        )
        super().__init__(fields, require_all_fields=False, **kwargs)  # type: ignore[arg-type]

    def compress(self, data_list: list[int | None]) -> int | None:
        if not data_list or all(part is None for part in data_list):
            return None
        hours, minutes = (part or 0 for part in data_list)
        total = hours * 60 + minutes
        if total < self.min_minutes:
            raise ValidationError(
                self.error_messages["too_short"], code="too_short", params={"minimum": self.min_minutes}
            )
        return total


def show_service_errors(form: forms.Form, error: errors.PicoCoreError) -> None:
    """A service's refusal shown on the form: each field error next to its field (named as the form names it,
    through the form's `field_name_for` where it maps a service's fields to its own), anything else at the
    top of the form."""
    field_errors = error.field_errors if isinstance(error, errors.ValidationError) else {}
    for field, field_messages in field_errors.items():
        target = form.field_name_for(field) if hasattr(form, "field_name_for") else field
        for message in field_messages:
            form.add_error(target if target in form.fields else None, message)
    if not field_errors:
        form.add_error(None, error.message)


_blank_groups: dict[tuple[type[forms.Form], str | None, str, tuple[str, ...], str | None], SafeString] = {}
_blank_groups_lock = threading.Lock()


def blank_field_groups(form: forms.Form, *names: str) -> SafeString:
    """The field groups (label, input, help) of `names` in `form`, as `{{ form.<name>.as_field_group }}` writes
    them one after the other. A blank form (neither bound nor given initial values) of a class whose fields
    depend on nothing but the code is the same for every request in a language, so its groups are rendered once
    per process, form class and language and reused; any other form is rendered afresh. Only for forms whose
    fields are fixed by the class: a form that builds fields per request (from reference data or the user)
    must not use it."""
    if form.is_bound or form.initial:
        return _field_groups(form, names)
    key = (type(form), form.prefix, str(form.auto_id), names, get_language())
    html = _blank_groups.get(key)
    if html is None:
        html = _field_groups(form, names)
        with _blank_groups_lock:
            _blank_groups[key] = html
    return html


def _field_groups(form: forms.Form, names: tuple[str, ...]) -> SafeString:
    return SafeString("\n".join(form[name].as_field_group() for name in names))
