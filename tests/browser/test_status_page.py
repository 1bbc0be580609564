"""Acme's status page in a real Chromium, as its contacts and the service team use it.

Acme Foods has an open P1 incident on its Akeneo PIM, a status incident on the PIM search index whose update a
consultant writes on the desk, and a change in its window on the product export with another one ahead. Anna,
one of Acme's contacts, reads each component's state, the update and the maintenance; the consultant confirms the
major outage on the desk and Anna's page then shows it. axe finds no violation on the page nor on the desk's status
pages; the page is read and subscribed to with the keyboard, fits a phone without scrolling sideways, is the same
404 as a missing page for another organisation's contact, and opens signed out through its signed link until the
link is revoked.
"""

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from picocore.changes.choices import ChangeStatus
from picocore.changes.models import Change, ChangeComponent
from picocore.cmdb.models import Component
from picocore.core.clock import now
from picocore.statuspages.models import StatusIncident, StatusPage, Subscriber
from picocore.statuspages.services import incident_create, update_post
from picocore.tenancy.models import Organisation, User
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_change_priority
from tests.browser.conftest import DESKTOP, PHONE, _new_context, _new_page
from tests.browser.test_accessibility import axe_source, readable, scan
from tests.conftest import signed_in

pytestmark = pytest.mark.browser

ANNA = "anna@acme.example"
CONSULTANT = "consultant@picocore.example"
NILS = "nils@nordicfashion.example"  # a contact of Nordic Fashion only
PAGE = "/status/acme-foods/"
UPDATE = "Searches in the PIM take up to a minute.\nWe are rebuilding the index; next update by 11:00."
# An update may quote a long address: on a phone it wraps instead of widening the page.
LONG_URL = "https://status.cloud.example/incidents/20261204/searchclusterwesteuropedegradedqueryperformance?ref=4711"


@dataclass(frozen=True)
class AcmeStatus:
    organisation: Organisation
    incident: StatusIncident
    p1: Ticket


def _change(organisation: Organisation, by: User, component: Component, *, start: dt.datetime, title: str) -> Change:
    number = (Change.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    change = Change.objects.create(
        organisation=organisation, number=number, change_type="normal", status=ChangeStatus.SCHEDULED, title=title,
        reason="The export waits for the re-index.", planned_start=start, planned_end=start + dt.timedelta(hours=3),
        requested_by=by,
    )  # fmt: skip
    ChangeComponent.objects.create(organisation=organisation, change=change, component=component)
    return change


def _acme_status() -> AcmeStatus:
    """ACME-1 raised to P1 on the Akeneo PIM, a draft status incident (degraded) on the search index, an approved
    change in its window on the product export and one on the database in three days."""
    acme = Organisation.objects.get(slug="acme-foods")
    carla = signed_in(User.objects.get(email=CONSULTANT))
    components = {c.name: c for c in Component.objects.filter(organisation=acme)}
    p1 = Ticket.objects.get(key="ACME-1")
    assert p1.component_id == components["Akeneo PIM"].pk and p1.ticket_type == "incident"
    p1 = ticket_change_priority(actor=carla, ticket=p1, priority=1, reason="The webshop has lost its images.")
    moment = now()
    _change(acme, carla, components["Product export"], start=moment - dt.timedelta(hours=1),
            title="Move the product export to its own worker")  # fmt: skip
    _change(acme, carla, components["PIM database"], start=moment + dt.timedelta(days=3),
            title="Patch the PIM database")  # fmt: skip
    incident = incident_create(actor=carla, organisation_id=acme.pk, title="Slow product search",
                               impact="degraded", component_ids=[components["PIM search index"].pk])  # fmt: skip
    return AcmeStatus(acme, incident, p1)


def component_state(page: Page, name: str) -> Locator:
    """The state the page's table of components shows for the component `name`."""
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name, exact=True))
    return row.get_by_role("cell").last


def look(badge: Locator) -> tuple[str, str, str]:
    """How a state badge is drawn: its display, text colour and background."""
    return badge.evaluate("e => { const s = getComputedStyle(e); return [s.display, s.color, s.backgroundColor]; }")


def no_violations(page: Page, where: str) -> None:
    violations = scan(page, axe_source())
    assert not violations, readable({where: violations})


def fits(page: Page) -> bool:
    """Nothing is wider than the phone's layout viewport (390 px): no sideways scrolling. (A mobile browser widens
    `window.innerWidth` by zooming out to show what overflows, so the layout viewport's width is what counts.)"""
    return bool(page.evaluate(
        """() => { const root = document.documentElement;
                   return root.clientWidth === 390 && root.scrollWidth <= root.clientWidth; }"""
    ))  # fmt: skip


