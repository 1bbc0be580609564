"""Personal data: exports of everything kept about one person, the record of erasures, legal holds that keep
requests from automatic anonymisation, and the record of what the retention anonymised."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now
from picocore.privacy.choices import OPEN_EXPORT_STATUSES, ExportStatus


def export_path(instance: "PersonalDataExport", filename: str) -> str:
    # Under the export's own random id: never guessed, never served as media (a view checks the requester).
    return f"privacy/exports/{instance.uid.hex}/{filename}"


class PersonalDataExport(models.Model):
    """One export of one person's data (of one organisation, or of every one when `organisation` is empty),
    built by the worker into a zip that only `requested_by` may download until `expires_at`. At most one open
    (queued, running or failed) export per requester, person and scope: a retry reuses it."""

    uid = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # "all" or "org:<id>": the organisation as a value a unique constraint can compare (NULLs never collide).
    scope = models.CharField(_("scope"), max_length=30, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    done = models.PositiveIntegerField(_("items written"), default=0)
    total = models.PositiveIntegerField(_("items to write"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    file = models.FileField(_("file"), upload_to=export_path, max_length=300, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested"), default=now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("download expires"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("personal data export")
        verbose_name_plural = _("personal data exports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "subject", "scope"],
                condition=Q(status__in=OPEN_EXPORT_STATUSES),
                name="privacy_export_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"Personal data export {self.pk}"

    @property
    def percent(self) -> int:
        if self.status in (ExportStatus.READY, ExportStatus.EXPIRED):
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (ExportStatus.READY, ExportStatus.FAILED, ExportStatus.EXPIRED)


class Erasure(models.Model):
    """The record of one person's anonymisation: who did it, when, and how many rows of each kind changed. It
    names the person only by their (kept, anonymised) row."""

    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    blank_texts = models.BooleanField(_("their texts blanked"), default=False)
    counts = models.JSONField(_("rows changed"), default=dict)
    at = models.DateTimeField(_("erased"), default=now)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Erasure {self.pk}"


class LegalHold(models.Model):
    """Keeps an organisation's requests (or one request, `ticket`) from automatic anonymisation until lifted.
    At most one hold in force per organisation-wide scope and per request."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(_("set"), default=now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-set_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(lifted_at__isnull=True, ticket__isnull=True),
                name="privacy_hold_one_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(lifted_at__isnull=True, ticket__isnull=False),
                name="privacy_hold_one_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"Legal hold {self.pk}"

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None


class RetentionRun(models.Model):
    """One run of the retention (`picocore.privacy.services.retention`): when it started and finished, how many
    requests it anonymised and skipped per kind, and the error that stopped it, if one did. Audited once."""

    started_at = models.DateTimeField(_("started"), default=now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Retention run {self.pk}"


class AnonymisedTicket(models.Model):
    """A request that the retention anonymised, and when: written in the transaction that anonymised it, so a
    later run never takes it again and an interrupted run resumes after the last request it finished."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(RetentionRun, null=True, on_delete=models.SET_NULL, related_name="tickets")
    retention_months = models.PositiveSmallIntegerField(_("retention (months)"))
    at = models.DateTimeField(_("anonymised"), default=now)

    class Meta:
        verbose_name = _("anonymised request")
        verbose_name_plural = _("anonymised requests")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Anonymised request {self.ticket_id}"
