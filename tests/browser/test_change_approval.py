"""The customer's approver approves a normal change in the portal: Lars Holm, Acme's customer admin and one of its
approver contacts, finds the change awaiting his approval among Acme's changes (desktop and phone width, no axe
violations that block), approves it with the keyboard, and the decision is recorded; the CAB still decides."""

import pytest
from playwright.sync_api import Page, expect

from picocore.changes.approvals import approval_state, approvals_request
from picocore.changes.models import CustomerDecision
from picocore.tenancy.models import Organisation, User
from tests.browser.test_accessibility import BLOCKING, axe_source, readable, scan
from tests.changes.approval_support import approver, make_change

pytestmark = pytest.mark.browser


def _asked_change():
    acme = Organisation.objects.get(slug="acme-foods")
    lars = User.objects.get(email="admin@acme.example")
    manager = User.objects.get(email="manager@picocore.example")
    approver(acme, "Lars Holm (approver)", user=lars, email=lars.email)
    change = make_change(acme, by=manager, title="Upgrade the PIM to 7.0", number=990_001)
    approvals_request(actor=manager, change=change)
    return change, lars


def test_the_approver_approves_a_normal_change_in_the_portal(page: Page, sign_in, console_errors):
    change, lars = _asked_change()
    sign_in(page, "admin@acme.example")
    page.get_by_role("link", name="Changes", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Changes")
    page.goto("/portal/changes/?month=2027-03")
    page.get_by_role("link", name=change.key).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Upgrade the PIM to 7.0")
    violations = [v for v in scan(page, axe_source()) if v["impact"] in BLOCKING]
    assert not violations, readable({"change page": violations})
    page.get_by_label("Reason (needed to reject)").focus()
    page.keyboard.press("Tab")  # to Approve
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="You decided")).to_contain_text("You decided: Approved")
    expect(page.get_by_role("status").filter(has_text="Thank you")).to_have_text(f"{change.key}: Approved. Thank you.")
    decision = CustomerDecision.objects.get(change=change)
    assert (decision.decision, decision.channel, decision.user_id) == ("approved", "portal", lars.pk)
    change.refresh_from_db()
    assert approval_state(change).customer.outcome == "approved"
    assert console_errors == []


def test_the_change_pages_fit_a_phone(phone: Page, sign_in, console_errors):
    change, _ = _asked_change()
    sign_in(phone, "admin@acme.example")
    for path in ("/portal/changes/?month=2027-03", f"/portal/changes/{change.pk}/"):
        phone.goto(path)
        assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), path
    assert console_errors == []
