"""People, customer organisations, memberships and the service team's teams."""

import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now
from picocore.core.models import TimeStampedModel
from picocore.tenancy.choices import MembershipRole, RequestVisibility, StaffRole, TeamKind
from picocore.tenancy.roles import ROLES, Capability, may


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        if not email:
            raise ValueError("A user needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("staff_role", StaffRole.ADMINISTRATOR)
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address: a customer contact, a member of staff, or both."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    staff_role = models.CharField(_("staff role"), max_length=20, choices=StaffRole.choices, blank=True)
    is_staff = models.BooleanField(_("admin site access"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=now)
    # Blank: pages follow the browser's preference (Accept-Language) and e-mails use LANGUAGE_CODE.
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The language of pages and e-mails; blank follows the browser's preference."),
    )
    default_organisation = models.ForeignKey(
        "tenancy.Organisation",
        verbose_name=_("default organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_service_staff(self) -> bool:
        return bool(self.staff_role)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def email_language(self) -> str:
        """The language e-mails to this person are written in: their choice, else the installation's."""
        return self.language or settings.LANGUAGE_CODE


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Organisation(TimeStampedModel):
    """A customer. Every customer-owned row carries one; ticket keys are `<key_prefix>-<number>`."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Copenhagen", validators=[validate_time_zone]
    )
    key_prefix = models.CharField(
        _("ticket key prefix"),
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9]{1,9}$", _("2–10 capital letters or digits, a letter first."))],
        help_text=_("Tickets are numbered PREFIX-1, PREFIX-2, … Existing keys never change."),
    )
    request_visibility = models.CharField(
        _("requests a requester sees"),
        max_length=20,
        choices=RequestVisibility.choices,
        default=RequestVisibility.OWN,
        help_text=_(
            "Which of the organisation's requests its requesters, approvers and billing contacts see in the portal; "
            "customer admins and viewers always see all of them."
        ),
    )
    last_ticket_number = models.PositiveBigIntegerField(_("last ticket number"), default=0, editable=False)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    """A person's place in one customer organisation, with their role there."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=MembershipRole.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")]
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} ({self.get_role_display()})"

    @property
    def sees_whole_organisation(self) -> bool:
        """Whether its holder sees every request of the organisation (by role, or by its request visibility)."""
        return may(self.role, Capability.SEE_ALL_REQUESTS) or (
            self.organisation.request_visibility == RequestVisibility.ORGANISATION
        )

    @property
    def sees_others_requests(self) -> bool:
        """Whether its holder sees requests of others than themselves: all of them, or those shared."""
        return self.sees_whole_organisation or self.organisation.request_visibility == RequestVisibility.OWN_AND_SHARED

    def may(self, capability: Capability) -> bool:
        """Whether its role has the capability (`picocore.tenancy.roles`)."""
        return may(self.role, capability)

    @property
    def capabilities(self) -> frozenset[str]:
        """What its role may do, for templates: `{% if "submit" in membership.capabilities %}`."""
        return frozenset(ROLES.get(self.role, frozenset()))


class Team(TimeStampedModel):
    """A team of staff. Operations teams own tickets; development teams take handed-off change work."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TeamKind.choices)
    members = models.ManyToManyField(User, related_name="teams", blank=True, verbose_name=_("members"))
    organisations = models.ManyToManyField(
        Organisation, related_name="teams", blank=True, verbose_name=_("organisations served")
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
