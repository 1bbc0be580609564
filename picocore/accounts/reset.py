"""Password-reset links, written by the worker: the request only hands the address over
(`forms.OutboxPasswordResetForm`), so its answer costs the same whether or not an account has it.

Guarantees: a link goes only to an active account with a usable password at exactly that address (Django's
`PasswordResetForm.get_users`), never to one at the domain of an organisation with single sign-on, at most
`RESET_EMAILS_PER_HOUR` an hour per account, written to the outbox (sent with its retries) in the account's own
language; the link is Django's signed, single-use, expiring token.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from picocore.core.clock import now
from picocore.outbox.models import OutboxEmail
from picocore.outbox.services import OutgoingEmail, outbox_emails_add
from picocore.sso.selectors import provider_for_email
from picocore.tenancy.models import User

# How many reset e-mails one account may be sent per hour; more requests get the same answer and no e-mail.
RESET_EMAILS_PER_HOUR = 3
RESET_KIND = "password_reset"
SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
BODY_TEMPLATE = "registration/password_reset_email.txt"


def _email(user: User) -> OutgoingEmail:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse(
        "accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)}
    )
    context = {"user": user, "link": settings.PICOCORE_BASE_URL.rstrip("/") + path,
               "hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)}  # fmt: skip
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = "".join(render_to_string(SUBJECT_TEMPLATE, context).splitlines())
        body = render_to_string(BODY_TEMPLATE, context)
    return OutgoingEmail(to=user, kind=RESET_KIND, subject=subject, body_text=body)


def password_reset_send(*, email: str) -> int:
    """Write a reset link to each account at `email` that may have one; returns how many were written. None
    for an address at a single sign-on organisation's domain: its people have no password here."""
    if provider_for_email(email=email) is not None:
        return 0
    written = 0
    hour_ago = now() - dt.timedelta(hours=1)
    for user in PasswordResetForm().get_users(email):
        assert isinstance(user, User)
        with transaction.atomic():
            recent = OutboxEmail.objects.filter(recipient=user, kind=RESET_KIND, created_at__gte=hour_ago).count()
            if recent >= RESET_EMAILS_PER_HOUR:
                continue
            outbox_emails_add(emails=[_email(user)])
            written += 1
    return written
