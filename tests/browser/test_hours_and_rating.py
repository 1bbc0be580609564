"""The subscription's currency in the browser: time logged on a ticket shows at once in the balance beside the
form and on Acme's hours page, and Anna rates a resolution from the e-mail's link without signing in."""

import re
import zoneinfo
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from picocore.hours import selectors as hours
from picocore.hours.charts import hours_text
from picocore.hours.models import TimeEntry
from picocore.outbox.models import OutboxEmail
from picocore.satisfaction.models import Rating
from picocore.tenancy.models import Organisation
from tests.browser.test_accessibility import BLOCKING, axe_source, readable, scan

pytestmark = pytest.mark.browser

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")


def acme_month():
    """Acme's hour bank this month, as the bank counts it."""
    contract = Organisation.objects.get(slug="acme-foods").contracts.get()
    return hours.bank_month(contract, hours.month_of(timezone.localdate(timezone.now(), CPH)))


def balance(remaining: int) -> str:
    """The balance beside the time form."""
    return f"Acme Foods has {hours_text(remaining)} of {hours_text(acme_month().available)} left this month."


def stat(page: Page, label: str) -> str:
    """The figure of one of the hours page's stats ("used", "remaining", …)."""
    item = page.locator(".stats li").filter(has_text=re.compile(rf"^\S+ h {label}$"))
    return item.locator("strong").inner_text()


def test_time_logged_on_a_ticket_lowers_the_balance_and_shows_on_acmes_hours_page(page: Page, sign_in, console_errors):
    sign_in(page, "admin@acme.example")  # Lars Holm, Acme's customer admin
    page.goto("/portal/hours/")
    used_before = acme_month().used
    assert stat(page, "used") == hours_text(used_before)
    page.context.clear_cookies()

    sign_in(page, "consultant@picocore.example")
    page.goto("/desk/tickets/ACME-4/")
    page.get_by_role("link", name="Log time").click()
    before = acme_month().remaining
    expect(page.locator("#balance")).to_have_text(balance(before))
    page.get_by_role("spinbutton", name="hours", exact=True).fill("1")
    page.get_by_role("spinbutton", name="minutes", exact=True).fill("30")
    page.get_by_label("What was done").fill("Moved the nightly re-index to its own worker")
    page.get_by_role("button", name="Log time").click()
    expect(page.locator("table")).to_contain_text("Moved the nightly re-index to its own worker")
    entry = TimeEntry.objects.get(description="Moved the nightly re-index to its own worker")
    assert (entry.minutes, entry.ticket.key, entry.author.email) == (90, "ACME-4", "consultant@picocore.example")
    # The debit follows the contract's rates for today (×1 on a working day, more on a weekend or holiday).
    assert entry.debited_minutes >= 90
    assert acme_month().remaining == before - entry.debited_minutes
    expect(page.locator("#balance")).to_have_text(balance(before - entry.debited_minutes))
    page.context.clear_cookies()

    sign_in(page, "admin@acme.example")
    page.goto("/portal/hours/")
    row = page.locator("tbody tr").filter(has=page.get_by_role("link", name="ACME-4"))
    expect(row).to_contain_text("Nightly price export to the webshop is late")
    worked = TimeEntry.objects.filter(ticket__key="ACME-4", month=entry.month, billable=True)
    expect(row).to_contain_text(hours_text(sum(e.debited_minutes for e in worked)))
    assert acme_month().used == used_before + entry.debited_minutes
    assert stat(page, "used") == hours_text(used_before + entry.debited_minutes)
    expect(page.get_by_text("This month is open: time logged today shows here at once.")).to_be_visible()
    assert console_errors == []


def rating_link(score: int) -> str:
    """The path of the one-click link for `score` in Anna's e-mail about ACME-3's resolution."""
    email = OutboxEmail.objects.filter(recipient__email="anna@acme.example", kind="resolved",
                                       ticket__key="ACME-3").latest("id")  # fmt: skip
    links = dict(re.findall(r"^(\d): (http\S+)$", email.body_text, re.M))
    assert sorted(links) == ["1", "2", "3", "4", "5"]
    parts = urlsplit(links[str(score)])
    return f"{parts.path}?{parts.query}"


def test_anna_rates_a_resolution_from_the_e_mail_link_without_signing_in(page: Page, sign_in, console_errors):
    page.goto(rating_link(4))  # a browser with no session, as from her mail program
    expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
    expect(page.get_by_text("Your request ACME-3 was resolved:")).to_be_visible()
    expect(page.get_by_role("radio", name="4")).to_be_checked()
    violations = scan(page, axe_source())
    assert [v for v in violations if v["impact"] in BLOCKING] == [], readable({"rating page": violations})
    page.get_by_label("Anything you want to tell us (optional)").fill("Quick, and the texts look right.")
    page.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_role("status")).to_contain_text("Your rating of ACME-3 (4) is recorded.")
    rating = Rating.objects.get(ticket__key="ACME-3")
    assert (rating.score, rating.scale, rating.comment, rating.requester.email) == (
        4, 5, "Quick, and the texts look right.", "anna@acme.example")  # fmt: skip

    # Signed in, her request page shows the rating and lets her change it within the week.
    sign_in(page, "anna@acme.example")
    page.goto("/portal/requests/ACME-3/")
    box = page.locator("#rating")
    expect(box).to_contain_text("You rated this resolution 4 of 5.")
    box.get_by_text("Change your rating", exact=True).click()
    box.get_by_role("button", name="5 of 5").click()
    expect(page.get_by_text("Thank you: your rating of ACME-3 is recorded.")).to_be_visible()
    expect(page.locator("#rating")).to_contain_text("You rated this resolution 5 of 5.")
    assert list(Rating.objects.filter(ticket__key="ACME-3").values_list("score", flat=True)) == [5]
    violations = scan(page, axe_source())
    assert [v for v in violations if v["impact"] in BLOCKING] == [], readable({"request page": violations})
    assert console_errors == []
