"""The contacts page's forms and the invitation's: fields and labels; the services decide what is accepted."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from picocore.members import permissions
from picocore.members.services import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH


def _languages() -> list[tuple[str, object]]:
    return [("", _("The language of PicoCore's installation")), *settings.LANGUAGES]


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=EMAIL_MAX_LENGTH, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label=_("Role"), choices=permissions.assignable_roles)
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=_languages,
        required=False,
        help_text=_("If the address has an account that chose a language, the e-mail is written in that one."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=permissions.assignable_roles)


class AcceptForm(forms.Form):
    """A new person's name and password, the password typed twice."""

    full_name = forms.CharField(
        label=_("Your name"), max_length=NAME_MAX_LENGTH, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ; type the same one twice."))
        return cleaned
