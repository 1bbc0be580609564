"""A customer admin invites a colleague, who opens the link from the e-mail, sets a password, and sees only what
their role allows — in a real Chromium.

Lars (Acme Foods' customer admin) opens Contacts from the portal's navigation, invites Mette by her address with the
keyboard-reachable form, and sees the invitation waiting. The e-mail is read from the outbox, as the worker would
send it; in a browser with no session Mette opens its link, gives her name and a password, and lands in the portal
signed in. As a requester (the demo's Acme lets requesters see only their own requests) she sees none of Acme's
existing requests and no Contacts; as a viewer, once that role exists, she sees them and files none. She signs out
and signs in again with her new password. The contacts and invitation pages pass axe, and log no console error.
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from picocore.members.models import Invitation
from picocore.outbox.models import OutboxEmail
from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.models import Membership
from tests.browser.test_accessibility import BLOCKING, axe_source, readable, scan

pytestmark = pytest.mark.browser

ADMIN = "admin@acme.example"
COLLEAGUE = "mette@acme.example"
PASSWORD = "Rye bread and herring 2027"
VIEWER = "viewer" in MembershipRole.values
ROLE = "viewer" if VIEWER else "requester"


def no_blocking_violation(page: Page, where: str) -> None:
    violations = [v for v in scan(page, axe_source()) if v["impact"] in BLOCKING]
    assert violations == [], readable({where: violations})


def invitation_path() -> str:
    email = OutboxEmail.objects.filter(kind="invitation", to_address=COLLEAGUE).latest("id")
    assert email.recipient is None and email.status in ("pending", "sent")
    link = re.search(r"https?://\S+/portal/invitations/\S+/", email.body_text)
    assert link, email.body_text
    return urlsplit(link[0]).path


def test_an_admin_invites_a_colleague_who_joins_with_a_password(page: Page, sign_in, console_errors):
    sign_in(page, ADMIN)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    expect(page.get_by_role("heading", name="Contacts", level=1)).to_be_visible()
    expect(page.get_by_role("table", name="Members")).to_contain_text("anna@acme.example")
    no_blocking_violation(page, "contacts page")

    form = page.get_by_role("form", name="Invite a colleague")
    form.get_by_label("E-mail address").fill(COLLEAGUE)
    form.get_by_label("Role").select_option(ROLE)
    form.get_by_label("Language of the invitation").select_option("en")
    form.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {COLLEAGUE}.")
    expect(page.get_by_role("table", name="Invitations waiting")).to_contain_text(COLLEAGUE)
    page.context.clear_cookies()

    page.goto(invitation_path())  # a browser with no session, as from her mail program
    expect(page.get_by_role("heading", name="Join Acme Foods", level=1)).to_be_visible()
    no_blocking_violation(page, "invitation page")
    page.get_by_label("Your name").fill("Mette Kragh")
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("Password again").press("Enter")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_role("status")).to_contain_text("Welcome to Acme Foods.")
    expect(page.locator(".who")).to_have_text("Mette Kragh")
    membership = Membership.objects.get(user__email=COLLEAGUE)
    assert (membership.organisation.slug, membership.role) == ("acme-foods", ROLE)
    assert Invitation.objects.get(email=COLLEAGUE).accepted_at is not None

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Contacts")).to_have_count(0)
    expect(nav.get_by_role("link", name="Hours")).to_have_count(0)
    if VIEWER:
        expect(page.get_by_role("link", name="ACME-1", exact=True)).to_be_visible()
        expect(page.get_by_role("link", name="New request")).to_have_count(0)
    else:
        expect(page.get_by_role("heading", name="My requests", level=1)).to_be_visible()
        expect(page.get_by_text("No open requests.")).to_be_visible()
        expect(page.get_by_role("link", name="ACME-1", exact=True)).to_have_count(0)
    assert page.goto("/portal/requests/ACME-1/").status == (200 if VIEWER else 404)
    assert page.goto("/portal/contacts/").status == 403

    page.goto("/portal/")
    page.get_by_role("button", name="Sign out").first.click()
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(COLLEAGUE)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    page.goto(invitation_path())  # the link works once
    expect(page.get_by_text("This invitation has been used already.")).to_be_visible()
    assert console_errors == []
