"""The consultant works ACME-1 on the desk; Anna then sees what was meant for her, and only that."""

import re

import pytest
from playwright.sync_api import Page, expect

from picocore.tickets.models import Ticket

pytestmark = pytest.mark.browser

REPLY = "We found the cause: the image export lost its folder permission. Fixing it now."
NOTE = "Customer's CDN contract expires in March; check with the account manager."
NEXT_STEP = "Re-run the image export and check the webshop"


def test_consultant_takes_acme_1_and_anna_sees_the_reply_and_next_step_but_not_the_note(
    page: Page, browser, live_server, sign_in, console_errors
):
    sign_in(page, "consultant@picocore.example")
    expect(page).to_have_url(re.compile(r"/desk/queues/mine/$"))
    page.get_by_role("link", name=re.compile("Unassigned in my teams")).click()
    page.get_by_role("link", name="ACME-1", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Product images missing on the webshop")

    page.get_by_role("button", name="Take it").click()
    expect(page.get_by_text("You own this ticket now.")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Carla Nørgaard, Operations")

    page.get_by_label("Next step (the customer sees it)").fill(NEXT_STEP)
    page.get_by_label("Expected by").fill("2026-12-01")
    page.get_by_role("button", name="Set next step").click()
    expect(page.get_by_text("Next step updated; the customer sees it.")).to_be_visible()

    page.get_by_label("Public reply — the customer sees this").fill(REPLY)
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent to the customer.")).to_be_visible()

    page.get_by_role("tab", name="Internal note").click()
    page.get_by_label("Internal note — never shown to the customer").fill(NOTE)
    page.get_by_role("button", name="Add internal note").click()
    expect(page.get_by_text("Internal note added.")).to_be_visible()
    internal = page.locator(".event.internal")
    expect(internal).to_have_count(1)
    expect(internal).to_contain_text(NOTE)
    expect(internal.locator(".internal-badge")).to_have_text("Internal")

    ticket = Ticket.objects.get(key="ACME-1")
    assert (ticket.assignee.email, ticket.next_step) == ("consultant@picocore.example", NEXT_STEP)

    anna_context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/Copenhagen")
    anna = anna_context.new_page()
    try:
        sign_in(anna, "anna@acme.example")
        anna.goto("/portal/requests/ACME-1/")
        expect(anna.locator(".facts")).to_contain_text(NEXT_STEP)
        expect(anna.locator(".facts")).to_contain_text("Tue 1 Dec 2026")
        expect(anna.locator(".facts")).to_contain_text("Carla Nørgaard")
        expect(anna.locator(".timeline")).to_contain_text(REPLY)
        expect(anna.get_by_text(NOTE)).to_have_count(0)
        assert NOTE not in anna.content()
    finally:
        anna_context.close()
    assert console_errors == []
