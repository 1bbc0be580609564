"""Step-up for people created by single sign-on, who have no password: they confirm it is them by signing in again
at their organisation's provider (the real loopback provider of `tests.sso.conftest`), whose ID token must be
theirs and say they signed in just now. Nothing of the client side is mocked."""

import html
import time
import urllib.parse

import pytest
from django.test import Client
from django.urls import reverse

from picocore.accounts.stepup import PROOF_KEY
from picocore.api.models import ApiToken
from picocore.audit.models import AuditEntry
from picocore.core.clock import now
from picocore.privacy.models import PersonalDataExport
from picocore.sso.models import IdentityProvider
from picocore.sso.services import ProviderFields, identity_provider_save
from picocore.sso.views import PENDING, redirect_uri
from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.models import Membership, Organisation, User
from tests import factories
from tests.accounts.support import enrolled
from tests.factories import PASSWORD
from tests.sso import provider
from tests.sso.conftest import ADMINS, CLIENT_SECRET, SSO_MARKS, USERS

pytestmark = SSO_MARKS

STEP_UP = reverse("accounts:step_up")
ALICE = "alice@acme.test"
TOKENS = "/accounts/tokens/"
NEW_TOKEN = {"name": "Nightly import", "scopes": ["tickets:read"], "expires_in_days": "30"}


@pytest.fixture
def alice(client, idp, sso_sign_in) -> User:
    """Acme's customer admin, created just in time by single sign-on (no password), signed in in `client`."""
    assert sso_sign_in(client, ALICE, {"groups": [ADMINS]}).status_code == 302
    person = User.objects.get(email=ALICE)
    assert not person.has_usable_password()
    return person


@pytest.fixture
def pia(idp) -> User:
    """A member of Acme, whose data Alice exports."""
    person = factories.UserFactory(email="pia@acme.test")
    factories.MembershipFactory(user=person, organisation=idp.organisation, role=MembershipRole.REQUESTER)
    return person


def export_start(person: User) -> str:
    return reverse("privacy:portal_export_start", args=[person.pk])


def step_up_page(next_path: str) -> str:
    return f"{STEP_UP}?{urllib.parse.urlencode({'next': next_path})}"


def confirm_at_provider(client: Client, idp, next_path: str, claims: dict, *, authorize=None):
    """Walk a step-up the way a browser does: the step-up page's button → the provider's authorize endpoint (which
    has the person signed in there sign in again, as asked) → PicoCore's callback. `claims` are what the ID token
    says (`auth_time`: a number, or None to leave it out; else the moment of that fresh sign-in); `authorize` may
    change the authorization request before the provider sees it. Returns PicoCore's answer to the callback."""
    provider.CLAIMS[idp.account.email] = {"name": "Alice Andersen", **claims}
    started = client.post(STEP_UP, {"next": next_path})
    assert started.status_code == 302, started.content
    assert started["Location"].startswith(f"{idp.issuer}/authorize/?")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(started["Location"]).query))
    if authorize:
        authorize(query)
    at_provider = Client()
    at_provider.force_login(idp.account)
    granted = at_provider.get("/o/authorize/", query)
    if authorize is None:  # the provider honours max_age=0: the person signs in there again first
        assert granted.status_code == 302 and granted["Location"].startswith(reverse("accounts:login") + "?next=")
        again = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(granted["Location"]).query))["next"]
        at_provider.force_login(idp.account)
        granted = at_provider.get(again)
    assert granted.status_code == 302, granted.content
    assert granted["Location"].startswith(redirect_uri() + "?")
    returned = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(granted["Location"]).query))
    return client.get(reverse("sso:callback"), returned)


def ignoring_a_new_sign_in(query: dict) -> None:
    """A provider that does not honour prompt=login nor max_age."""
    query.pop("prompt")
    query.pop("max_age")


def proof(client: Client) -> object:
    return client.session.get(PROOF_KEY)


def signed_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).email if user_id else None