def test_anna_reads_the_page_and_the_desk_confirms_a_major_outage(browser: Browser, live_server, demo, sign_in,
                                                                  console_errors):  # fmt: skip
    world = _acme_status()
    desk = _new_page(_new_context(browser, live_server, **DESKTOP), console_errors)
    sign_in(desk, CONSULTANT)
    desk.get_by_role("link", name="Status pages").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Status pages")
    no_violations(desk, "desk status pages")
    desk.get_by_role("link", name="Acme Foods").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Status page of Acme Foods")
    no_violations(desk, "desk status page of Acme")
    desk.get_by_role("link", name="Slow product search").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Slow product search")
    no_violations(desk, "desk status incident")
    desk.get_by_label("State").select_option(label="Identified")
    desk.get_by_role("textbox", name="Update").fill(UPDATE)
    desk.get_by_role("button", name="Publish").click()
    expect(desk.locator(".messages")).to_contain_text("Update published")
    no_violations(desk, "desk status incident, published")

    page = _new_page(_new_context(browser, live_server, **DESKTOP), console_errors)
    sign_in(page, ANNA)
    page.get_by_role("link", name="Status", exact=True).click()
    expect(page).to_have_url(re.compile(f"{PAGE}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Status of Acme Foods")
    expect(page.get_by_role("status").filter(has_text="Overall")).to_have_text("Overall: Partial outage")
    expect(component_state(page, "Akeneo PIM")).to_have_text("Partial outage")  # a P1, not yet confirmed
    expect(component_state(page, "PIM search index")).to_have_text("Degraded performance")
    expect(component_state(page, "Product export")).to_have_text("Under maintenance")
    expect(component_state(page, "PIM database")).to_have_text("Operational")
    active = page.get_by_role("region", name="Active incidents")
    incident = active.get_by_role("article", name=re.compile("^Slow product search"))
    expect(incident).to_contain_text("State: Identified · Affects: PIM search index")
    # The update reads as written, its line break kept.
    assert incident.get_by_role("listitem").locator("p").inner_text() == UPDATE
    maintenance = page.get_by_role("region", name="Scheduled maintenance")
    under_way = maintenance.locator(".card").filter(has_text="Move the product export to its own worker")
    expect(under_way.get_by_role("heading", level=3)).to_have_text(
        "Move the product export to its own worker Under way"
    )
    expect(under_way).to_contain_text("Affects: Product export")
    ahead = maintenance.locator(".card").filter(has_text="Patch the PIM database")
    expect(ahead.get_by_role("heading", level=3)).to_have_text("Patch the PIM database")  # not under way yet
    expect(ahead).to_contain_text("Affects: PIM database")
    # Each state is told apart at a glance: a badge of its own colour (axe checks the contrast).
    looks = {name: look(component_state(page, name).locator(".status-badge"))
             for name in ("Akeneo PIM", "PIM search index", "Product export", "PIM database")}  # fmt: skip
    assert {display for display, _colour, _background in looks.values()} == {"inline-block"}, looks
    assert len({(colour, background) for _display, colour, background in looks.values()}) == 4, looks
    no_violations(page, "status page")

    desk.get_by_role("link", name="Status page of Acme Foods").click()
    awaiting = desk.get_by_role("region", name="Major outages awaiting confirmation")
    expect(awaiting).to_contain_text("P1 ACME-1")
    no_violations(desk, "desk status page awaiting a confirmation")
    title, first_update = awaiting.get_by_label("Title"), awaiting.get_by_label("First update")
    expect(title).to_have_value("Major outage of Akeneo PIM")
    assert title.bounding_box()["width"] == first_update.bounding_box()["width"]  # as wide as its neighbour
    awaiting.get_by_label("First update").fill("The webshop shows no product images; we are on it.")
    awaiting.get_by_role("button", name="Confirm major outage and publish").click()
    expect(desk.locator(".messages")).to_contain_text("Major outage confirmed and published.")
    confirmed = StatusIncident.objects.get(title="Major outage of Akeneo PIM")
    assert confirmed.confirmed_at is not None and list(confirmed.tickets.all()) == [world.p1]

    page.reload()
    expect(page.get_by_role("status").filter(has_text="Overall")).to_have_text("Overall: Major outage")
    expect(component_state(page, "Akeneo PIM")).to_have_text("Major outage")
    assert look(component_state(page, "Akeneo PIM").locator(".status-badge")) not in looks.values()
    outage = active.get_by_role("article", name=re.compile("^Major outage of Akeneo PIM"))
    expect(outage).to_contain_text("The webshop shows no product images; we are on it.")
    no_violations(page, "status page with a major outage")
    assert console_errors == []


def test_anna_subscribes_with_the_keyboard(page: Page, sign_in, console_errors):
    _acme_status()
    sign_in(page, ANNA)
    page.goto(PAGE)
    subscribe = page.get_by_role("region", name="Subscribe to updates")
    page.get_by_role("heading", level=1).click()  # start from the page's top, as a reader does
    for _ in range(60):
        page.keyboard.press("Tab")
        if subscribe.get_by_label("Tell me by").evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the subscribe form")
    page.keyboard.press("Tab")
    address = subscribe.get_by_label("E-mail address or webhook URL")
    expect(address).to_be_focused()
    page.keyboard.type(ANNA)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Subscribed")).to_have_text(f"Subscribed: {ANNA}.")
    subscriber = Subscriber.objects.get()
    assert (subscriber.kind, subscriber.address, subscriber.active) == ("email", ANNA, True)
    expect(page.get_by_role("region", name="Subscribe to updates")).to_contain_text(f"Subscribed: {ANNA}")
    no_violations(page, "status page after subscribing")
    assert console_errors == []


def test_the_page_and_the_desk_fit_a_phone(browser: Browser, live_server, demo, phone: Page, sign_in,
                                           console_errors):  # fmt: skip
    world = _acme_status()
    carla = signed_in(User.objects.get(email=CONSULTANT))
    update_post(actor=carla, incident_id=world.incident.pk, body=f"Our provider's notice: {LONG_URL}",
                state="investigating")  # fmt: skip
    sign_in(phone, ANNA)
    response = phone.goto(PAGE)
    assert response is not None and response.status == 200
    expect(component_state(phone, "Akeneo PIM")).to_have_text("Partial outage")
    expect(phone.get_by_role("article", name=re.compile("^Slow product search"))).to_contain_text(LONG_URL)
    assert fits(phone)
    no_violations(phone, "status page at 390 px")
    desk = _new_page(_new_context(browser, live_server, **PHONE), console_errors)
    sign_in(desk, CONSULTANT)
    desk_pages = ("/desk/status/", f"/desk/status/{world.organisation.pk}/",
                  f"/desk/status/incidents/{world.incident.pk}/")  # fmt: skip
    for path in desk_pages:
        response = desk.goto(path)
        assert response is not None and response.status == 200, path
        assert fits(desk), path
        no_violations(desk, f"{path} at 390 px")
    assert console_errors == []


def test_another_organisations_contact_gets_a_404_and_sees_nothing(page: Page, sign_in, console_errors):
    _acme_status()
    sign_in(page, NILS)
    expect(page.get_by_role("link", name="Status", exact=True)).to_have_attribute("href", "/status/nordic-fashion/")
    for path in (PAGE, "/status/no-such-organisation/"):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        text = page.locator("body").inner_text()
        for word in ("Acme", "Akeneo", "Slow product search", "Product export", "ACME-1"):
            assert word not in text, (path, word)
    # Subscribing to it, with Nils's own session and CSRF token, is the same 404.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    answer = page.request.post(f"{PAGE}subscribe/", form={"kind": "email", "address": NILS},
                               headers={"X-CSRFToken": csrf, "Referer": page.url})  # fmt: skip
    assert answer.status == 404 and "Acme" not in answer.text()
    assert Subscriber.objects.count() == 0
    assert console_errors == []


