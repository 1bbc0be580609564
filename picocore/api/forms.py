"""The form a person creates an API token with (in their account settings)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from picocore.api.scopes import Scope
from picocore.api.tokens import EXPIRY_DAYS_CHOICES, NAME_MAX_LENGTH
from picocore.core.forms import OneLineCharField


class TokenForm(forms.Form):
    name = OneLineCharField(
        label=_("Name"), max_length=NAME_MAX_LENGTH, help_text=_("What will use it, e.g. “Nightly import script”.")
    )
    scopes = forms.MultipleChoiceField(
        label=_("What it may do"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only what you may do yourself, and only these parts of it."),
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires after"),
        coerce=int,
        choices=[(days, _("%(n)d days") % {"n": days}) for days in EXPIRY_DAYS_CHOICES],
        initial=90,
    )

    def token_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data["name"], "scopes": list(data["scopes"]), "expires_in_days": data["expires_in_days"]}