def test_an_sso_customer_admin_confirms_at_the_provider_and_the_export_starts(client, idp, alice, pia):
    asked = client.post(export_start(pia))
    assert asked.status_code == 302 and asked["Location"] == step_up_page(export_start(pia))
    page = client.get(asked["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Confirm with Acme's sign-in service" in text and 'name="password"' not in text
    assert 'name="csrfmiddlewaretoken"' in text

    started = client.post(STEP_UP, {"next": export_start(pia)})
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(started["Location"]).query))
    assert (query["prompt"], query["max_age"], query["client_id"]) == ("login", "0", "picocore-client")
    pending = client.session[PENDING]
    acme_provider = idp.organisation.identity_provider.pk
    assert (pending["step_up"], pending["next"], pending["provider"]) == (alice.pk, export_start(pia), acme_provider)

    audited = AuditEntry.objects.count()
    confirmed = confirm_at_provider(client, idp, export_start(pia), {"email": ALICE, "groups": [ADMINS]})
    assert confirmed.status_code == 302 and confirmed["Location"] == export_start(pia)
    assert proof(client)["factor"] == "provider"
    assert AuditEntry.objects.count() == audited  # nobody signed in, nothing changed
    assert signed_in_as(client) == ALICE
    assert PENDING not in client.session

    exported = client.post(export_start(pia))
    export = PersonalDataExport.objects.get()
    assert exported.status_code == 302 and exported["Location"] == reverse("privacy:portal_export", args=[export.uid])
    assert export.subject_id == pia.pk


def test_an_sso_customer_admin_creates_an_api_token_after_confirming_at_the_provider(client, idp, alice):
    assert client.post(TOKENS, NEW_TOKEN)["Location"] == step_up_page(TOKENS)
    assert not ApiToken.objects.exists()
    assert confirm_at_provider(client, idp, TOKENS, {"email": ALICE, "groups": [ADMINS]})["Location"] == TOKENS
    created = client.post(TOKENS, NEW_TOKEN)
    assert created.status_code == 200 and created.context["created"] is not None
    assert ApiToken.objects.filter(user=alice).count() == 1


def _refused(response, message: str) -> None:
    assert response.status_code == 403
    assert html.escape(message) in response.content.decode()


def assert_no_proof_and_no_export(client: Client, pia: User) -> None:
    assert proof(client) is None
    assert client.post(export_start(pia))["Location"] == step_up_page(export_start(pia))
    assert not PersonalDataExport.objects.exists()


@pytest.mark.parametrize(
    ("auth_time", "message"),
    [
        (None, "Acme's sign-in service did not say when you signed in there"),
        (-6 * 60, "Acme's sign-in service did not have you sign in again just now"),
        (+10 * 60, "Acme's sign-in service did not have you sign in again just now"),  # in the future
    ],
)
def test_an_answer_without_a_fresh_sign_in_is_refused(client, idp, alice, pia, auth_time, message):
    claims = {"email": ALICE, "groups": [ADMINS],
              "auth_time": None if auth_time is None else int(time.time()) + auth_time}  # fmt: skip
    refused = confirm_at_provider(client, idp, export_start(pia), claims, authorize=ignoring_a_new_sign_in)
    _refused(refused, message)
    assert f'href="{step_up_page(export_start(pia))}"'.replace("&", "&amp;") in refused.content.decode()
    assert_no_proof_and_no_export(client, pia)


def test_a_provider_that_ignores_the_request_to_sign_in_again_still_passes_when_the_sign_in_is_recent(
    client, idp, alice, pia
):
    claims = {"email": ALICE, "groups": [ADMINS], "auth_time": int(time.time()) - 60}
    confirmed = confirm_at_provider(client, idp, export_start(pia), claims, authorize=ignoring_a_new_sign_in)
    assert confirmed.status_code == 302 and proof(client)["factor"] == "provider"


