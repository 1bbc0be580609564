"""Finding requests in the portal, and what the top of a request asks of the customer, in a real Chromium at a
laptop's 1366×768 and a phone's 390×844: no horizontal scrolling, labels wired to fields, a clean console."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from picocore.catalog.choices import Impact, Urgency
from picocore.catalog.models import RequestType
from picocore.tenancy.models import Organisation, User
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_confirm_resolution, ticket_create, ticket_transition
from tests.browser.conftest import PHONE, _new_context, _new_page

pytestmark = pytest.mark.browser

VIEWPORTS = {"laptop": {"viewport": {"width": 1366, "height": 768}}, "phone": PHONE}
DESCRIPTION = "The pallet labels printed from the PIM show last year's barcodes."


@pytest.fixture(params=list(VIEWPORTS))
def tab(request, browser: Browser, live_server, demo, console_errors: list[str]) -> Iterator[Page]:
    """A tab with no session, at a laptop's and at a phone's size."""
    context = _new_context(browser, live_server, **VIEWPORTS[request.param])
    yield _new_page(context, console_errors)
    context.close()


def fits_the_width(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def _closed_request_of_anna() -> Ticket:
    """A request Anna filed, that the team resolved and she confirmed: closed, so not on her home page."""
    anna = User.objects.get(email="anna@acme.example")
    carla = User.objects.get(email="consultant@picocore.example")
    acme = Organisation.objects.get(slug="acme-foods")
    ticket = ticket_create(
        actor=anna,
        organisation=acme,
        request_type=RequestType.objects.get(slug="incident"),
        title="Wrong barcodes on labels",
        description=DESCRIPTION,
        impact=Impact.LOW,
        urgency=Urgency.LOW,
    )
    ticket_transition(actor=carla, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_transition(actor=carla, ticket=ticket, to=Status.RESOLVED, note="The label template reads the new GTINs.")
    ticket_confirm_resolution(actor=anna, ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    return ticket


def test_anna_finds_a_closed_request_by_a_word_of_its_description(tab: Page, sign_in, console_errors):
    ticket = _closed_request_of_anna()
    # With the demo's history of finished requests: this one and those.
    closed = Ticket.objects.filter(requester__email="anna@acme.example", status=Status.CLOSED).count()
    sign_in(tab, "anna@acme.example")
    expect(tab.get_by_role("heading", level=1)).to_have_text("My requests")
    expect(tab.get_by_role("link", name=ticket.key)).to_have_count(0)  # the home page lists open ones
    expect(tab.get_by_role("link", name=f"{closed} closed")).to_be_visible()
    assert fits_the_width(tab)

    tab.get_by_label("Find a request, closed ones too").fill("PALLET")
    tab.get_by_role("button", name="Find").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("All my requests")
    expect(tab.get_by_label("Search")).to_have_value("PALLET")
    rows = tab.locator("table.tickets tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Wrong barcodes on labels")
    expect(rows.first).to_contain_text("Closed")
    assert fits_the_width(tab)

    # The "closed" count on the home page leads to the same request, among the finished ones.
    tab.get_by_role("navigation", name="Main").get_by_role("link", name="My requests").click()
    tab.get_by_role("link", name=f"{closed} closed").click()
    expect(tab.get_by_label("Status")).to_have_value("finished")
    expect(tab.locator("table.tickets tbody tr")).to_have_count(closed)

    tab.get_by_role("link", name=ticket.key).click()
    expect(tab.get_by_role("heading", name="How it was resolved")).to_be_visible()
    expect(tab.get_by_text("The label template reads the new GTINs.").first).to_be_visible()
    assert fits_the_width(tab)
    assert console_errors == []


def test_a_waiting_request_shows_our_question_at_the_top_and_takes_the_answer(tab: Page, sign_in, console_errors):
    sign_in(tab, "admin@acme.example")
    tab.get_by_role("link", name="ACME-2").click()
    question = tab.get_by_role("region", name="We need from you")
    expect(question).to_be_visible()
    expect(question).to_contain_text("Which allergens list should we use: the 14 EU allergens, or your own list?")
    expect(question).to_contain_text("Asked by Carla Nørgaard")
    # It is the first thing on the page under the title, above the facts and the history.
    first = tab.locator(".ticket-main > section").first
    expect(first).to_have_attribute("id", "we-need")
    assert question.bounding_box()["y"] < tab.get_by_role("heading", name="History").bounding_box()["y"]
    assert fits_the_width(tab)

    question.get_by_label("Your reply").fill("The 14 EU allergens, please.")
    question.get_by_role("button", name="Send your answer").click()
    expect(tab.get_by_text("Your reply has been added.")).to_be_visible()
    expect(tab.get_by_role("region", name="We need from you")).to_have_count(0)
    assert Ticket.objects.get(key="ACME-2").status == Status.IN_PROGRESS
    assert console_errors == []
