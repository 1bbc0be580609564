"""The desk ticket page as a workspace, in Chromium at 1366×768 and 390×844: the composer's tabs, and two
consultants on one ticket seeing each other (and seeing the other type)."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import _new_context, _new_page

pytestmark = pytest.mark.browser

SIZES = {
    "desktop": {"viewport": {"width": 1366, "height": 768}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}
# Each page polls every 12 s (and at once on load and on typing): the other person shows within one poll.
PRESENCE_MS = 20_000


@pytest.fixture(params=list(SIZES))
def size(request) -> dict:
    return SIZES[request.param]


def _open(browser: Browser, live_server, size: dict, console_errors: list[str], sign_in, email: str) -> Page:
    tab = _new_page(_new_context(browser, live_server, **size), console_errors)
    sign_in(tab, email)
    tab.goto("/desk/tickets/ACME-1/")
    return tab


def test_two_consultants_on_one_ticket_see_each_other_and_the_typing(
    browser, live_server, demo, size, sign_in, console_errors
):
    carla = _open(browser, live_server, size, console_errors, sign_in, "consultant@picocore.example")
    manager = _open(browser, live_server, size, console_errors, sign_in, "manager@picocore.example")
    try:
        carla_name = carla.locator(".who").inner_text()
        manager_name = manager.locator(".who").inner_text()
        expect(manager.locator("#presence")).to_have_text(f"{carla_name} is also on this ticket", timeout=PRESENCE_MS)
        expect(carla.locator("#presence")).to_have_text(f"{manager_name} is also on this ticket", timeout=PRESENCE_MS)

        manager.get_by_label("Public reply — the customer sees this").press_sequentially("Looking at the logs")
        expect(carla.locator("#presence")).to_have_text(f"{manager_name} is typing on this ticket", timeout=PRESENCE_MS)
        for tab in (carla, manager):
            assert tab.evaluate("document.documentElement.scrollWidth <= innerWidth")
    finally:
        carla.context.close()
        manager.context.close()
    assert console_errors == []


def test_the_composer_tabs_work_by_keyboard_and_a_reply_lands_on_top(
    browser, live_server, demo, size, sign_in, console_errors
):
    tab = _open(browser, live_server, size, console_errors, sign_in, "consultant@picocore.example")
    try:
        reply_tab = tab.get_by_role("tab", name="Public reply")
        expect(reply_tab).to_have_attribute("aria-selected", "true")
        expect(tab.get_by_label("Internal note — never shown to the customer")).to_be_hidden()
        reply_tab.focus()
        tab.keyboard.press("ArrowRight")
        expect(tab.get_by_role("tab", name="Internal note")).to_be_focused()
        expect(tab.get_by_label("Internal note — never shown to the customer")).to_be_visible()
        expect(tab.get_by_label("Public reply — the customer sees this")).to_be_hidden()
        tab.keyboard.press("ArrowLeft")
        tab.get_by_label("Public reply — the customer sees this").fill("We are restoring the images now.")
        tab.get_by_role("button", name="Send reply").click()
        expect(tab.get_by_text("Reply sent to the customer.")).to_be_visible()
        # Newest first: the reply is the first event, right below the composer.
        expect(tab.locator(".timeline .event").first).to_contain_text("We are restoring the images now.")

        tab.get_by_role("button", name="Show oldest first").click()
        expect(tab.locator(".timeline .event").last).to_contain_text("We are restoring the images now.")
        expect(tab.get_by_role("button", name="Show newest first")).to_be_visible()
        assert tab.evaluate("document.documentElement.scrollWidth <= innerWidth")
        assert re.search(r"/desk/tickets/ACME-1/$", tab.url)
    finally:
        tab.context.close()
    assert console_errors == []
