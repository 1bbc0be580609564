"""The queue page's table rows and its filters' options, written in Python.

Through the template language a queue row cost about 0.5 ms (fifty rows: most of the page): three partial
includes, some twenty translations and three date formats per row, each a template node resolved for every
ticket. Here every translated word, date format and link pattern is looked up once per page (`RowTexts`), the
priority reasons once per distinct reason, and each row is one f-string of escaped values: the same markup the
template wrote.
"""

import datetime as dt
import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone
from django.utils.translation import gettext as _

from picocore.catalog.choices import Priority
from picocore.catalog.priority import reason_text
from picocore.tickets.choices import Audience, Status, status_label
from picocore.tickets.models import Ticket
from picocore.tickets.queues import SlaCell, SlaState
from picocore.tickets.templatetags.tickets import sla_remaining

KEY_SLOT = "KEY-1"  # a key to reverse the ticket page's address with once; each row puts its own in its place


def _e(text: str) -> str:
    """`django.utils.html.escape` of a text, without its lazy-text wrapper and SafeString (fifteen per row)."""
    return html.escape(text)


def date_formatter(format_string: str) -> Callable[[dt.date], str]:
    """`django.utils.dateformat.format(value, format_string)` with the format read once instead of for every
    value: the same pieces, the same translated names."""
    pieces: list[tuple[bool, str]] = []
    for index, piece in enumerate(dateformat.re_formatchars.split(str(format_string))):
        if index % 2:
            pieces.append((True, piece))
        elif piece:
            pieces.append((False, dateformat.re_escaped.sub(r"\1", piece)))

    def formatted(value: dt.date) -> str:
        if type(value) is dt.date:  # the checks of Django's own formatter, for dates
            return dateformat.format(value, format_string)
        df = dateformat.DateFormat(value)
        return "".join(str(getattr(df, piece)()) if code else piece for code, piece in pieces)

    return formatted


@dataclass(frozen=True)
class RowTexts:
    """What every row of one page says alike, in the active language and time zone."""

    select: str
    key: str
    title: str
    customer: str
    priority: str
    status: str
    sla: str
    owner: str
    updated: str
    overdue: str
    no_clock: str
    paused_title: str
    paused: str
    soon: str
    select_key: str  # "Select %(key)s": the messages that hold a row's value, translated once
    deadline: str
    expected_by: str
    statuses: dict[str, str]
    priorities: dict[int, str]
    ticket_url: tuple[str, str]  # the ticket page's address before and after the key
    short_datetime: Callable[[dt.date], str]
    datetime: Callable[[dt.date], str]
    month_day: Callable[[dt.date], str]
    zone: dt.tzinfo

    @classmethod
    def current(cls) -> "RowTexts":
        url = reverse("desk:ticket", kwargs={"key": KEY_SLOT})
        before, after = url.split(KEY_SLOT)
        return cls(
            select=escape(_("Select")),
            key=escape(_("Key")),
            title=escape(_("Title")),
            customer=escape(_("Customer")),
            priority=escape(_("Priority")),
            status=escape(_("Status")),
            sla=escape(_("SLA")),
            owner=escape(_("Owner")),
            updated=escape(_("Updated")),
            overdue=escape(_("Next step overdue")),
            no_clock=escape(_("No SLA clock runs for this ticket")),
            paused_title=escape(_("Clocks paused while waiting")),
            paused=escape(_("Paused")),
            soon=escape(_("Soon:")),
            select_key=_("Select %(key)s"),
            deadline=_("Deadline %(when)s"),
            expected_by=_("The next step was expected by %(day)s"),
            statuses={status.value: escape(status_label(status, Audience.STAFF)) for status in Status},
            priorities={priority.value: escape(priority.label) for priority in Priority},
            ticket_url=(before, after),
            short_datetime=date_formatter(get_format("SHORT_DATETIME_FORMAT")),
            datetime=date_formatter(get_format("DATETIME_FORMAT")),
            month_day=date_formatter(get_format("MONTH_DAY_FORMAT")),
            zone=get_current_timezone(),
        )


