"""Signing in through an organisation's identity provider: a real OpenID Connect provider (django-oauth-toolkit)
runs on loopback; nothing of the client side is mocked."""

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.urls import reverse

from picocore.audit.models import AuditEntry
from picocore.sso.models import IdentityProvider
from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.models import Membership, User
from tests import factories
from tests.factories import PASSWORD
from tests.sso.conftest import ADMINS, SSO_MARKS, USERS

pytestmark = SSO_MARKS


def signed_in_as(client) -> str | None:
    response = client.get(reverse("accounts:login"))  # redirects a signed-in person away
    if response.status_code != 302:
        return None
    return User.objects.get(pk=client.session["_auth_user_id"]).email


def memberships(email: str) -> list[tuple[str, str]]:
    return sorted(Membership.objects.filter(user__email=email).values_list("organisation__name", "role"))


def world() -> tuple:
    return (sorted(User.objects.values_list("email", "staff_role", "is_staff")),
            sorted(Membership.objects.values_list("user__email", "organisation__name", "role")))  # fmt: skip


def test_a_new_person_is_created_just_in_time_as_a_member_of_that_organisation_only(client, idp, sso_sign_in):
    factories.OrganisationFactory(name="Nord")
    response = sso_sign_in(client, "alice@acme.test", {"groups": [USERS, "cafeteria"]})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    alice = User.objects.get(email="alice@acme.test")
    assert (alice.full_name, alice.staff_role, alice.is_staff, alice.is_superuser) == ("Alice Andersen", "", False,
                                                                                         False)  # fmt: skip
    assert not alice.has_usable_password()
    assert alice.default_organisation == idp.organisation
    assert memberships("alice@acme.test") == [("Acme", MembershipRole.REQUESTER)]
    assert signed_in_as(client) == "alice@acme.test"
    membership = Membership.objects.get(user=alice)
    audited = AuditEntry.objects.filter(actor=alice).order_by("id").values_list("action", "object_id", "object_repr")
    assert list(audited) == [("created", str(alice.pk), "Alice Andersen"),
                             ("created", str(membership.pk), "Alice Andersen · Acme (Requester)"),
                             ("signed_in", str(alice.pk), "Alice Andersen")]  # fmt: skip
    signed = AuditEntry.objects.get(action="signed_in")
    assert signed.changes == {"email": {"before": None, "after": "alice@acme.test"},
                              "provider": {"before": None, "after": idp.issuer}}  # fmt: skip


def test_the_group_decides_the_role_and_losing_it_removes_the_role_at_the_next_sign_in(client, idp, sso_sign_in):
    assert sso_sign_in(client, "alice@acme.test", {"groups": [USERS, ADMINS]}).status_code == 302
    assert memberships("alice@acme.test") == [("Acme", MembershipRole.CUSTOMER_ADMIN)]  # the first row that matches
    client.logout()

    assert sso_sign_in(client, "alice@acme.test", {"groups": [USERS]}).status_code == 302
    assert memberships("alice@acme.test") == [("Acme", MembershipRole.REQUESTER)]
    client.logout()

    refused = sso_sign_in(client, "alice@acme.test", {"groups": ["cafeteria"]})
    assert refused.status_code == 403
    assert "is in no group that gives access to PicoCore" in refused.content.decode()
    assert memberships("alice@acme.test") == []
    assert signed_in_as(client) is None


def test_a_person_in_no_mapped_group_is_refused_and_nothing_is_created(client, idp, sso_sign_in):
    before = world()
    refused = sso_sign_in(client, "alice@acme.test", {"groups": []})
    assert refused.status_code == 403
    assert world() == before
    assert signed_in_as(client) is None


def test_an_existing_account_keeps_its_other_organisations(client, idp, sso_sign_in):
    nord = factories.OrganisationFactory(name="Nord")
    bob = factories.UserFactory(email="bob@acme.test", full_name="Bob")
    factories.MembershipFactory(user=bob, organisation=nord, role=MembershipRole.CUSTOMER_ADMIN)
    assert sso_sign_in(client, "Bob@ACME.test", {"groups": [USERS]}).status_code == 302
    assert memberships("bob@acme.test") == [("Acme", MembershipRole.REQUESTER), ("Nord", MembershipRole.CUSTOMER_ADMIN)]
    assert User.objects.get(pk=bob.pk).full_name == "Bob"
    assert signed_in_as(client) == "bob@acme.test"


