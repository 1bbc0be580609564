"""The consultant sees Acme's landscape beside ACME-1 on the desk: the ticket's component (Akeneo PIM), its
neighbours, the runbook and what depends on it with the path of integrations. Nothing is attached to the ticket
until they confirm one suggested component; then exactly that one is."""

import re

import pytest
from playwright.sync_api import Page, expect

from picocore.cmdb.models import Component
from picocore.tickets.models import Ticket, TicketImpact

pytestmark = pytest.mark.browser


def test_consultant_confirms_one_suggested_component_and_only_it_is_attached(page: Page, sign_in, console_errors):
    sign_in(page, "consultant@picocore.example")
    page.goto("/desk/tickets/ACME-1/")
    panel = page.locator("[data-landscape-panel]")
    expect(panel.get_by_role("heading", name="Landscape")).to_be_visible()
    expect(panel.get_by_role("link", name="Akeneo PIM", exact=True)).to_be_visible()
    expect(panel).to_contain_text("Acme PIM · Production")
    expect(panel.get_by_role("link", name="Runbook (version 2)")).to_be_visible()
    expect(panel).to_contain_text("depends on PIM database")
    umbraco_id = Component.objects.get(organisation__slug="acme-foods", name="Umbraco CMS").pk
    umbraco = panel.locator(f'[data-suggestions] li[data-suggestion="{umbraco_id}"]')
    expect(umbraco).to_contain_text("Akeneo PIM → Product API → Product export → Product export → Umbraco CMS")
    expect(panel.locator("[data-confirmed-none]")).to_have_text("Nothing is recorded as affected.")
    ticket = Ticket.objects.get(key="ACME-1")
    assert TicketImpact.objects.filter(ticket=ticket).count() == 0  # suggested, shown, not attached

    umbraco.get_by_role("button", name="Confirm Umbraco CMS affected").click()
    expect(page.get_by_text("Umbraco CMS is now recorded as affected.")).to_be_visible()
    confirmed = page.locator("[data-landscape-panel] [data-confirmed] li")
    expect(confirmed).to_have_count(1)
    expect(confirmed).to_contain_text("Umbraco CMS")
    expect(page.locator(f'[data-suggestions] li[data-suggestion="{umbraco_id}"]')).to_contain_text("Confirmed")
    expect(page.locator(".event.internal").filter(has_text="Affects: Umbraco CMS")).to_have_count(1)
    assert list(TicketImpact.objects.filter(ticket=ticket).values_list("component__name", flat=True)) == ["Umbraco CMS"]

    # The component page shows the same path, and the runbook.
    page.locator("[data-landscape-panel]").get_by_role("link", name="Akeneo PIM", exact=True).click()
    expect(page).to_have_url(re.compile(r"/desk/components/\d+/$"))
    expect(page.get_by_role("heading", name="What depends on it")).to_be_visible()
    expect(page.locator("#runbook-section")).to_contain_text("Version 2")
    assert console_errors == []


def test_the_customer_reports_an_incident_on_a_component_from_the_portal_landscape(page: Page, sign_in, console_errors):
    sign_in(page, "anna@acme.example")
    page.get_by_role("link", name="Landscape", exact=True).click()
    expect(page.get_by_role("heading", name="End of life within 90 days")).to_be_visible()
    expect(page.locator("#eol-h + ul")).to_contain_text("PIM database")
    page.get_by_role("link", name="Report an incident on CDN").click()
    expect(page.get_by_label("Affected component")).to_have_value(re.compile(r"\d+"))
    expect(page.get_by_label("Affected component").locator("option:checked")).to_have_text(
        "CDN (Acme Web · Production)"
    )
    assert console_errors == []