@pytest.mark.parametrize("colleague_exists", [True, False])
def test_another_persons_answer_is_refused(client, idp, alice, pia, colleague_exists):
    if colleague_exists:
        bob = factories.UserFactory(email="bob@acme.test")
        factories.MembershipFactory(user=bob, organisation=idp.organisation, role=MembershipRole.CUSTOMER_ADMIN)
    people = sorted(User.objects.values_list("email", flat=True))
    refused = confirm_at_provider(client, idp, export_start(pia), {"email": "bob@acme.test", "groups": [ADMINS]})
    _refused(refused, "The sign-in service confirmed bob@acme.test, who is not the person signed in here.")
    assert signed_in_as(client) == ALICE
    assert sorted(User.objects.values_list("email", flat=True)) == people
    assert_no_proof_and_no_export(client, pia)


def test_a_step_up_changes_no_role_and_is_refused_when_the_groups_no_longer_give_it(client, idp, alice, pia):
    refused = confirm_at_provider(client, idp, export_start(pia), {"email": ALICE, "groups": [USERS]})
    _refused(refused, "Your groups at Acme's sign-in service have changed since you signed in.")
    assert list(Membership.objects.filter(user=alice).values_list("role", flat=True)) == [MembershipRole.CUSTOMER_ADMIN]
    assert_no_proof_and_no_export(client, pia)


def test_a_cancelled_confirmation_records_nothing(client, idp, alice, pia):
    client.post(STEP_UP, {"next": export_start(pia)})
    state = client.session[PENDING]["state"]
    refused = client.get(reverse("sso:callback"), {"error": "access_denied", "state": state})
    _refused(refused, "Your organisation's sign-in service did not confirm it is you.")
    assert_no_proof_and_no_export(client, pia)


def test_an_unreachable_provider_is_said_and_nothing_is_recorded(client, idp, alice, pia):
    IdentityProvider.objects.update(issuer="http://127.0.0.1:9/o")
    answered = client.post(STEP_UP, {"next": export_start(pia)})
    assert answered.status_code == 503
    assert "sign-in service cannot be reached just now" in answered.content.decode()
    assert PENDING not in client.session
    assert_no_proof_and_no_export(client, pia)


def _granted_answer(client: Client, idp, next_path: str) -> dict:
    """Start a step-up in `client` and let the provider answer, without bringing the answer back yet."""
    provider.CLAIMS[idp.account.email] = {"email": ALICE, "groups": [ADMINS]}
    started = client.post(STEP_UP, {"next": next_path})
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(started["Location"]).query))
    ignoring_a_new_sign_in(query)
    at_provider = Client()
    at_provider.force_login(idp.account)
    granted = at_provider.get("/o/authorize/", query)
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(granted["Location"]).query))


def test_nobody_else_gains_a_proof_from_a_step_up_answer(client, idp, alice, pia):
    answer = _granted_answer(client, idp, export_start(pia))
    anonymous = Client()
    _refused(anonymous.get(reverse("sso:callback"), answer), "This sign-in was not started here")
    assert PROOF_KEY not in anonymous.session and "_auth_user_id" not in anonymous.session

    nord = factories.OrganisationFactory(name="Nord")
    ole = factories.UserFactory(email="ole@nord.test")
    factories.MembershipFactory(user=ole, organisation=nord, role=MembershipRole.CUSTOMER_ADMIN)
    foreign = Client()
    foreign.force_login(ole)
    _refused(foreign.get(reverse("sso:callback"), answer), "This sign-in was not started here")
    assert PROOF_KEY not in foreign.session and signed_in_as(foreign) == "ole@nord.test"

    # The answer is still Alice's to bring back, once.
    assert client.get(reverse("sso:callback"), answer)["Location"] == export_start(pia)
    assert proof(client)["factor"] == "provider"


def test_signing_in_as_someone_else_drops_a_pending_step_up(client, idp, alice, pia):
    answer = _granted_answer(client, idp, export_start(pia))
    nord = factories.OrganisationFactory(name="Nord")
    ole = factories.UserFactory(email="ole@nord.test")
    factories.MembershipFactory(user=ole, organisation=nord, role=MembershipRole.CUSTOMER_ADMIN)
    client.force_login(ole)
    _refused(client.get(reverse("sso:callback"), answer), "This sign-in was not started here")
    assert signed_in_as(client) == "ole@nord.test" and proof(client) is None


