from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from picocore.core.tasks import enqueue_on_commit
from picocore.core.text import without_nul


class EmailAuthenticationForm(AuthenticationForm):
    """Sign-in with e-mail address and password; the address is matched case-insensitively."""

    username = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("That e-mail address and password do not match an account. Check both and try again."),
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's password reset form, whose answer costs the same whether or not an account has the address: it
    only hands the address to the worker (`picocore.accounts.reset`), which finds the account, if any, and writes
    the e-mail to the outbox. The page that follows is the same either way, so neither its words nor its time
    tell anyone which addresses exist."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_email(self) -> str:
        return without_nul(self.cleaned_data["email"]).strip().lower()

    def save(self, *args: Any, **kwargs: Any) -> None:
        from picocore.accounts.tasks import send_password_reset

        enqueue_on_commit(send_password_reset, self.cleaned_data["email"])


class SecondFactorForm(forms.Form):
    """A code from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false", "autocapitalize": "off"}
        ),
    )

    def clean_code(self) -> str:
        return without_nul(self.cleaned_data["code"]).strip()


class AppCodeForm(SecondFactorForm):
    """The code the app being set up shows now."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=32,
        help_text=_("The 6 digits the app shows for PicoCore now."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "spellcheck": "false"}
        ),
    )


class PasswordConfirmForm(forms.Form):
    """The person's password, typed again before a sensitive action."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
