"""The contacts page and the invitation page: who sees what (another organisation's admin 404, a requester 403),
what each form does, the messages of refusals, and the number of queries as the organisation grows."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from picocore.members.models import Invitation
from picocore.members.services import invitation_revoke
from picocore.portal.context import SESSION_KEY
from picocore.portal.views import PAGE_SIZE
from picocore.sso.models import IdentityProvider, ProviderDomain
from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.models import Membership, User
from tests import factories
from tests.members.support import invite, state
from tests.support_queries import data_statements

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase 42"


def text(response) -> str:
    return html.unescape(response.content.decode())


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def urls(acme) -> list[tuple[str, str, dict]]:
    """Every contacts URL with a real ACME object: (method, path, data)."""
    member = Membership.objects.get(user=acme.requester)
    invitation, _token = invite(acme.admin, acme.organisation, "pending@example.com")
    return [
        ("get", "/portal/contacts/", {}),
        ("post", "/portal/contacts/invite/", {"email": "x@example.com", "role": "requester"}),
        ("post", f"/portal/contacts/{member.pk}/role/", {"role": "customer_admin"}),
        ("get", f"/portal/contacts/{member.pk}/remove/", {}),
        ("post", f"/portal/contacts/{member.pk}/remove/", {}),
        ("post", f"/portal/contacts/invitations/{invitation.pk}/revoke/", {}),
    ]


def test_another_organisations_admin_finds_none_of_acmes_contacts(acme, nord):
    client = signed_in(nord.admin)
    for method, path, data in urls(acme):
        before = state()
        response = getattr(client, method)(path, data)
        if path in ("/portal/contacts/", "/portal/contacts/invite/"):
            # Their own organisation's page and form: nothing of ACME's on it.
            assert "Acme" not in text(response) and "pending@example.com" not in text(response), path
            continue
        assert response.status_code == 404, (method, path)
        assert "pending@example.com" not in text(response) and acme.requester.full_name not in text(response)
        assert state() == before, (method, path)


def test_a_requester_is_told_who_manages_contacts_and_changes_nothing(acme):
    client = signed_in(acme.requester)
    assert "/portal/contacts/" not in text(client.get("/portal/"))
    for method, path, data in urls(acme):
        before = state()
        response = getattr(client, method)(path, data)
        assert response.status_code == 403, (method, path)
        assert "customer admins" in text(response)
        assert "pending@example.com" not in text(response)
        assert state() == before, (method, path)


def test_signing_in_is_required(acme):
    for method, path, data in urls(acme):
        before = state()
        response = getattr(Client(), method)(path, data)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), path
        assert state() == before


def test_the_contacts_page_lists_members_roles_sign_ins_and_invitations(acme, admin_client):
    User.objects.filter(pk=acme.requester.pk).update(last_login=dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
    never = factories.UserFactory(full_name="Nev Never")
    factories.MembershipFactory(user=never, organisation=acme.organisation, role=MembershipRole.REQUESTER)
    invite(acme.admin, acme.organisation, "pending@example.com", "customer_admin")
    home = text(admin_client.get("/portal/"))
    assert '<a href="/portal/contacts/">Contacts</a>' in home
    response = admin_client.get("/portal/contacts/")
    assert response.status_code == 200
    page = text(response)
    assert 'aria-current="page">Contacts</a>' in page
    for name in (acme.admin.full_name, acme.requester.full_name, acme.requester.email, "pending@example.com"):
        assert name in page
    assert f"Role of {acme.requester.full_name}" in page
    for value, label in MembershipRole.choices:
        assert f'<option value="{value}"' in page and str(label) in page
    assert 'datetime="2026-03-02T11:00:00+01:00"' in page and "Never" in page
    assert "Send invitation" in page and "Revoke" in page


def test_inviting_through_the_page(acme, admin_client):
    response = admin_client.post("/portal/contacts/invite/", {"email": "new@example.com", "role": "requester",
                                                              "language": "da",
                                                              "form_organisation": acme.organisation.pk})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/portal/contacts/"
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.language) == ("new@example.com", "requester", "da")
    assert "Invitation sent to new@example.com." in text(admin_client.get("/portal/contacts/"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not an address", "role": "requester"}, "Enter a valid email address."),
        ({"email": "nul\x00@example.com", "role": "requester"}, "Null characters are not allowed."),
        ({"email": "a" * 250 + "@example.com", "role": "requester"}, "Ensure this value has at most 254 characters"),
        ({"email": "x@example.com", "role": "king"}, "Select a valid choice."),
    ],
)
def test_a_bad_invitation_is_shown_again_with_its_message(acme, admin_client, data, message):
    before = state()
    response = admin_client.post("/portal/contacts/invite/", data)
    assert response.status_code == 400
    assert message in text(response)
    assert state() == before


def test_a_member_is_not_invited_again_and_the_page_says_so(acme, admin_client):
    before = state()
    response = admin_client.post("/portal/contacts/invite/", {"email": acme.requester.email, "role": "requester"})
    assert response.status_code == 400
    assert f"{acme.requester.email} is already a member of Acme Ltd." in text(response)
    assert state() == before


def test_a_form_of_another_organisation_switched_away_from_sends_nothing(acme, nord, admin_client):
    factories.MembershipFactory(user=acme.admin, organisation=nord.organisation, role=MembershipRole.CUSTOMER_ADMIN)
    session = admin_client.session
    session[SESSION_KEY] = nord.organisation.pk
    session.save()
    before = state()
    response = admin_client.post("/portal/contacts/invite/", {"email": "x@example.com", "role": "requester",
                                                              "form_organisation": acme.organisation.pk})  # fmt: skip
    assert response.status_code == 302
    assert state() == before
    assert "You switched to Nord Ltd in another tab" in text(admin_client.get("/portal/contacts/"))


def test_changing_a_role_and_the_last_admin_rule_on_the_page(acme, admin_client):
    member = Membership.objects.get(user=acme.requester)
    response = admin_client.post(f"/portal/contacts/{member.pk}/role/", {"role": "customer_admin"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == "customer_admin"
    assert f"{acme.requester.full_name} is now Customer admin." in text(admin_client.get("/portal/contacts/"))
    admin_client.post(f"/portal/contacts/{member.pk}/role/", {"role": "requester"})
    own = Membership.objects.get(user=acme.admin)
    before = state()
    response = admin_client.post(f"/portal/contacts/{own.pk}/role/", {"role": "requester"})
    assert response.status_code == 302
    page = text(admin_client.get("/portal/contacts/"))
    assert f"{acme.admin.full_name} is the only customer admin of Acme Ltd" in page and "Nothing was changed." in page
    response = admin_client.post(f"/portal/contacts/{own.pk}/remove/")
    assert "is the only customer admin" in text(admin_client.get("/portal/contacts/"))
    assert state() == before


def test_removing_asks_first_then_removes(acme, admin_client):
    member = Membership.objects.get(user=acme.requester)
    before = state()
    confirm = admin_client.get(f"/portal/contacts/{member.pk}/remove/")
    assert confirm.status_code == 200
    assert f"Remove {acme.requester.full_name}?" in text(confirm) and "The requests they made stay" in text(confirm)
    assert state() == before  # GET changes nothing
    response = admin_client.post(f"/portal/contacts/{member.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == "/portal/contacts/"
    assert not Membership.objects.filter(pk=member.pk).exists()
    page = text(admin_client.get("/portal/contacts/"))
    assert f"{acme.requester.full_name} is no longer a member of Acme Ltd; their requests stay." in page
    assert admin_client.post(f"/portal/contacts/{member.pk}/remove/").status_code == 404


def test_revoking_on_the_page(acme, admin_client):
    invitation, token = invite(acme.admin, acme.organisation, "gone@example.com")
    response = admin_client.post(f"/portal/contacts/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    page = text(admin_client.get("/portal/contacts/"))
    assert "The invitation was revoked: its link no longer works." in page
    assert "gone@example.com" not in page.split("Invitations waiting")[1]
    assert Client().get(f"/portal/invitations/{token}/").status_code == 410


# session, user, members with their people, open invitations with their senders, the header's unread notifications
CONTACTS_QUERIES = 5


def contacts_queries(client) -> list[str]:
    client.get("/portal/contacts/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/portal/contacts/").status_code == 200
    return data_statements(captured)


def test_the_contacts_page_runs_the_same_queries_however_many_members(acme, admin_client):
    assert len(contacts_queries(admin_client)) == CONTACTS_QUERIES
    for n in range(30):
        person = factories.UserFactory(last_login=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        factories.MembershipFactory(user=person, organisation=acme.organisation, role=MembershipRole.REQUESTER)
        if n % 2:
            invite(acme.admin, acme.organisation, f"invitee{n}@example.com")
    assert len(contacts_queries(admin_client)) == CONTACTS_QUERIES


def contacts_walk(client) -> tuple[list[str], list[int]]:
    """Every member's e-mail address the contacts pages list, following their "Next" links from the first page,
    and the number of statements each page ran."""
    seen: list[str] = []
    counts: list[int] = []
    url = "/portal/contacts/"
    while url:
        client.get(url)  # the reference data the portal keeps is read once, after a change
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(data_statements(captured)))
        seen += [member.user.email for member in response.context["page"].members.rows]
        found = NEXT_LINK.search(response.content.decode())
        url = f"/portal/contacts/{html.unescape(found['query'])}" if found else ""
    return seen, counts


NEXT_LINK = re.compile(r'<a href="/portal/contacts/(?P<query>\?[^"]*)" rel="next">')


def test_the_contacts_list_comes_in_pages_of_the_portals_size_with_the_organisations_members_only(
    acme, nord, admin_client
):
    for n in range(30):
        person = factories.UserFactory(full_name=f"Member {n:02}", email=f"member{n:02}@acme.example")
        factories.MembershipFactory(user=person, organisation=acme.organisation, role=MembershipRole.REQUESTER)
        outsider = factories.UserFactory(full_name=f"Member {n:02}", email=f"outsider{n:02}@nord.example")
        factories.MembershipFactory(user=outsider, organisation=nord.organisation, role=MembershipRole.REQUESTER)
    first = admin_client.get("/portal/contacts/")
    assert len(first.context["page"].members.rows) == PAGE_SIZE == 25
    expected = list(
        Membership.objects.filter(organisation=acme.organisation)
        .order_by("user__full_name", "id")
        .values_list("user__email", flat=True)
    )
    seen, counts = contacts_walk(admin_client)
    assert seen == expected and len(seen) == 32  # each once, by name: the 30, the admin and the requester
    assert not [email for email in seen if email.endswith("@nord.example")]
    assert counts == [CONTACTS_QUERIES, CONTACTS_QUERIES]
    for n in range(30, 60):  # twice as many: still as many statements a page
        person = factories.UserFactory(full_name=f"Member {n:02}", email=f"member{n:02}@acme.example")
        factories.MembershipFactory(user=person, organisation=acme.organisation, role=MembershipRole.REQUESTER)
    seen, counts = contacts_walk(admin_client)
    assert len(seen) == 62 and counts == [CONTACTS_QUERIES] * 3


def test_a_contacts_page_link_that_cannot_be_read_shows_the_first_page_and_says_so(acme, admin_client):
    for cursor in ("not-a-cursor", "x" * 501, "a\x00b"):
        response = admin_client.get("/portal/contacts/", {"after": cursor})
        assert response.status_code == 400, cursor
        assert "This page link is broken or out of date; here is the first page." in text(response)
        assert acme.admin.email in [m.user.email for m in response.context["page"].members.rows]


def test_a_refused_invitation_keeps_the_contacts_page_links_on_the_contacts_list(acme, admin_client):
    for n in range(30):
        person = factories.UserFactory(full_name=f"Member {n:02}")
        factories.MembershipFactory(user=person, organisation=acme.organisation, role=MembershipRole.REQUESTER)
    response = admin_client.post("/portal/contacts/invite/", {"email": "not an address", "role": "requester",
                                                              "form_organisation": acme.organisation.pk})  # fmt: skip
    assert response.status_code == 400
    assert NEXT_LINK.search(response.content.decode())


# --- the invitation's page -------------------------------------------------------------------------------------


def test_a_new_person_sets_a_name_and_password_and_is_signed_in_as_a_member(acme):
    _invitation, token = invite(acme.admin, acme.organisation, "nina@example.com")
    client = Client()
    page = client.get(f"/portal/invitations/{token}/")
    assert page.status_code == 200
    assert "Join Acme Ltd" in text(page) and "as Requester, with the address nina@example.com" in text(page)
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]
    assert page["Referrer-Policy"] == "same-origin"
    response = client.post(f"/portal/invitations/{token}/",
                           {"full_name": "Nina New", "password1": PASSWORD, "password2": PASSWORD})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/portal/"
    person = User.objects.get(email="nina@example.com")
    assert Membership.objects.get(user=person).role == "requester"
    home = client.get("/portal/")
    assert home.status_code == 200 and "Welcome to Acme Ltd." in text(home)
    assert "/portal/contacts/" not in text(home)  # a requester manages no contacts
    # The same form sent again (a double click, a back button): one membership, back where the first went.
    again = client.post(f"/portal/invitations/{token}/",
                        {"full_name": "Nina New", "password1": PASSWORD, "password2": PASSWORD})  # fmt: skip
    assert again.status_code == 302 and again["Location"] == "/portal/"
    assert Membership.objects.filter(user__email="nina@example.com").count() == 1
    assert User.objects.filter(email="nina@example.com").count() == 1


def test_a_second_submit_from_another_browser_is_told_the_link_is_used(acme):
    _invitation, token = invite(acme.admin, acme.organisation, "twice@example.com")
    data = {"full_name": "Tim Twice", "password1": PASSWORD, "password2": PASSWORD}
    assert Client().post(f"/portal/invitations/{token}/", data).status_code == 302
    before = state()
    response = Client().post(f"/portal/invitations/{token}/", data)
    assert response.status_code == 410
    assert "This invitation has been used already. Sign in to reach Acme Ltd." in text(response)
    assert state() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"full_name": "Pat", "password1": PASSWORD, "password2": PASSWORD + "x"}, "The two passwords differ"),
        ({"full_name": "Pat", "password1": "short", "password2": "short"}, "This password is too short."),
        ({"full_name": "", "password1": PASSWORD, "password2": PASSWORD}, "This field is required."),
        ({"full_name": "N\x00", "password1": PASSWORD, "password2": PASSWORD}, "Null characters are not allowed."),
        ({"full_name": "N" * 151, "password1": PASSWORD, "password2": PASSWORD}, "at most 150 characters"),
    ],
)
def test_a_refused_name_or_password_is_shown_and_nothing_created(acme, data, message):
    _invitation, token = invite(acme.admin, acme.organisation, "pat@example.com")
    before = state()
    response = Client().post(f"/portal/invitations/{token}/", data)
    assert response.status_code == 400
    assert message in text(response)
    assert state() == before


def test_expired_revoked_and_tampered_links_are_refused_with_a_clear_message(acme, freezer):
    _expired, expired = invite(acme.admin, acme.organisation, "expired@example.com")
    revoked_invitation, revoked = invite(acme.admin, acme.organisation, "revoked@example.com")
    invitation_revoke(actor=acme.admin, invitation_id=revoked_invitation.pk)
    freezer.tick(dt.timedelta(days=7, seconds=1))
    _valid, valid = invite(acme.admin, acme.organisation, "valid@example.com")
    tampered = valid[:-2] + ("xx" if valid[-2:] != "xx" else "yy")
    data = {"full_name": "Someone", "password1": PASSWORD, "password2": PASSWORD}
    cases = {
        expired: (410, "This invitation expired on"),
        revoked: (410, "This invitation was withdrawn."),
        tampered: (404, "This invitation link is not valid."),
        "not-a-token": (404, "This invitation link is not valid."),
        "x" * 5000: (404, "This invitation link is not valid."),
    }
    before = state()
    for token, (status, message) in cases.items():
        for response in (Client().get(f"/portal/invitations/{token}/"),
                         Client().post(f"/portal/invitations/{token}/", data)):  # fmt: skip
            assert response.status_code == status, token
            assert message in text(response) and "Set password and join" not in text(response)
    assert state() == before


def test_a_person_with_an_account_signs_in_and_joins_with_one_button(acme, nord):
    _invitation, token = invite(acme.admin, acme.organisation, nord.requester.email, "customer_admin")
    page = text(Client().get(f"/portal/invitations/{token}/"))
    assert f"/accounts/login/?next=%2Fportal%2Finvitations%2F{token}%2F" in page
    wrong = signed_in(acme.requester)
    before = state()
    response = wrong.post(f"/portal/invitations/{token}/")
    assert response.status_code == 403
    assert f"This invitation is for {nord.requester.email}, and you are signed in as" in text(response)
    assert state() == before
    client = signed_in(nord.requester)
    assert "Join Acme Ltd" in text(client.get(f"/portal/invitations/{token}/"))
    response = client.post(f"/portal/invitations/{token}/")
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert Membership.objects.get(user=nord.requester, organisation=acme.organisation).role == "customer_admin"
    home = text(client.get("/portal/"))
    assert "Welcome to Acme Ltd." in home and '<a href="/portal/contacts/">Contacts</a>' in home


def test_at_a_single_sign_on_domain_the_person_signs_in_through_their_provider(acme, nord):
    provider = IdentityProvider.objects.create(organisation=nord.organisation, issuer="http://127.0.0.1:9/idp",
                                               client_id="c", client_secret_sealed="x", enabled=True)  # fmt: skip
    ProviderDomain.objects.create(provider=provider, domain="nord.test")
    _invitation, token = invite(acme.admin, acme.organisation, "nils@nord.test")
    page = Client().get(f"/portal/invitations/{token}/")
    assert "Sign in through your organisation" in text(page)
    assert 'name="password1"' not in text(page)
    before = state()
    response = Client().post(f"/portal/invitations/{token}/", {"full_name": "Nils", "password1": PASSWORD,
                                                               "password2": PASSWORD})  # fmt: skip
    assert response.status_code == 400
    assert "You sign in through your organisation's sign-in service, not with a password." in text(response)
    assert state() == before
