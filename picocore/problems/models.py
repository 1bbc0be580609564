"""Problems — the causes behind incidents — and what hangs on them: the incidents they explain, the components
and so the customers they affect, their history, the workaround's delivery to each incident (once), and the
recurring-incident detector's settings and proposals.

A problem belongs to no organisation: it may span customers. Every row linking it to a customer's data carries
that organisation (copied, never chosen), so that each is scoped like any customer row. A problem is changed
only through `picocore.problems.services`; its status moves only through `problem_transition`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now
from picocore.problems.choices import ProblemEventKind, ProblemStatus, ProposalBasis, ProposalStatus

TITLE_MAX = 200
TEXT_MAX = 20_000
NEXT_STEP_MAX = 300


class Problem(models.Model):
    """A problem, keyed `PRB-<n>` across the installation: what is known of it (description, root cause,
    workaround), who owns it and what happens next, the change that fixes it, and the customer-facing known issue
    (`known_issue_title`/`known_issue_text`, shown to the affected customers from `known_issue_published_at`)."""

    number = models.PositiveBigIntegerField(_("number"), unique=True, editable=False)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=TEXT_MAX, blank=True)
    root_cause = models.TextField(_("root cause"), max_length=TEXT_MAX, blank=True)
    workaround = models.TextField(_("workaround"), max_length=TEXT_MAX, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_problems",
        verbose_name=_("owner"),
    )  # fmt: skip
    next_step = models.CharField(_("next step"), max_length=NEXT_STEP_MAX, blank=True)
    next_step_due = models.DateField(_("next step expected"), null=True, blank=True)
    fixing_change = models.ForeignKey(
        "changes.Change", null=True, blank=True, on_delete=models.SET_NULL, related_name="fixed_problems",
        verbose_name=_("fixing change"),
    )  # fmt: skip
    known_issue_title = models.CharField(_("known issue title"), max_length=TITLE_MAX, blank=True)
    known_issue_text = models.TextField(_("known issue text"), max_length=TEXT_MAX, blank=True)
    known_issue_published_at = models.DateTimeField(_("known issue published"), null=True, blank=True)
    workaround_published_at = models.DateTimeField(_("workaround last published"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), default=now)
    updated_at = models.DateTimeField(_("updated"), default=now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="problem_updated"),
            models.Index(fields=["status", "-updated_at"], name="problem_status_updated"),
            models.Index(fields=["owner", "-updated_at"], name="problem_owner_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(known_issue_published_at__isnull=True) | ~Q(known_issue_title=""),
                name="problem_known_issue_titled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def key(self) -> str:
        return f"PRB-{self.number}"


class ProblemIncident(models.Model):
    """An incident the problem explains. Carries the ticket's organisation, so the link is scoped like the ticket."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+", editable=False)
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="incident_links")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="problem_links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    linked_at = models.DateTimeField(_("linked"), default=now)

    class Meta:
        verbose_name = _("linked incident")
        verbose_name_plural = _("linked incidents")
        constraints = [models.UniqueConstraint(fields=["problem", "ticket"], name="problem_incident_unique")]
        indexes = [models.Index(fields=["ticket"], name="problem_incident_ticket")]

    def __str__(self) -> str:
        return f"{self.problem_id} → {self.ticket_id}"


class ProblemComponent(models.Model):
    """A component of a customer's landscape the problem affects (carrying the component's organisation)."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+", editable=False)
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="component_links")
    component = models.ForeignKey("cmdb.Component", on_delete=models.CASCADE, related_name="problem_links")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(_("added"), default=now)

    class Meta:
        verbose_name = _("affected component")
        verbose_name_plural = _("affected components")
        constraints = [models.UniqueConstraint(fields=["problem", "component"], name="problem_component_unique")]
        indexes = [models.Index(fields=["component"], name="problem_component_component")]

    def __str__(self) -> str:
        return f"{self.problem_id} → {self.component_id}"


class AffectedCustomer(models.Model):
    """A customer the problem affects: derived by the services, kept as the organisations of its linked incidents
    and affected components (never chosen). Decides who sees the known issue and which staff see the problem."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="customers")

    class Meta:
        verbose_name = _("affected customer")
        verbose_name_plural = _("affected customers")
        constraints = [models.UniqueConstraint(fields=["problem", "organisation"], name="problem_customer_unique")]
        indexes = [models.Index(fields=["organisation", "problem"], name="problem_customer_org")]

    def __str__(self) -> str:
        return f"{self.problem_id} → {self.organisation_id}"