def test_the_signed_link_opens_the_page_signed_out_until_revoked(browser: Browser, live_server, demo, sign_in,
                                                                 console_errors):  # fmt: skip
    world = _acme_status()
    desk = _new_page(_new_context(browser, live_server, **DESKTOP), console_errors)
    sign_in(desk, CONSULTANT)
    desk.goto(f"/desk/status/{world.organisation.pk}/")
    desk.get_by_label("Who may read the page").select_option(label="Also anyone with the signed link")
    desk.get_by_role("button", name="Save").click()
    expect(desk.locator(".messages")).to_contain_text("Saved.")
    assert StatusPage.objects.get(organisation=world.organisation).visibility == "link"
    link = desk.get_by_label("Signed link").input_value()
    assert f"{PAGE}?token=" in link
    no_violations(desk, "desk status page shared by link")
    signed = link[link.index(PAGE) :]

    stranger = _new_page(_new_context(browser, live_server, **DESKTOP), console_errors)
    response = stranger.goto(PAGE)
    assert response is not None and response.status == 404  # without the link
    response = stranger.goto(signed)
    assert response is not None and response.status == 200
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Status of Acme Foods")
    expect(component_state(stranger, "Akeneo PIM")).to_have_text("Partial outage")
    expect(stranger.get_by_role("region", name="Subscribe to updates")).to_have_count(0)
    no_violations(stranger, "status page by its signed link")

    desk.get_by_role("button", name="Revoke and make a new link").click()
    expect(desk.locator(".messages")).to_contain_text("the old one no longer opens the page")
    assert desk.get_by_label("Signed link").input_value() != link
    response = stranger.goto(signed)
    assert response is not None and response.status == 404
    assert "Acme" not in stranger.locator("body").inner_text()
    assert console_errors == []
