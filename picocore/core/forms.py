"""Form rendering shared by every page."""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Django's field rendering (label, help, errors, ARIA), wrapped in one `.field` block per field."""

    field_template_name = "forms/field.html"
