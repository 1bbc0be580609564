"""Form rendering and fields shared by every page."""

import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from picocore.core.params import MAX_ID, parse_id
from picocore.core.text import has_line_break, without_nul


class FormRenderer(TemplatesSetting):
    """Django's field rendering (label, help, errors, ARIA), wrapped in one `.field` block per field."""

    field_template_name = "forms/field.html"


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
