from django.db import models
from django.utils.translation import gettext_lazy as _


class NonBillableReason(models.TextChoices):
    """Why time is not charged to the customer's hours."""

    OUR_DEFECT = "our_defect", _("Our defect")
    SLA_BREACH = "sla_breach", _("SLA breach")
    GOODWILL = "goodwill", _("Goodwill")
    INTERNAL = "internal", _("Internal work")
    NOT_COVERED = "not_covered", _("Outside the contract (billed separately)")
