"""The monthly service review: one frozen snapshot of a contract's month, with the service manager's words."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now
from picocore.reviews.choices import ReviewStatus


class ServiceReview(models.Model):
    """One contract's month as it stood when the review was made (`snapshot`, never recomputed), with the
    summary and proposals the service manager writes while it is a draft. Sending freezes all of it. One per
    contract and month (the unique constraint holds against retried and concurrent runs)."""

    tenancy_organisation_field = "organisation"

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="service_reviews")
    month = models.DateField(_("month"), help_text=_("Its first day."))
    # picocore.reviews.snapshot.Snapshot as data: the figures as they stood when the review was made.
    snapshot = models.JSONField(_("figures"), default=dict)
    made_at = models.DateTimeField(_("made"), default=now)
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    summary = models.TextField(_("summary"), blank=True, max_length=10_000)
    proposals = models.TextField(_("what we propose next"), blank=True, max_length=10_000)
    edited_by = models.ForeignKey("tenancy.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    sent_by = models.ForeignKey("tenancy.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("service review")
        verbose_name_plural = _("service reviews")
        constraints = [
            models.UniqueConstraint(fields=["contract", "month"], name="servicereview_once_per_contract_month"),
            models.CheckConstraint(
                condition=models.Q(status=ReviewStatus.DRAFT, sent_at__isnull=True)
                | models.Q(status=ReviewStatus.SENT, sent_at__isnull=False),
                name="servicereview_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "-month"], name="servicereview_org_month")]

    def __str__(self) -> str:
        return f"{self.contract} {self.month:%Y-%m}"

    @property
    def is_draft(self) -> bool:
        return self.status == ReviewStatus.DRAFT
