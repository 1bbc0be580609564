"""An organisation's identity provider, the e-mail domains it owns and its group → role mapping."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from picocore.core.models import TimeStampedModel
from picocore.tenancy.models import Organisation


class IdentityProvider(TimeStampedModel):
    """One organisation's OpenID Connect provider. While `enabled`, everyone whose e-mail domain the
    organisation owns signs in there and nowhere else. The client secret is stored sealed (never in the clear)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="identity_provider", verbose_name=_("organisation")
    )
    issuer = models.CharField(_("issuer URL"), max_length=500)
    client_id = models.CharField(_("client id"), max_length=255)
    client_secret_sealed = models.TextField(_("client secret (sealed)"), editable=False)
    groups_claim = models.CharField(_("groups claim"), max_length=100, default="groups")
    enabled = models.BooleanField(_("enabled"), default=False)

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")

    def __str__(self) -> str:
        return f"{self.organisation} · {self.issuer}"


class ProviderDomain(models.Model):
    """An e-mail domain an organisation owns: its people sign in through that organisation's provider. A
    domain belongs to one organisation at most (the unique constraint, whatever the code checks first)."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("e-mail domain"), max_length=253, unique=True)

    class Meta:
        verbose_name = _("e-mail domain")
        verbose_name_plural = _("e-mail domains")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class GroupRole(models.Model):
    """A group the provider names in its groups claim, and the organisation role it gives. A person in
    several mapped groups gets the role of the first row by `position`.

    `role` is a `tenancy.choices.MembershipRole` value; the field names no choices so that a new role there
    needs no migration here (the service checks the value against the roles that exist)."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="group_roles")
    group = models.CharField(_("group"), max_length=255)
    role = models.CharField(_("role"), max_length=20)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("group mapping")
        verbose_name_plural = _("group mappings")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["provider", "group"], name="sso_group_role_unique")]

    def __str__(self) -> str:
        return f"{self.group} → {self.role}"
