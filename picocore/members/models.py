"""Invitations to join a customer organisation, sent by its customer admins."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now
from picocore.tenancy.models import Organisation


class Invitation(models.Model):
    """An invitation of one e-mail address to one organisation, with the role it gives. The link's token is
    never stored: only its SHA-256 digest, so a copy of the database opens no door. Used at most once
    (`accepted_at`), until `expires_at`, unless revoked; at most one open invitation per address and
    organisation (the partial unique constraint).

    `role` is a `tenancy.choices.MembershipRole` value; the field names no choices so that a new role there
    needs no migration here (the services check the value against the roles that exist)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("organisation")
    )
    email = models.EmailField(_("e-mail address"), max_length=254)
    role = models.CharField(_("role"), max_length=20)
    language = models.CharField(_("language"), max_length=10, blank=True, choices=settings.LANGUAGES)
    token_digest = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("sent"), default=now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("accepted by"),
    )  # fmt: skip
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("revoked by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_address",
            )
        ]
        indexes = [models.Index(fields=["invited_by", "created_at"], name="invitation_sender_time")]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    def is_usable(self, at: dt.datetime | None = None) -> bool:
        """Open and not expired."""
        return self.is_open and self.expires_at > (at or now())
