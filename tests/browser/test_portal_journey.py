"""A customer's journeys through the portal in a real Chromium: the things a unit test cannot see.

Labels wired to their fields (every locator is by label or role), error messages where the person looks,
the keyboard path, the phone layout, the Content-Security-Policy and a clean console.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket

pytestmark = pytest.mark.browser

TITLE = "Checkout shows no prices"
DESCRIPTION = "Since the release at 10:00 the checkout shows 0,00 DKK for every product."
STEPS = "Put any product in the basket and open the checkout."


def fact(page: Page, term: str):
    """The value shown for `term` in the request page's facts ("Status", "Priority", ...)."""
    return (
        page.locator(".facts > div")
        .filter(has=page.get_by_role("term").filter(has_text=term))
        .get_by_role("definition")
    )


def focused(page: Page) -> str:
    """What has keyboard focus: a form field's id, else the element's text; "" when it left the page."""
    return page.evaluate(
        """() => { const e = document.activeElement;
                   return !e || e === document.body ? "" : e.id || e.textContent.trim(); }"""
    )


def test_anna_reports_an_incident_and_corrects_a_missing_answer(page: Page, sign_in, console_errors):
    sign_in(page, "anna@acme.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What do you need?")
    page.get_by_role("link", name="Report an incident").click()
    expect(page).to_have_url(re.compile(r"/portal/new/incident/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Report an incident")

    title, description = page.get_by_label("Title"), page.get_by_label("Description")
    solution, environment = page.get_by_label("Affected solution"), page.get_by_label("Environment")
    users = page.get_by_label("Roughly how many users are affected?")
    no_workaround = page.get_by_role("group", name="Is there a workaround?").get_by_role("radio", name="No", exact=True)
    high_impact = page.get_by_role("group", name="Impact").get_by_role("radio", name=re.compile(r"^High —"))
    medium_urgency = page.get_by_role("group", name="Urgency").get_by_role("radio", name=re.compile(r"^Medium —"))
    title.fill(TITLE)
    description.fill(DESCRIPTION)
    solution.select_option(label="Acme PIM")
    environment.select_option(label="Acme PIM · Production")
    users.fill("2000")
    no_workaround.check()
    high_impact.check()
    medium_urgency.check()
    # The form's own answer, not that of the suggestions the typing above asked for (they may still be on their way).
    sent = re.compile(r"/portal/new/incident/$")
    with page.expect_response(
        lambda response: response.request.method == "POST" and bool(sent.search(response.url))
    ) as rejected:
        page.get_by_role("button", name="Send request").click()

    # Not sent: the summary at the top, the message at the one empty field, everything else kept.
    assert rejected.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text("Your request was not sent yet.")
    steps = page.get_by_label("Steps to reproduce")
    expect(steps).to_have_attribute("aria-invalid", "true")
    expect(steps).to_have_accessible_description(re.compile(r"This field is required\.$"))
    expect(page.locator(".field", has=steps).locator(".errorlist")).to_have_text("This field is required.")
    expect(page.locator("[aria-invalid=true]")).to_have_count(1)
    expect(title).to_have_value(TITLE)
    expect(description).to_have_value(DESCRIPTION)
    expect(solution.locator("option:checked")).to_have_text("Acme PIM")
    expect(environment.locator("option:checked")).to_have_text("Acme PIM · Production")
    expect(users).to_have_value("2000")
    for choice in (no_workaround, high_impact, medium_urgency):
        expect(choice).to_be_checked()
    assert not Ticket.objects.filter(title=TITLE).exists()

    steps.fill(STEPS)
    page.get_by_role("button", name="Send request").click()

    page.wait_for_url(re.compile(r"/portal/requests/ACME-\d+/$"))
    ticket = Ticket.objects.get(title=TITLE)
    assert page.url.endswith(f"/portal/requests/{ticket.key}/")
    assert (ticket.requester.email, ticket.status, ticket.priority) == ("anna@acme.example", Status.NEW, 2)
    expect(page.get_by_role("status")).to_have_text(f"Thank you. Your request {ticket.key} has been received.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{ticket.key} {TITLE}")
    expect(fact(page, "Status")).to_have_text("New")
    expect(fact(page, "Priority")).to_have_text("P2 High impact × Medium urgency → P2")
    answers = page.locator(".answers")
    expect(answers).to_contain_text(f"Steps to reproduce{STEPS}")
    expect(answers).to_contain_text("Is there a workaround?No")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My requests").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=ticket.key, exact=True))
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text("New")
    assert console_errors == []


def test_another_organisations_request_is_not_found(page: Page, sign_in, console_errors):
    sign_in(page, "nils@nordicfashion.example")
    response = page.goto("/portal/requests/ACME-1/")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_role("main")).to_contain_text("There is no request with that key, or it is not yours to see.")
    expect(page.get_by_role("main")).not_to_contain_text("Product images missing")
    assert console_errors == []