def _sla_html(sla: SlaCell, texts: RowTexts) -> str:
    """What desk/partials.html#sla-cell writes for the cell."""
    if sla.state == SlaState.NONE:
        return f'<span class="muted" title="{texts.no_clock}">—</span>'
    if sla.state == SlaState.PAUSED:
        return f'<span class="sla sla-state-paused" title="{texts.paused_title}">{texts.paused}</span>'
    assert sla.due_at is not None  # breached, warning and running cells have a deadline
    due = sla.due_at.astimezone(texts.zone)
    deadline = _e(texts.deadline % {"when": texts.datetime(due)})
    soon = f"{texts.soon} " if sla.state == SlaState.WARNING else ""
    return (
        f'<time class="sla sla-state-{sla.state.value}" datetime="{due.isoformat()}" title="{deadline}">'
        f"{soon}{_e(sla_remaining(sla.due_at, sla.left))}</time>"
    )


def _row_html(ticket: Ticket, sla: SlaCell, *, texts: RowTexts, reason: str, today: dt.date) -> str:
    key = _e(ticket.key)
    url = f"{texts.ticket_url[0]}{key}{texts.ticket_url[1]}"
    title = _e(ticket.title)
    kind = _e(ticket.request_type.name)
    if ticket.solution is not None:
        kind = f"{kind} · {_e(ticket.solution.name)}"
    customer = _e(ticket.organisation.name)
    status = _e(ticket.status)
    overdue = ""
    if ticket.next_step_due and ticket.next_step_due < today and ticket.is_open:
        day = _e(texts.expected_by % {"day": texts.month_day(ticket.next_step_due)})
        overdue = f' <span class="badge overdue-badge" title="{day}">{texts.overdue}</span>'
    owner: str
    if ticket.assignee is not None:
        owner = _e(ticket.assignee.full_name)
    else:
        owner = f'<span class="muted">{_e(ticket.team.name) if ticket.team and ticket.team.name else "—"}</span>'
    updated = ticket.updated_at.astimezone(texts.zone)
    select = _e(texts.select_key % {"key": ticket.key})
    priority = texts.priorities.get(ticket.priority)
    if priority is None:  # not one of the choices: as get_priority_display() shows it
        priority = _e(str(ticket.get_priority_display()))
    return (
        "<tr>"
        f'<td data-label="{texts.select}"><input type="checkbox" name="keys" value="{key}" id="sel-{ticket.pk}" '
        f'aria-label="{select}"></td>'
        f'<td data-label="{texts.key}"><a href="{url}">{key}</a></td>'
        f'<td data-label="{texts.title}" class="col-title"><a class="ticket-title" href="{url}" title="{title}" '
        f'data-user-content>{title}</a> <span class="muted small" data-user-content>{kind}</span></td>'
        f'<td data-label="{texts.customer}" title="{customer}">{customer}</td>'
        f'<td data-label="{texts.priority}"><span class="badge priority-{ticket.priority}" title="{_e(reason)}">'
        f"{priority}</span></td>"
        f'<td data-label="{texts.status}"><span class="badge status-{status}">'
        f"{texts.statuses.get(ticket.status, status)}</span>{overdue}</td>"
        f'<td data-label="{texts.sla}">{_sla_html(sla, texts)}</td>'
        f'<td data-label="{texts.owner}" data-user-content>{owner}</td>'
        f'<td data-label="{texts.updated}"><time datetime="{updated.isoformat()}">'
        f"{texts.short_datetime(updated)}</time></td>"
        "</tr>\n"
    )


def queue_rows_html(rows: Sequence[tuple[Ticket, SlaCell]], *, today: dt.date) -> SafeString:
    """The table body's rows of a queue page (tickets with their related rows and SLA cells, as `queue_rows`
    returns them), in the active language and time zone; `today` decides which next steps are overdue."""
    texts = RowTexts.current()
    reasons: dict[tuple[Any, ...], str] = {}
    parts = []
    for ticket, sla in rows:
        facts = (ticket.impact, ticket.urgency, ticket.priority, ticket.priority_reason)
        if facts not in reasons:
            reasons[facts] = reason_text(
                impact=ticket.impact, urgency=ticket.urgency, priority=ticket.priority, stored=ticket.priority_reason
            )
        parts.append(_row_html(ticket, sla, texts=texts, reason=reasons[facts], today=today))
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped above


def options_html(choices: Iterable[Any], *, selected: Any, user_content: bool = False) -> SafeString:
    """`<option>`s for (value, label) pairs, the one equal to `selected` chosen; `user_content` marks each as
    text people typed (organisation, solution and people names)."""
    mark = " data-user-content" if user_content else ""
    return mark_safe(  # noqa: S308 - values and labels are escaped
        "".join(
            f'<option{mark} value="{escape(value)}"{" selected" if value == selected else ""}>{escape(label)}</option>'
            for value, label in choices
        )
    )
