"""Forms of the desk's actions. They check shapes; the services check the rules."""

from typing import cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from picocore.catalog.choices import Impact, Priority, TicketType, Urgency
from picocore.catalog.forms import MultipleFileField, NamesDroppedFiles
from picocore.catalog.models import RequestType
from picocore.cmdb.models import Environment
from picocore.core.forms import IdField, ListedModelChoiceField, OneLineCharField, SubmissionField, UserContentSelect
from picocore.desk import directory
from picocore.desk.models import TimelineOrder
from picocore.development.choices import Milestone
from picocore.development.states import allowed_moves
from picocore.hours.forms import DurationTextField, billing_choices
from picocore.hours.services import DESCRIPTION_MAX, TimeToLog
from picocore.tenancy.choices import TeamKind
from picocore.tenancy.models import Membership, Team, User
from picocore.tickets.choices import Audience, CannedReplyKind, LinkKind, staff_status_choices, status_choices
from picocore.tickets.models import CannedReply
from picocore.tickets.permissions import (
    actor_operations_teams,
    assignable_users,
    bulk_assignable_users,
    can_manage_shared_canned_replies,
)
from picocore.tickets.queues import DEADLINE_SORT, SORTS
from picocore.tickets.services.canned_replies import SETTABLE_STATUSES

SORT_LABELS = {
    "updated": _("Recently updated"),
    "oldest": _("Longest untouched"),
    "newest": _("Newest"),
    "priority": _("Priority"),
    "remaining": _("SLA time remaining"),
    "deadline": _("By deadline, soonest first"),
}


