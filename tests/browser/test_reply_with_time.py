"""The consultant logs time in the same action as a public reply and sees Acme's balance drop beside the form;
Acme's customer admin then sees the time on the hours page."""

import pytest
from playwright.sync_api import Page, expect

from picocore.hours.charts import hours_text
from picocore.hours.models import TimeEntry
from tests.browser.test_hours_and_rating import acme_month, balance, stat

pytestmark = pytest.mark.browser

REPLY = "The re-index now runs on its own worker; tonight's export should finish before 04:00."


def test_time_logged_with_a_reply_lowers_the_balance_and_reaches_acmes_hours_page(page: Page, sign_in,
                                                                                   console_errors):  # fmt: skip
    sign_in(page, "consultant@picocore.example")
    page.goto("/desk/tickets/ACME-4/")
    before = acme_month()
    expect(page.locator("#reply-time-balance")).to_have_text(balance(before.remaining))
    page.get_by_label("Public reply — the customer sees this").fill(REPLY)
    page.locator("#reply-time-spent").fill("1:30")
    page.locator("#reply-time-description").fill("Moved the re-index to its own worker")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent to the customer.")).to_be_visible()
    entry = TimeEntry.objects.get(description="Moved the re-index to its own worker")
    assert (entry.minutes, entry.ticket.key, entry.event.body) == (90, "ACME-4", REPLY)
    assert acme_month().remaining == before.remaining - entry.debited_minutes
    expect(page.locator("#reply-time-balance")).to_have_text(balance(before.remaining - entry.debited_minutes))
    page.context.clear_cookies()

    sign_in(page, "admin@acme.example")
    page.goto("/portal/hours/")
    assert stat(page, "used") == hours_text(before.used + entry.debited_minutes)
    row = page.locator("tbody tr").filter(has=page.get_by_role("link", name="ACME-4"))
    expect(row).to_contain_text(hours_text(sum(e.debited_minutes for e in TimeEntry.objects.filter(
        ticket__key="ACME-4", month=entry.month, billable=True))))  # fmt: skip
    assert console_errors == []