def test_an_address_outside_the_organisations_domains_is_refused_and_nothing_is_created(client, idp, sso_sign_in):
    factories.OrganisationFactory(name="Nord")
    before = world()

    def foreign(query):
        from tests.sso import provider

        provider.CLAIMS[idp.account.email]["email"] = "mallory@nord.test"

    refused = sso_sign_in(client, "mallory@acme.test", {"groups": [ADMINS]}, authorize=foreign)
    assert refused.status_code == 403
    assert "is not an address of Acme" in refused.content.decode()
    assert world() == before
    failed = AuditEntry.objects.get(action="sign_in_failed")
    assert (failed.actor, failed.object_id) == (None, str(idp.organisation.identity_provider.pk))
    assert failed.changes["email"] == {"before": None, "after": "mallory@nord.test"}
    assert "is not an address of Acme" in failed.changes["reason"]["after"]
    assert signed_in_as(client) is None


def test_a_tampered_state_is_refused(client, idp, sso_sign_in):
    before = world()

    def tamper(returned):
        returned["state"] = returned["state"][:-1] + ("A" if returned["state"][-1] != "A" else "B")

    refused = sso_sign_in(client, "alice@acme.test", {"groups": [USERS]}, answer=tamper)
    assert refused.status_code == 403
    assert "was not started here" in refused.content.decode()
    assert world() == before
    assert signed_in_as(client) is None


def test_a_tampered_nonce_is_refused(client, idp, sso_sign_in):
    before = world()

    def tamper(query):
        query["nonce"] = "a-nonce-this-session-never-sent"

    refused = sso_sign_in(client, "alice@acme.test", {"groups": [USERS]}, authorize=tamper)
    assert refused.status_code == 403
    assert "could not be verified" in refused.content.decode()
    assert world() == before
    assert signed_in_as(client) is None


def test_an_answer_is_accepted_once(client, idp, sso_sign_in):
    kept = {}
    assert sso_sign_in(client, "alice@acme.test", {"groups": [USERS]}, answer=kept.update).status_code == 302
    client.logout()
    replayed = client.get(reverse("sso:callback"), kept)
    assert replayed.status_code == 403
    assert signed_in_as(client) is None


def test_a_password_does_not_sign_in_anyone_of_a_single_sign_on_domain(client, idp):
    carol = factories.UserFactory(email="carol@acme.test")
    factories.MembershipFactory(user=carol, organisation=idp.organisation)
    # The sign-in page sends her to the provider, right password or not …
    started = client.post(reverse("accounts:login"), {"username": "carol@acme.test", "password": PASSWORD})
    assert started.status_code == 302
    assert started["Location"].startswith(f"{idp.issuer}/authorize/?")
    assert signed_in_as(client) is None
    # … and no other way in takes her password (the admin site's sign-in, any authenticate call).
    assert authenticate(RequestFactory().post("/admin/login/"), username="carol@acme.test", password=PASSWORD) is None
    # Once the organisation turns single sign-on off, her password works again.
    IdentityProvider.objects.filter(pk=idp.organisation.identity_provider.pk).update(enabled=False)
    assert authenticate(RequestFactory().post("/admin/login/"), username="carol@acme.test", password=PASSWORD) == carol


def test_a_staff_account_is_not_signed_in_through_a_customers_provider(client, idp, sso_sign_in):
    # Saving the domains refuses staff addresses; one that became staff later is still refused at sign-in.
    dave = factories.UserFactory(email="dave@acme.test")
    User.objects.filter(pk=dave.pk).update(staff_role="consultant")
    refused = sso_sign_in(client, "dave@acme.test", {"groups": [ADMINS]})
    assert refused.status_code == 403
    assert memberships("dave@acme.test") == []
    assert signed_in_as(client) is None


@pytest.mark.parametrize("email", ["person@elsewhere.test", "not-an-address"])
def test_other_addresses_sign_in_with_their_password_as_before(client, idp, email):
    factories.UserFactory(email="person@elsewhere.test")
    response = client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})
    if email == "not-an-address":
        assert response.status_code == 200
        assert signed_in_as(client) is None
    else:
        assert response.status_code == 302
        assert signed_in_as(client) == "person@elsewhere.test"
