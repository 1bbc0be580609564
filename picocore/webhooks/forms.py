from django import forms
from django.utils.translation import gettext_lazy as _

from picocore.tenancy.models import Organisation
from picocore.webhooks.choices import EventType


class SubscriptionForm(forms.Form):
    """A subscription's name, target, organisation (empty: all) and events; the service checks them again."""

    name = forms.CharField(label=_("Name"), max_length=120)
    url = forms.CharField(label=_("Target URL"), max_length=500, help_text=_("An http:// or https:// address."))
    organisation = forms.TypedChoiceField(label=_("Organisation"), required=False, coerce=int, empty_value=None)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, organisations: list[Organisation], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["organisation"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Every organisation")), *((o.pk, o.name) for o in organisations)]
