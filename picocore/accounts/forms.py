import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now
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


# How many reset e-mails one address may be sent per hour; more requests get the same answer and no e-mail.
RESET_EMAILS_PER_HOUR = 3
RESET_KIND = "password_reset"


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's password reset, with the e-mail written to the outbox (sent by the worker, never for a request
    that rolled back) and at most RESET_EMAILS_PER_HOUR per address. The page that follows is the same whether
    or not the address has an account, so nobody learns which addresses exist."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_email(self) -> str:
        return without_nul(self.cleaned_data["email"]).strip().lower()

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from picocore.outbox.models import OutboxEmail
        from picocore.outbox.services import OutgoingEmail, outbox_emails_add

        user = context["user"]
        recent = OutboxEmail.objects.filter(
            recipient=user, kind=RESET_KIND, created_at__gte=now() - dt.timedelta(hours=1)
        ).count()
        if recent >= RESET_EMAILS_PER_HOUR:
            return
        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        context = {
            **context,
            "link": settings.PICOCORE_BASE_URL.rstrip("/") + path,
            "hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
        }
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        with transaction.atomic():
            outbox_emails_add(
                emails=[
                    OutgoingEmail(
                        to=user,
                        kind=RESET_KIND,
                        subject=subject,
                        body_text=render_to_string(email_template_name, context),
                    )
                ]
            )


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
