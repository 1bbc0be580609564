"""Canned replies in Chromium at 1366×768 and on a phone's 390×844: choosing one fills the composer for this
ticket (its tab, the requester's first name and key, the status and next step), the consultant edits it, and
one Send applies the reply, the status and the next step."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, _new_context, _new_page

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1366, "height": 768}}
SIZES = {"1366x768": DESKTOP, "390x844": PHONE}
NEXT_STEP = "We analyse the import log as soon as you have sent it."


@pytest.mark.parametrize("size", SIZES)
def test_a_canned_reply_fills_the_composer_and_sends(browser, live_server, demo, sign_in, console_errors, size):
    tab = _new_page(_new_context(browser, live_server, **SIZES[size]), console_errors)
    try:
        sign_in(tab, "consultant@picocore.example")
        tab.goto("/desk/tickets/ACME-4/")  # in progress, asked by Anna Jensen
        chooser = tab.get_by_label("Canned reply")
        reply_box = tab.get_by_label("Public reply — the customer sees this")
        note_box = tab.get_by_label("Internal note — never shown to the customer")

        # A personal internal note opens the note tab, filled in.
        chooser.select_option(label="Logs checked (internal note)")
        expect(tab.get_by_role("tab", name="Internal note")).to_have_attribute("aria-selected", "true")
        expect(note_box).to_have_value(
            "Checked the application and web server logs for ACME-4: no errors around the reported time. "
            "Next: reproduce on staging."
        )

        # A shared reply goes back to the reply tab, with the status and next step it sets.
        chooser.select_option(label="Ask for the import log")
        expect(tab.get_by_role("tab", name="Public reply")).to_have_attribute("aria-selected", "true")
        expect(reply_box).to_be_focused()
        text = reply_box.input_value()
        assert text.startswith("Hi Anna,\n\nThank you for reporting ACME-4. To find the cause we need the log")
        assert f"Next step: {NEXT_STEP}\n\nBest regards,\nCarla Nørgaard" in text
        expect(tab.locator("#reply-status")).to_have_value("waiting_on_customer")
        expect(tab.locator("#reply-next-step")).to_have_value(NEXT_STEP)
        expect(tab.locator("#reply-next-due")).not_to_have_value("")
        expect(tab.locator("#reply-status")).to_be_visible()  # the "also" fields are opened to be seen
        assert tab.evaluate("document.documentElement.scrollWidth <= innerWidth")

        # The consultant edits before sending; one Send does all three.
        reply_box.press("End")
        reply_box.press_sequentially("\nPS: the log of last night is enough.")
        tab.get_by_role("button", name="Send reply").click()
        expect(tab.get_by_text("Reply sent to the customer. Status changed and next step updated.")).to_be_visible()
        expect(tab.locator(".head-badges")).to_contain_text("Waiting on customer")
        expect(tab.locator(".facts")).to_contain_text(NEXT_STEP)
        timeline = tab.locator(".timeline")
        expect(timeline).to_contain_text("Thank you for reporting ACME-4")
        expect(timeline).to_contain_text("PS: the log of last night is enough.")
        expect(timeline).not_to_contain_text("{requester_first_name}")
    finally:
        tab.context.close()
    assert console_errors == []


def test_without_a_status_the_ticket_can_take_the_reply_still_fills_and_says_so(
    browser, live_server, demo, sign_in, console_errors
):
    """ACME-1 is new: "Resolved: please confirm" cannot resolve it, so the status is left as it is, in words."""
    tab = _new_page(_new_context(browser, live_server, **DESKTOP), console_errors)
    try:
        sign_in(tab, "consultant@picocore.example")
        tab.goto("/desk/tickets/ACME-1/")
        tab.get_by_label("Canned reply").select_option(label="Resolved: please confirm")
        expect(tab.get_by_label("Public reply — the customer sees this")).to_have_value(
            "Hi Anna,\n\nWe have fixed the problem of ACME-1 (Product images missing on the webshop). Please check "
            "that everything works again and confirm the resolution, or reopen the request if anything is still "
            "wrong.\n\nBest regards,\nCarla Nørgaard"
        )
        expect(tab.locator("#canned-notice")).to_have_text(
            "“Resolved: please confirm” would set the status to resolved, but ACME-1 cannot move there from new: "
            "the status is left as it is."
        )
        expect(tab.locator("#reply-status")).to_have_value("")
    finally:
        tab.context.close()
    assert console_errors == []
