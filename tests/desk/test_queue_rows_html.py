"""The queue's rows written in Python (`picocore.desk.rows`) are the markup the template wrote for them, in
English and Danish, in the consultant's time zone, for every SLA state, an overdue next step, a ticket without
owner or team, and titles and names with markup characters in them."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone, translation

from picocore.core.clock import now
from picocore.desk.rows import options_html, queue_rows_html
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket
from picocore.tickets.queues import SlaCell, SlaState

pytestmark = pytest.mark.django_db

# The rows as desk/queue.html wrote them before they were written in Python: its loop, verbatim, with the SLA
# cell's partial in its place.
TEMPLATE_ROWS = (Path(__file__).parent / "queue_rows_reference.html").read_text()


def _joined(html: str) -> str:
    """The markup without the line breaks and indentation between tags that the template's layout added."""
    return re.sub(r">\n\s*<", "><", html).strip()


def _rows(world) -> list[tuple[Ticket, SlaCell]]:
    at = now()
    first = world.ticket
    first.title = 'Prices <b>"wrong"</b> & late'
    first.next_step_due = timezone.localdate(at) - dt.timedelta(days=3)
    first.status = Status.IN_PROGRESS
    first.assignee = world.consultant
    second = world.nord_ticket
    second.assignee, second.team, second.solution = None, None, None
    third = world.change
    third.assignee = None
    cells = [
        SlaCell(SlaState.RUNNING, at + dt.timedelta(hours=3), dt.timedelta(hours=2, minutes=10)),
        SlaCell(SlaState.WARNING, at + dt.timedelta(days=3)),
        SlaCell(SlaState.BREACHED, at - dt.timedelta(minutes=35)),
        SlaCell(SlaState.PAUSED),
        SlaCell(SlaState.NONE),
    ]
    tickets = [first, second, third, first, second]
    world.consultant.full_name = "Carla <Consultant>"
    return list(zip(tickets, cells, strict=True))


@pytest.mark.parametrize("language", ["en", "da"])
@pytest.mark.parametrize("zone", ["Europe/Copenhagen", "America/New_York"])
def test_the_rows_are_what_the_template_wrote(world, language, zone):
    rows = _rows(world)
    template = engines["django"].from_string(TEMPLATE_ROWS)
    with translation.override(language), timezone.override(zone):
        today = timezone.localdate(now())
        expected = _joined(template.render({"rows": rows, "today": today}))
        written = queue_rows_html(rows, today=today)
    assert _joined(written) == expected
    assert "&lt;b&gt;&quot;wrong&quot;&lt;/b&gt; &amp; late" in written
    assert written.count("overdue-badge") == 2  # the first ticket, shown twice


def test_the_queue_page_shows_the_rows(client, world):
    client.force_login(world.consultant)
    response = client.get(reverse("desk:queue", args=["team"]))
    assert response.status_code == 200
    shown = response.content.decode()
    assert str(response.context["rows_html"]) in shown
    assert [ticket.key for ticket, _cell in response.context["rows"]] == [t.key for t in response.context["page"].rows]
    for ticket in response.context["page"].rows:
        assert f'id="sel-{ticket.pk}"' in shown


def test_options_are_escaped_and_the_chosen_one_selected():
    written = options_html([(1, "A&B"), (2, "<i>"), ("", "—")], selected=2, user_content=True)
    assert written == (
        '<option data-user-content value="1">A&amp;B</option>'
        '<option data-user-content value="2" selected>&lt;i&gt;</option>'
        '<option data-user-content value="">—</option>'
    )