class QueueFiltersForm(forms.Form):
    """A queue page's query string. What cannot be read is an error shown above the filters, and the queue is
    shown without it; nothing of it reaches a query unchecked."""

    q = forms.CharField(label=_("Title or key"), max_length=200, required=False)
    organisation = IdField(label=_("Customer"), required=False)
    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices, required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, empty_value=None, required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=staff_status_choices, required=False)
    solution = IdField(label=_("Solution"), required=False)
    assignee = IdField(label=_("Assignee"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"), choices=[(key, SORT_LABELS[key]) for key in (*SORTS, DEADLINE_SORT)], required=False
    )
    view = IdField(label=_("Saved view"), required=False)
    CURSOR_REFUSED = _("This page link is broken or out of date; here is the first page.")
    after = forms.CharField(
        label=_("Page"),
        max_length=500,
        required=False,
        error_messages={"null_characters_not_allowed": CURSOR_REFUSED, "max_length": CURSOR_REFUSED},
    )


class MessageForm(NamesDroppedFiles):
    body = forms.CharField(
        label=_("Message"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    attachments = MultipleFileField(label=_("Attach files"), required=False)
    submission = SubmissionField()
    # The newest event the page showed: a draft written on an older page is not sent blindly.
    seen = forms.IntegerField(min_value=0, max_value=2**63 - 1, required=False, widget=forms.HiddenInput)
    # Set with the message, as a canned reply fills them in (empty: left as they are).
    status = forms.ChoiceField(
        label=_("Then set status"), choices=lambda: [("", "—"), *staff_status_choices()], required=False
    )
    next_step = OneLineCharField(label=_("New next step, shown to the customer"), max_length=300, required=False)
    next_step_due = forms.DateField(label=_("Date of the new next step"), required=False)
    # Time worked, logged with the message (empty: none). Names kept stable: pages and tests post them.
    time_spent = DurationTextField(label=_("Time spent"), required=False,
                                   help_text=_("Minutes (90) or hours:minutes (1:30)."))  # fmt: skip
    time_date = forms.DateField(label=_("Day worked"), required=False, help_text=_("Empty: today."))
    time_billing = forms.ChoiceField(label=_("Billing"), choices=billing_choices, required=False)
    time_description = OneLineCharField(label=_("What was done"), max_length=DESCRIPTION_MAX, required=False,
                                        help_text=_("Empty: the message's first line."))  # fmt: skip

    def time_to_log(self) -> TimeToLog | None:
        """The time to log with the message, from the cleaned form (None when no time was given)."""
        data = self.cleaned_data
        if data.get("time_spent") is None:
            return None
        reason = data.get("time_billing") or ""
        return TimeToLog(
            minutes=data["time_spent"], work_date=data.get("time_date"), billable=not reason,
            non_billable_reason=reason, description=data.get("time_description") or "",
        )  # fmt: skip


class TimelineOrderForm(forms.Form):
    order = forms.ChoiceField(choices=TimelineOrder.choices)
    key = OneLineCharField(max_length=32)


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=staff_status_choices)
    note = forms.CharField(
        label=_("Note to the customer"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Required when resolving: what was done."),
    )
    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)


def offer_only(field: forms.Field, queryset: QuerySet) -> None:
    """Show only `queryset` in the field's select (read when the page is rendered), while any value of the
    field's own queryset is still accepted: a choice made stale or posted by hand reaches the service, which
    refuses it with its own message instead of the form's "Select a valid choice"."""
    offered = ListedModelChoiceField(queryset=queryset, empty_label=cast(forms.ModelChoiceField, field).empty_label)
    field.widget.choices = offered.choices


def _offer(field: forms.Field, choices: list[tuple[int, str]]) -> None:
    """Show these (id, name) choices in the field's select, after its empty choice (if it has one)."""
    empty_label = cast(forms.ModelChoiceField, field).empty_label
    field.widget.choices = [("", empty_label), *choices] if empty_label is not None else choices


class AssignForm(forms.Form):
    team = ListedModelChoiceField(
        widget=UserContentSelect, label=_("Team"), queryset=Team.objects.filter(kind=TeamKind.OPERATIONS)
    )
    assignee = ListedModelChoiceField(
        widget=UserContentSelect,
        label=_("Consultant"),
        queryset=User.objects.exclude(staff_role=""),
        required=False,
        empty_label=_("— team —"),
    )

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(kind=TeamKind.OPERATIONS, organisations=organisation_id).order_by("name")
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams
        # Only people who may take the ticket; the service refuses anyone else.
        offer_only(self.fields["assignee"], assignable_users(organisation_id=organisation_id).order_by("full_name"))
        if not self.is_bound:
            # Shown, not checked: the same teams and people from the desk's directory, without a query.
            team_choices, people = directory.assign_choices(organisation_id)
            _offer(self.fields["team"], team_choices)
            _offer(self.fields["assignee"], people)


class NextStepForm(forms.Form):
    text = OneLineCharField(label=_("Next step (the customer sees it)"), max_length=300, required=False)
    due = forms.DateField(
        label=_("Expected by"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    reason = OneLineCharField(label=_("Reason (the customer sees it)"), max_length=300, required=False)


class LinkForm(forms.Form):
    kind = forms.ChoiceField(label=_("This ticket"), choices=LinkKind.choices)
    other = OneLineCharField(
        label=_("Ticket key"), max_length=32, widget=forms.TextInput(attrs={"placeholder": "ACME-12"})
    )


class MergeForm(forms.Form):
    into = OneLineCharField(
        label=_("Merge this ticket into"), max_length=32, widget=forms.TextInput(attrs={"placeholder": "ACME-12"})
    )


class HandOffForm(forms.Form):
    team = ListedModelChoiceField(widget=UserContentSelect, label=_("Development team"), queryset=Team.objects.none())
    brief = forms.CharField(
        label=_("Brief for the developers"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = Team.objects.filter(
            kind=TeamKind.DEVELOPMENT, organisations=organisation_id
        ).order_by("name")
        if not self.is_bound:
            # Shown, not checked: the same teams from the desk's directory, without a query.
            _offer(self.fields["team"], directory.development_team_choices(organisation_id))


class MilestoneForm(forms.Form):
    """Offers only the moves the state table allows from `current`; any milestone is accepted, so a move
    made stale by a colleague's is refused by the service with its own message."""

    milestone = forms.ChoiceField(label=_("Move to"), choices=Milestone.choices)

    def __init__(self, *args, current: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["milestone"].widget.choices = [(m.value, m.label) for m in allowed_moves(current)]


def bulk_status_choices() -> list[tuple[str, str]]:
    return [("", "—"), *staff_status_choices()]


class BulkForm(forms.Form):
    ACTIONS = [("take", _("Take")), ("assign", _("Assign to team / consultant")), ("transition", _("Change status"))]

    action = forms.ChoiceField(label=_("With the selected tickets"), choices=ACTIONS)
    keys = forms.CharField(widget=forms.MultipleHiddenInput, required=False)
    to = forms.ChoiceField(label=_("New status"), choices=bulk_status_choices, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=10_000)
    team = ListedModelChoiceField(
        widget=UserContentSelect,
        label=_("Team"),
        queryset=Team.objects.filter(kind=TeamKind.OPERATIONS),
        required=False,
    )
    assignee = ListedModelChoiceField(
        widget=UserContentSelect, label=_("Consultant"), queryset=User.objects.exclude(staff_role=""), required=False
    )

    def __init__(self, *args, actor: User, **kwargs) -> None:
        """Offers the actor's operations teams and their operations staff; `ticket_assign` still checks each
        ticket against the teams serving its customer."""
        super().__init__(*args, **kwargs)
        offer_only(self.fields["team"], actor_operations_teams(actor).order_by("name"))
        offer_only(self.fields["assignee"], bulk_assignable_users(actor).order_by("full_name"))


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.full_name} <{obj.user.email}> — {obj.organisation.name}"


class EnvironmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Environment) -> str:
        return f"{obj.organisation.name}: {obj.solution.name} · {obj.get_kind_display()}"


class PhoneCallForm(forms.Form):
    """One screen, one step: who called, what about, how bad."""

    contact = ContactChoiceField(
        label=_("Caller"), queryset=Membership.objects.none(), empty_label=_("Choose the caller…")
    )
    request_type = forms.ModelChoiceField(
        label=_("Kind of request"),
        queryset=RequestType.objects.filter(active=True).order_by("position", "name"),
        initial=None,
    )
    title = OneLineCharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("What the caller said"), widget=forms.Textarea(attrs={"rows": 5}))
    impact = forms.ChoiceField(label=_("Impact"), choices=Impact.choices, initial=Impact.MEDIUM)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.MEDIUM)
    environment = EnvironmentChoiceField(
        label=_("Affected environment"), queryset=Environment.objects.none(), required=False
    )
    submission = SubmissionField()

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = (
            Membership.objects.filter(organisation__in=organisations, user__is_active=True)
            .select_related("user", "organisation")
            .order_by("organisation__name", "user__full_name")
        )
        self.fields["environment"].queryset = (
            Environment.objects.filter(organisation__in=organisations)
            .select_related("organisation", "solution")
            .order_by("organisation__name", "solution__name", "kind")
        )
        incident = next(
            (rt for rt in self.fields["request_type"].queryset if rt.ticket_type == TicketType.INCIDENT), None
        )
        if incident is not None:
            self.fields["request_type"].initial = incident.pk


class CannedReplyForm(forms.Form):
    """A canned reply as its author writes it. The scope offered depends on who writes: a consultant keeps
    personal ones only; a service manager also shares with everyone on the desk or one operations team. The
    placeholders and the rest are checked by the service, which names the field of each problem."""

    name = OneLineCharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Fills"), choices=CannedReplyKind.choices, widget=forms.RadioSelect)
    body = forms.CharField(
        label=_("Text"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 6}), strip=False, required=True
    )
    scope = forms.ChoiceField(label=_("Who uses it"))
    status = forms.ChoiceField(label=_("Then set status"), required=False)
    next_step = OneLineCharField(
        label=_("Then set the next step (the customer sees it)"), max_length=300, required=False
    )
    next_step_due_days = forms.IntegerField(
        label=_("Next step expected in (days)"), min_value=0, max_value=365, required=False
    )
    active = forms.BooleanField(label=_("Offered on tickets"), required=False, initial=True)

    PERSONAL = "personal"
    EVERYONE = "everyone"

    def __init__(self, *args, actor: User, instance: CannedReply | None = None, **kwargs) -> None:
        if instance is not None and not (args and args[0] is not None):
            kwargs["initial"] = {
                "name": instance.name,
                "kind": instance.kind,
                "body": instance.body,
                "status": instance.status,
                "next_step": instance.next_step,
                "next_step_due_days": instance.next_step_due_days,
                "active": instance.active,
                "scope": self._scope_of(instance),
            }
        kwargs.setdefault("initial", {"kind": CannedReplyKind.REPLY, "active": True, "scope": self.PERSONAL})
        super().__init__(*args, **kwargs)
        self._teams: dict[str, Team] = {}
        choices: list[tuple[str, str]] = []
        if instance is None or instance.personal:
            choices.append((self.PERSONAL, str(_("Only me (personal)"))))
        if (instance is None or not instance.personal) and can_manage_shared_canned_replies(actor):
            choices.append((self.EVERYONE, str(_("Everyone on the desk"))))
            for team in Team.objects.filter(kind=TeamKind.OPERATIONS).order_by("name"):
                self._teams[f"team-{team.pk}"] = team
                choices.append((f"team-{team.pk}", str(_("Team %(team)s") % {"team": team.name})))
        cast(forms.ChoiceField, self.fields["scope"]).choices = choices
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("Leave as it is")),
            *status_choices(Audience.STAFF, SETTABLE_STATUSES),
        ]

    def _scope_of(self, reply: CannedReply) -> str:
        if reply.personal:
            return self.PERSONAL
        return f"team-{reply.team_id}" if reply.team_id else self.EVERYONE

    def chosen_scope(self) -> tuple[bool, Team | None]:
        """(shared, team) as chosen."""
        chosen = self.cleaned_data["scope"]
        if chosen == self.PERSONAL:
            return False, None
        return True, self._teams.get(chosen)