def sideways(page: Page) -> list[str]:
    """Why the page would scroll sideways: the document's width, and any element spilling out of its box."""
    return page.evaluate(
        """() => {
            const found = [];
            if (document.documentElement.scrollWidth > window.innerWidth)
                found.push(`document ${document.documentElement.scrollWidth}px in ${window.innerWidth}px`);
            for (const e of document.querySelectorAll("body *")) {
                const spills = e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1;
                if (spills && getComputedStyle(e).overflowX === "visible")
                    found.push(`${e.tagName.toLowerCase()}.${e.className} ${e.scrollWidth}px in ${e.clientWidth}px`);
            }
            return found;
        }"""
    )


PHONE_PAGES = [
    "/portal/",
    "/portal/new/",
    "/portal/new/incident/",
    "/portal/requests/ACME-1/",  # in progress, with the reply form
    "/portal/requests/ACME-3/",  # resolved, with the confirm and reopen forms
]


def test_portal_pages_fit_a_phone_screen(phone: Page, sign_in, console_errors):
    sign_in(phone, "anna@acme.example")
    for path in PHONE_PAGES:
        phone.goto(path)
        assert phone.evaluate("window.innerWidth") == 390, "the page needs <meta name=viewport>"
        assert sideways(phone) == [], path
    # A rejected form, with its error messages, still fits.
    phone.goto("/portal/new/incident/")
    phone.get_by_role("button", name="Send request").click()
    expect(phone.get_by_role("alert")).to_be_visible()
    assert sideways(phone) == []
    assert console_errors == []


def tab_in_from_the_top(page: Page) -> None:
    """Move focus out of the page backwards, to where the browser's toolbar would be: the next Tab enters at the top."""
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if focused(page) == "":
            return
    raise AssertionError(f"Shift+Tab never left the page; stuck at {focused(page)!r}")


def test_sign_in_with_the_keyboard_alone(page: Page, console_errors):
    page.goto("/accounts/login/")
    expect(page.get_by_label("E-mail address")).to_be_focused()  # autofocus: typing goes straight in

    tab_in_from_the_top(page)
    stops = []
    for _ in range(5):
        page.keyboard.press("Tab")
        stops.append(focused(page))
    assert stops == ["Skip to content", "PicoCore", "id_username", "id_password", "Sign in"]

    tab_in_from_the_top(page)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # off-screen until focused
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mail address")).to_be_focused()
    page.keyboard.type("anna@acme.example")
    page.keyboard.press("Tab")
    page.keyboard.type("picocore-demo")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    page.keyboard.press("Enter")

    # The login form posts to its own address, so the #main fragment rides along to the portal: harmless.
    page.wait_for_url(re.compile(r"/portal/(#main)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My requests")
    assert console_errors == []


def test_pages_send_a_content_security_policy_and_log_no_errors(page: Page, live_server, sign_in, console_errors):
    responses = []
    page.on("response", lambda response: responses.append(response))
    sign_in(page, "anna@acme.example")
    visited = ["/portal/", "/portal/new/", "/portal/new/incident/", "/portal/requests/ACME-1/"]
    for path in visited:
        page.goto(path)

    documents = {r.url.removeprefix(live_server.url): r for r in responses if r.request.resource_type == "document"}
    assert set(documents) == {"/accounts/login/", "/", *visited}
    for path, response in documents.items():
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, path
    stylesheets = [r for r in responses if r.request.resource_type == "stylesheet"]
    assert stylesheets and all(r.status == 200 for r in stylesheets)
    # The stylesheet is applied, not only fetched: the page background is the app's --bg.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(245, 247, 249)"
    assert console_errors == []

    # The policy is enforced, and a violation shows up in the console errors the tests assert on.
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            """() => { const s = document.createElement("script");
                       s.textContent = "window.injected = true"; document.body.append(s); }"""
        )
    assert page.evaluate("window.injected") is None
    assert len(console_errors) == 1 and "Content Security Policy" in console_errors[0]