def test_people_with_a_password_or_an_app_keep_their_form(client, idp, alice):
    alice.set_password(PASSWORD)
    alice.save()
    client.force_login(alice)
    page = client.get(step_up_page(TOKENS)).content.decode()
    assert 'name="password"' in page and "sign-in service" not in page
    assert client.post(STEP_UP, {"next": TOKENS, "password": PASSWORD})["Location"] == TOKENS
    assert proof(client)["factor"] == "password"

    alice.set_unusable_password()
    alice.save()
    enrolled(alice)
    client.force_login(alice)
    page = client.get(step_up_page(TOKENS)).content.decode()
    assert 'name="code"' in page and "sign-in service" not in page
    # A sign-in at the provider does not stand in for the app.
    session = client.session
    session[PROOF_KEY] = {"at": now().isoformat(), "factor": "provider"}
    session.save()
    assert client.post(TOKENS, NEW_TOKEN)["Location"] == step_up_page(TOKENS)
    assert not ApiToken.objects.exists()


def _nord_with_provider(idp) -> Organisation:
    """Nord signs in through the same provider and client as Acme (as two organisations of one group might),
    for the domain nord.test."""
    nord = factories.OrganisationFactory(name="Nord")
    identity_provider_save(actor=idp.manager, organisation_id=nord.pk, fields=ProviderFields(
        issuer=idp.issuer, client_id="picocore-client", client_secret=CLIENT_SECRET, groups_claim="groups",
        enabled=True, domains=["nord.test"], mappings=[(ADMINS, MembershipRole.CUSTOMER_ADMIN)],
    ))  # fmt: skip
    return nord


def test_each_person_confirms_through_their_own_organisations_provider_only(client, idp, sso_sign_in):
    nord = _nord_with_provider(idp)
    assert sso_sign_in(client, "nils@nord.test", {"groups": [ADMINS]}).status_code == 302
    page = client.get(step_up_page(TOKENS)).content.decode()
    assert "Confirm with Nord's sign-in service" in page and "Acme" not in page
    client.post(STEP_UP, {"next": TOKENS})
    assert client.session[PENDING]["provider"] == nord.identity_provider.pk

    # Nord's provider vouching for an Acme address does not confirm anyone at Nord.
    refused = confirm_at_provider(client, idp, TOKENS, {"email": ALICE, "groups": [ADMINS]})
    _refused(refused, "alice@acme.test is not an address of Nord")
    assert proof(client) is None and signed_in_as(client) == "nils@nord.test"
    confirmed = confirm_at_provider(client, idp, TOKENS, {"email": "nils@nord.test", "groups": [ADMINS]})
    assert confirmed["Location"] == TOKENS and proof(client)["factor"] == "provider"


def test_no_provider_is_offered_outside_ones_own_organisation(client, idp):
    nord = factories.OrganisationFactory(name="Nord")
    # An address at Acme's domain, without a password, but a member of Nord only.
    stray = factories.UserFactory(email="stray@acme.test")
    stray.set_unusable_password()
    stray.save()
    factories.MembershipFactory(user=stray, organisation=nord, role=MembershipRole.CUSTOMER_ADMIN)
    # A Nord member without a password, while Nord has no provider.
    nils = factories.UserFactory(email="nils@nord.test")
    nils.set_unusable_password()
    nils.save()
    factories.MembershipFactory(user=nils, organisation=nord, role=MembershipRole.CUSTOMER_ADMIN)
    for person in (stray, nils):
        client.force_login(person)
        page = client.get(step_up_page(TOKENS)).content.decode()
        assert 'name="password"' in page and "sign-in service" not in page, person
        assert client.post(STEP_UP, {"next": TOKENS}).status_code == 400
        assert PENDING not in client.session and proof(client) is None
