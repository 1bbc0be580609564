"""The consultant's team queue as a workspace: one line per ticket across the whole window at 1366 px, a
readable card per ticket on a phone, never a horizontal scroll; a saved view in the sidebar with its count."""

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from picocore.core.clock import now
from picocore.tenancy.models import Team
from picocore.tickets.models import Ticket
from tests.browser.conftest import _new_context, _new_page

pytestmark = pytest.mark.browser

LONG_TITLE = (
    "After the nightly PIM export the webshop shows the wrong prices for every product of the spring catalogue "
    "in Denmark, Sweden and Norway, and the search index still lists discontinued articles"
)
WIDE = {"viewport": {"width": 1366, "height": 768}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}


def busy_team_queue() -> int:
    """Twenty more open tickets of Operations, copies of ACME-1 with long titles, one past its next step's
    date and some with deadlines: how many open tickets the team's queue then holds."""
    template = Ticket.objects.select_related("organisation").get(key="ACME-1")
    organisation = template.organisation
    team = Team.objects.get(name="Operations")
    moment = now()
    for n in range(20):
        number = organisation.last_ticket_number + 1 + n
        copy = Ticket.objects.get(pk=template.pk)
        copy.pk = None
        copy.number, copy.key = number, f"{organisation.key_prefix}-{number}"
        copy.title = f"{LONG_TITLE} ({n})"
        copy.team, copy.status = team, "in_progress"
        copy.sla_due_at = moment + dt.timedelta(hours=n - 3)
        copy.sla_soon_at = moment - dt.timedelta(minutes=5) if n < 6 else moment + dt.timedelta(hours=n)
        copy.next_step_due = (moment - dt.timedelta(days=2)).date() if n == 1 else None
        copy.save()
    organisation.last_ticket_number += 20
    organisation.save(update_fields=["last_ticket_number"])
    return Ticket.objects.filter(team=team, status__in=("new", "triaged", "in_progress", "waiting_on_third_party",
                                                        "waiting_on_customer")).count()  # fmt: skip


def no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


@pytest.fixture
def wide(browser: Browser, live_server, demo, console_errors: list[str]) -> Iterator[Page]:
    context = _new_context(browser, live_server, **WIDE)
    yield _new_page(context, console_errors)
    context.close()


@pytest.fixture
def small(browser: Browser, live_server, demo, console_errors: list[str]) -> Iterator[Page]:
    context = _new_context(browser, live_server, **PHONE)
    yield _new_page(context, console_errors)
    context.close()


def test_at_1366_every_row_is_one_line_band_and_a_saved_view_shows_in_the_sidebar(wide: Page, sign_in, console_errors):
    total = busy_team_queue()
    sign_in(wide, "consultant@picocore.example")
    wide.goto("/desk/queues/team/")
    rows = wide.locator("table.tickets tbody tr")
    expect(rows).to_have_count(min(total, 50))
    no_horizontal_scroll(wide)
    # The table uses the window, not a fixed column of ~1150 px.
    table_width = wide.evaluate("() => document.querySelector('table.tickets').getBoundingClientRect().width")
    assert table_width > 1366 - 300, table_width
    heights = rows.evaluate_all("rows => rows.map(row => Math.round(row.getBoundingClientRect().height))")
    line = wide.evaluate("() => parseFloat(getComputedStyle(document.body).lineHeight)")
    assert max(heights) - min(heights) <= 1 and max(heights) < 2 * line + 16, (heights, line)
    # A long title is cut on screen but whole on hover and for assistive technology.
    title = wide.get_by_role("link", name=f"{LONG_TITLE} (0)")
    expect(title).to_have_attribute("title", f"{LONG_TITLE} (0)")
    # The SLA column in words: breached, soon, running; and the overdue next step.
    sla = wide.locator("td[data-label='SLA']")
    expect(sla.filter(has_text=re.compile("^breached"))).not_to_have_count(0)
    expect(sla.filter(has_text=re.compile("^Soon: due in"))).not_to_have_count(0)
    expect(sla.locator("time[title^='Deadline ']").first).to_be_attached()
    expect(wide.locator(".overdue-badge")).to_have_count(1)

    wide.get_by_label("Customer", exact=True).select_option(label="Acme Foods")
    wide.get_by_label("Sort by").select_option("remaining")
    wide.get_by_role("button", name="Apply", exact=True).click()
    wide.get_by_text("Save these filters as a view").click()
    wide.get_by_label("Name of the view").fill("Acme by deadline")
    wide.get_by_label("Who sees it").select_option(label="Everyone in Operations")
    wide.get_by_role("button", name="Save view").click()
    expect(wide.get_by_text("Saved the view “Acme by deadline”.")).to_be_visible()
    acme_open = Ticket.objects.filter(
        organisation__name="Acme Foods", team__name="Operations", status__in=("new", "triaged", "in_progress",
                                                                                "waiting_on_customer",
                                                                                "waiting_on_third_party")
    ).count()  # fmt: skip
    saved = wide.locator(".saved-views").get_by_role("link", name=re.compile("Acme by deadline"))
    expect(saved).to_contain_text(str(acme_open))
    expect(saved).to_have_attribute("aria-current", "page")
    expect(wide.get_by_role("heading", level=1)).to_contain_text("Acme by deadline")
    no_horizontal_scroll(wide)
    assert console_errors == []


def test_on_a_phone_rows_become_readable_cards_without_horizontal_scroll(small: Page, sign_in, console_errors):
    busy_team_queue()
    sign_in(small, "consultant@picocore.example")
    small.goto("/desk/queues/team/")
    rows = small.locator("table.tickets tbody tr")
    expect(rows.first).to_be_visible()
    no_horizontal_scroll(small)
    widths = rows.evaluate_all("rows => rows.map(row => row.getBoundingClientRect().right)")
    assert max(widths) <= 390, widths
    # The whole title is readable on the card (it wraps instead of being cut).
    title = small.get_by_role("link", name=f"{LONG_TITLE} (0)")
    assert title.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    small.get_by_text("Save these filters as a view").click()
    small.get_by_label("Name of the view").fill("Mine on the phone")
    small.get_by_role("button", name="Save view").click()
    saved = small.locator(".saved-views").get_by_role("link", name=re.compile("Mine on the phone"))
    expect(saved).to_be_visible()
    no_horizontal_scroll(small)
    assert console_errors == []
