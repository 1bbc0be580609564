"""Form rendering and fields shared by every page."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from picocore.core.text import has_line_break


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
