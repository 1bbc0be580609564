import datetime as dt
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from picocore.catalog.choices import TicketType
from picocore.catalog.forms import MultipleFileField, NamesDroppedFiles
from picocore.core.forms import IdField, SubmissionField
from picocore.tenancy.models import Membership, User
from picocore.tickets.choices import UNFINISHED_STATUSES, Status

# Groups of statuses the list offers besides each single one: what the home page's counts link to.
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "open": tuple(UNFINISHED_STATUSES),
    "finished": (Status.CLOSED, Status.CANCELLED),
}
EARLIEST_YEAR, LATEST_YEAR = 2000, 2999  # wider than any request's life; inside what both databases store


class ReplyForm(NamesDroppedFiles):
    body = forms.CharField(
        label=_("Your reply"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    attachments = MultipleFileField(label=_("Attach files"), required=False)
    submission = SubmissionField()


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("What is still wrong?"), max_length=5_000, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class DateFilterField(forms.DateField):
    """A calendar day in a query string: a date input, and a clear error for a day no request can have."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def validate(self, value: dt.date | None) -> None:
        super().validate(value)
        if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise forms.ValidationError(
                _("Give a date between %(first)s and %(last)s."),
                code="out_of_range",
                params={"first": EARLIEST_YEAR, "last": LATEST_YEAR},
            )


class PagePositionForm(forms.Form):
    """Where in a portal list a page is, from its query string: the page's keyset cursor, `after`
    (`picocore.core.pagination`). A cursor that cannot be one is refused with `CURSOR_REFUSED`, and the list shows
    its first page. Shared by every portal list shown in pages."""

    # The refused value is not repeated in the message: it may be anything, NUL included.
    CURSOR_REFUSED = _("This page link is broken or out of date; here is the first page.")
    after = forms.CharField(
        label=_("Page"),
        max_length=500,
        required=False,
        widget=forms.HiddenInput,
        error_messages={"null_characters_not_allowed": CURSOR_REFUSED, "max_length": CURSOR_REFUSED},
    )

    def cursor(self) -> str | None:
        return self.cleaned_data.get("after") or None


class ListPositionForm(PagePositionForm):
    """Where in a list of requests a page is, from its query string: whose requests, and the page's cursor.
    Shared by the home page's list and the full list."""

    field_order: tuple[str, ...] = ("show", "after")
    CHOOSE = {"invalid_choice": _("Choose one of the listed options.")}
    show = forms.ChoiceField(
        label=_("Whose requests"),
        required=False,
        choices=[("organisation", "organisation"), ("mine", "mine")],
        widget=forms.HiddenInput,
        error_messages=CHOOSE,
    )

    def whole_organisation(self, membership: Membership) -> bool:
        """Whether the list is the organisation's — all of it, or the requests shared in it — for who may see more
        than their own, unless they chose only their own."""
        return membership.sees_others_requests and self.cleaned_data.get("show") != "mine"


class RequestFiltersForm(ListPositionForm):
    """The request list's query string. A filter that cannot be read is an error named above the list, and
    the list is shown without it; nothing of it reaches a query unchecked. The requester filter exists only
    for the people given (a customer admin's organisation); anyone else's `requester` is ignored."""

    field_order = ("q", "status", "type", "requester", "created_from", "created_to", "show", "after")
    SEARCH_TOO_LONG = _("Search for at most 200 characters.")
    q = forms.CharField(
        label=_("Search"),
        max_length=200,
        required=False,
        help_text=_("A request's key, or words from its title or description."),
        error_messages={
            "max_length": SEARCH_TOO_LONG,
            "null_characters_not_allowed": _("The search text holds a character that cannot be searched for."),
        },
    )
    CHOOSE = ListPositionForm.CHOOSE
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        error_messages=CHOOSE,
        choices=[
            ("", _("Any status")),
            ("open", _("Open (not closed)")),
            ("finished", _("Closed or cancelled")),
            *Status.choices,
        ],
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *TicketType.choices], error_messages=CHOOSE
    )
    requester = IdField(label=_("Requester"), required=False, widget=forms.Select)
    created_from = DateFilterField(label=_("Created from"), required=False)
    created_to = DateFilterField(label=_("Created until"), required=False)

    def __init__(self, *args, requesters: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.requester_ids = {person.pk for person in requesters}
        if requesters:
            field = cast(IdField, self.fields["requester"])
            field.widget.choices = [("", _("Anyone")), *((person.pk, person.full_name) for person in requesters)]
        else:
            del self.fields["requester"]

    def clean_requester(self) -> int | None:
        requester: int | None = self.cleaned_data.get("requester")
        if requester is not None and requester not in self.requester_ids:
            raise forms.ValidationError(_("Choose one of the listed people."), code="invalid_choice")
        return requester

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and end < start:
            self.add_error("created_to", _("The end date is before the start date."))
        return data

    def statuses(self) -> tuple[str, ...] | None:
        status = self.cleaned_data.get("status") or ""
        if not status:
            return None
        return STATUS_GROUPS.get(status, (status,))


class AccessLogFiltersForm(PagePositionForm):
    """The access log's query string: one request by its key, one member of staff (of those the log shows),
    a range of days, and the page. A filter that cannot be read is named above the log, which is then shown
    empty: a log shown without the filter asked for would answer another question."""

    field_order = ("request", "staff", "since", "until", "after")

    request = forms.CharField(
        label=_("Request key"),
        max_length=32,
        required=False,
        error_messages={
            "max_length": _("A request key has at most 32 characters."),
            "null_characters_not_allowed": _("A request key holds letters, digits and a dash only."),
        },
    )
    staff = IdField(label=_("Member of staff"), required=False, widget=forms.Select)
    since = DateFilterField(label=_("From"), required=False)
    until = DateFilterField(label=_("Until"), required=False)

    def __init__(self, *args, staff: list[User], key_prefix: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff_choices = staff
        self.fields["request"].help_text = _("For example %(key)s.") % {"key": f"{key_prefix}-12"}
        field = cast(IdField, self.fields["staff"])
        field.widget.choices = [("", _("Anyone")), *((person.pk, person.full_name or person.email) for person in staff)]

    def clean(self):
        data = super().clean()
        start, end = data.get("since"), data.get("until")
        if start and end and end < start:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def filtered(self) -> bool:
        return any(self.cleaned_data.get(name) for name in ("request", "staff", "since", "until"))
