"""The installation's sign-in rules and the sessions people are signed in with."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now

# How long staff may go on signing in with a password only, counted from when the installation first asks.
DEFAULT_GRACE = dt.timedelta(days=14)


def default_second_factor_deadline() -> dt.datetime:
    return now() + DEFAULT_GRACE


class SecuritySettings(models.Model):
    """The installation's sign-in rules, edited by the administrator in the admin. One row, created with the
    defaults on first use: staff must have a second factor from `staff_second_factor_from` (14 days after
    that first use, unless changed); until then they are reminded on every page."""

    SINGLETON = 1

    staff_second_factor_from = models.DateTimeField(
        _("staff need a second factor from"),
        default=default_second_factor_deadline,
        help_text=_(
            "Until then staff are reminded on every page to set up an authenticator app; from then on a member "
            "of staff without one can only set it up (or sign out), and their API tokens are refused."
        ),
    )

    class Meta:
        verbose_name = _("sign-in security settings")
        verbose_name_plural = _("sign-in security settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="securitysettings_singleton")]

    def __str__(self) -> str:
        return str(_("Sign-in security settings"))


class SignedInSession(models.Model):
    """One signed-in browser session of a person, keyed by its session key: recorded at sign-in, its last
    activity touched at most once a minute, removed at sign-out or when the person ends it. The session
    store cannot list a person's sessions cheaply; this can."""

    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    signed_in_at = models.DateTimeField(_("signed in"), default=now)
    last_seen_at = models.DateTimeField(_("last activity"), default=now)

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="signedinsession_user_seen")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.ip_address or '?'}"


class Passkey(models.Model):
    """A passkey (a Web Authentication credential) a person registered as a second factor, beside their
    authenticator app: its id as the browser names it (base64url), its public key (COSE) and the signature
    counter it last reported, which must grow from one sign-in to the next when the authenticator keeps one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(_("name"), max_length=100)
    credential_id = models.CharField(_("credential id"), max_length=1400, unique=True)
    public_key = models.BinaryField(_("public key"))
    sign_count = models.PositiveBigIntegerField(_("signature counter"), default=0)
    transports = models.JSONField(_("transports"), default=list, blank=True)
    created_at = models.DateTimeField(_("added"), default=now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"