class WorkaroundDelivery(models.Model):
    """The problem's workaround, posted once as a public reply on one incident: the unique key makes a second
    publish, a retry or a concurrent one post nothing more to an incident that already has it."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+", editable=False)
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="deliveries")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey("tickets.TicketEvent", null=True, on_delete=models.SET_NULL, related_name="+")
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    delivered_at = models.DateTimeField(_("posted"), default=now)

    class Meta:
        verbose_name = _("workaround delivery")
        verbose_name_plural = _("workaround deliveries")
        constraints = [models.UniqueConstraint(fields=["problem", "ticket"], name="workaround_delivered_once")]

    def __str__(self) -> str:
        return f"{self.problem_id} → {self.ticket_id}"


class ProblemEvent(models.Model):
    """One entry of a problem's history; `data` is written and read only by `picocore.problems.history`."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=ProblemEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")  # fmt: skip
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=now)

    class Meta:
        verbose_name = _("problem event")
        verbose_name_plural = _("problem events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["problem", "created_at"], name="problem_event_problem")]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.kind}"


class DetectorSettings(models.Model):
    """How the recurring-incident detector counts: `min_incidents` incidents within `window_days` days make a
    cluster; two titles are similar when their normalised word sets overlap by at least `title_similarity`
    percent (Jaccard). One row, edited in the admin."""

    SINGLETON = 1

    min_incidents = models.PositiveSmallIntegerField(_("incidents that make a cluster"), default=5)
    window_days = models.PositiveSmallIntegerField(_("within (days)"), default=14)
    title_similarity = models.PositiveSmallIntegerField(
        _("title similarity (percent)"), default=50,
        help_text=_("Shared words ÷ all words of two titles, ignoring case, punctuation and short words."),
    )  # fmt: skip
    active = models.BooleanField(_("detect recurring incidents"), default=True)

    class Meta:
        verbose_name = _("recurring-incident detection")
        verbose_name_plural = _("recurring-incident detection")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="detectorsettings_singleton"),
            models.CheckConstraint(condition=Q(min_incidents__gte=2), name="detectorsettings_min_incidents"),
            models.CheckConstraint(condition=Q(window_days__gte=1), name="detectorsettings_window"),
            models.CheckConstraint(
                condition=Q(title_similarity__gte=1, title_similarity__lte=100), name="detectorsettings_similarity"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Recurring-incident detection"))

    @classmethod
    def current(cls) -> "DetectorSettings":
        """The settings row (the defaults, unsaved, while nobody has edited them)."""
        return cls.objects.filter(pk=cls.SINGLETON).first() or cls(pk=cls.SINGLETON)


class Proposal(models.Model):
    """A problem the detector proposes, with its evidence (the incidents). For the component basis it names the
    customer and component; for the title basis the request type. An open proposal takes the cluster's later
    incidents; accepted makes `problem`; dismissed is kept, so its incidents are not proposed again."""

    basis = models.CharField(_("why"), max_length=20, choices=ProposalBasis.choices)
    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    component = models.ForeignKey("cmdb.Component", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+")  # fmt: skip
    request_type = models.ForeignKey("catalog.RequestType", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+")  # fmt: skip
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    status = models.CharField(_("status"), max_length=20, choices=ProposalStatus.choices,
                              default=ProposalStatus.OPEN)  # fmt: skip
    problem = models.ForeignKey(Problem, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("proposed"), default=now)
    updated_at = models.DateTimeField(_("last incident added"), default=now)

    class Meta:
        verbose_name = _("proposed problem")
        verbose_name_plural = _("proposed problems")
        ordering = ["-updated_at", "-id"]
        constraints = [
            # One open proposal per customer's component: a concurrent run cannot propose it twice.
            models.UniqueConstraint(
                fields=["component"], condition=Q(status="open", basis="component"), name="proposal_open_component"
            ),
            models.CheckConstraint(
                condition=(Q(basis="component") & Q(component__isnull=False) & Q(organisation__isnull=False))
                | (Q(basis="title") & Q(request_type__isnull=False)),
                name="proposal_basis_named",
            ),
        ]
        indexes = [models.Index(fields=["status", "-updated_at"], name="proposal_status_updated")]

    def __str__(self) -> str:
        return self.title


class ProposalIncident(models.Model):
    """One incident of a proposal's evidence. An incident is evidence of one proposal only, ever: that is what
    keeps the detector from proposing the same incidents twice (run twice, concurrently, or after a dismissal)."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+", editable=False)
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="evidence")
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="problem_proposal")
    added_at = models.DateTimeField(_("added"), default=now)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return f"{self.proposal_id} → {self.ticket_id}"
