"""The customer's landscape, minimal for now: solutions and their environments."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from picocore.cmdb.choices import EnvironmentKind, SolutionKind
from picocore.core.models import TimeStampedModel


class Solution(TimeStampedModel):
    """A system the team runs for a customer, e.g. "Acme PIM" on Akeneo."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="solutions")
    name = models.CharField(_("name"), max_length=120)
    product = models.CharField(_("product"), max_length=120, help_text=_("e.g. Akeneo 7, Umbraco 13"))
    kind = models.CharField(_("kind"), max_length=20, choices=SolutionKind.choices)

    class Meta:
        verbose_name = _("solution")
        verbose_name_plural = _("solutions")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="solution_name_unique")]

    def __str__(self) -> str:
        return self.name


class Environment(TimeStampedModel):
    """One environment of a solution. Carries the solution's organisation so tenancy is one column away."""

    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="environments", editable=False
    )
    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="environments")
    kind = models.CharField(_("kind"), max_length=20, choices=EnvironmentKind.choices)
    url = models.URLField(_("URL"), blank=True)

    class Meta:
        verbose_name = _("environment")
        verbose_name_plural = _("environments")
        ordering = ["solution__name", "kind"]
        constraints = [models.UniqueConstraint(fields=["solution", "kind"], name="environment_kind_unique")]

    def __str__(self) -> str:
        return f"{self.solution.name} · {self.get_kind_display()}"

    def clean(self) -> None:
        if self.solution_id and self.organisation_id and self.solution.organisation_id != self.organisation_id:
            raise ValidationError(_("An environment belongs to its solution's organisation."))

    def save(self, *args, **kwargs):
        # The organisation is a copy of the solution's, kept for tenancy filters; it is never chosen.
        self.organisation_id = self.solution.organisation_id
        super().save(*args, **kwargs)
