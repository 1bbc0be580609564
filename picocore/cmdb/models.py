"""The customer's landscape: solutions → environments → components, the integrations linking components, their
runbooks, and the customer's contacts by role.

Every row carries its organisation (copied from its parent, never chosen) so that tenancy is one column away.
Impact is read along integrations: an integration's target depends on its source (a two-way integration makes
each depend on the other)."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from picocore.cmdb.choices import ComponentKind, ContactRole, EnvironmentKind, IntegrationDirection, SolutionKind
from picocore.core.clock import now
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The organisation is a copy of the solution's, kept for tenancy filters; it is never chosen.
        self.organisation_id = self.solution.organisation_id
        super().save(*args, **kwargs)


class Component(TimeStampedModel):
    """A part of one environment: an application, database, search index, queue, CDN, job, endpoint…"""

    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="components", editable=False
    )
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="components")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=30, choices=ComponentKind.choices)
    product = models.CharField(_("product"), max_length=120, blank=True, help_text=_("e.g. Akeneo PIM, MySQL"))
    version = models.CharField(_("version"), max_length=60, blank=True)
    end_of_life = models.DateField(_("end of life"), null=True, blank=True)
    url = models.URLField(_("URL"), blank=True)
    hosting = models.CharField(_("hosting"), max_length=120, blank=True, help_text=_("e.g. Azure West Europe"))
    owner = models.CharField(_("owner"), max_length=120, blank=True, help_text=_("Who answers for it."))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        ordering = ["environment__solution__name", "environment__kind", "name"]
        constraints = [models.UniqueConstraint(fields=["environment", "name"], name="component_name_unique")]
        indexes = [
            models.Index(fields=["organisation", "end_of_life"], name="component_org_eol"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A copy of the environment's organisation, kept for tenancy filters; it is never chosen.
        self.organisation_id = self.environment.organisation_id
        super().save(*args, **kwargs)


class Integration(TimeStampedModel):
    """A link between two components of one organisation: data flows from `source` to `target`, so `target`
    depends on `source` (both on each other when two-way). `failure_effect` says what breaks downstream."""

    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="integrations", editable=False
    )
    source = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="outgoing")
    target = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="incoming")
    name = models.CharField(_("name"), max_length=120)
    direction = models.CharField(
        _("direction"), max_length=10, choices=IntegrationDirection.choices, default=IntegrationDirection.ONE_WAY
    )
    protocol = models.CharField(_("protocol"), max_length=60, blank=True, help_text=_("e.g. REST, SFTP, SQL"))
    schedule = models.CharField(_("schedule"), max_length=120, blank=True, help_text=_("e.g. every 15 minutes"))
    failure_effect = models.TextField(_("what breaks downstream when it fails"), blank=True)

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "name"], name="integration_unique"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="integration_not_to_itself"),
        ]
        indexes = [
            models.Index(fields=["organisation", "source"], name="integration_org_source"),
            models.Index(fields=["organisation", "target"], name="integration_org_target"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.source_id and self.target_id and self.source.organisation_id != self.target.organisation_id:
            raise ValidationError(_("An integration links two components of the same organisation."))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.organisation_id = self.source.organisation_id
        super().save(*args, **kwargs)


class RunbookVersion(models.Model):
    """One version of a component's runbook; the highest number is the current one. Versions are never changed."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+", editable=False)
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="runbook_versions")
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("runbook"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), default=now, editable=False)

    class Meta:
        verbose_name = _("runbook version")
        verbose_name_plural = _("runbook versions")
        ordering = ["component", "-number"]
        constraints = [models.UniqueConstraint(fields=["component", "number"], name="runbook_version_unique")]

    def __str__(self) -> str:
        return f"{self.component} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.organisation_id = self.component.organisation_id
        super().save(*args, **kwargs)


class Contact(TimeStampedModel):
    """A person the team turns to at the customer, by role. An approver with a `user` decides changes in the
    portal; without one, by the signed link sent to `email`."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="contacts")
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices)
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact_roles"
    )
    solution = models.ForeignKey(
        Solution, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts",
        help_text=_("Empty: for every solution of the organisation."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["role", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "role", "name", "email"], name="contact_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"
