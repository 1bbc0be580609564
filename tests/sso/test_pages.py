"""The desk's single sign-on pages: service managers and administrators configure an organisation's provider;
everyone else (consultants, serving the organisation or not, developers, customers) gets 404 on every URL and
changes nothing. What is saved is checked: domains, issuer, secret (sealed), mapping."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.accounts.reset import password_reset_send
from picocore.audit.models import AuditEntry
from picocore.outbox.models import OutboxEmail
from picocore.sso import urls as sso_urls
from picocore.sso.models import GroupRole, IdentityProvider, ProviderDomain
from picocore.sso.services import ProviderFields, client_secret, identity_provider_save
from picocore.tenancy.choices import MembershipRole, StaffRole
from tests import factories
from tests.support_queries import data_statements

DESK_URLS = [p.name for p in sso_urls.urlpatterns if str(p.pattern).startswith("desk/")]


@pytest.fixture
def manager(db):
    return factories.StaffFactory(full_name="Mia Manager", staff_role=StaffRole.SERVICE_MANAGER)


def form_data(**overrides):
    data = {
        "issuer": "https://login.acme.example/realms/acme",
        "client_id": "picocore",
        "client_secret": "the-secret",
        "domains": "Acme.example\nacme-group.example.\n",
        "groups_claim": "groups",
        "enabled": "on",
        "mapping-TOTAL_FORMS": "3",
        "mapping-INITIAL_FORMS": "0",
        "mapping-0-group": "pc-admins",
        "mapping-0-role": MembershipRole.CUSTOMER_ADMIN,
        "mapping-1-group": "pc-users",
        "mapping-1-role": MembershipRole.REQUESTER,
        "mapping-2-group": "",
        "mapping-2-role": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def state():
    return (list(IdentityProvider.objects.values_list("organisation_id", "issuer", "client_id", "client_secret_sealed",
                                                      "groups_claim", "enabled")),
            sorted(ProviderDomain.objects.values_list("provider__organisation_id", "domain")),
            list(GroupRole.objects.values_list("provider__organisation_id", "group", "role", "position")),
            AuditEntry.objects.count())  # fmt: skip


@pytest.fixture
def configured(acme, manager):
    identity_provider_save(actor=manager, organisation_id=acme.organisation.pk, fields=ProviderFields(
        issuer="https://login.acme.example", client_id="picocore", client_secret="first-secret", groups_claim="groups",
        enabled=True, domains=["acme.example"], mappings=[("pc-users", MembershipRole.REQUESTER)],
    ))  # fmt: skip
    return acme


def url(name, organisation):
    return reverse(f"sso:{name}", kwargs={"organisation_id": organisation.pk} if name == "organisation" else {})


@pytest.mark.parametrize("name", DESK_URLS)
@pytest.mark.parametrize("who", ["serving consultant", "other consultant", "developer", "customer admin", "requester"])
def test_nobody_but_managers_reaches_a_single_sign_on_page(client, configured, consultant, name, who):
    people = {
        "serving consultant": consultant,  # in the operations team serving ACME
        "other consultant": factories.StaffFactory(staff_role=StaffRole.CONSULTANT),
        "developer": factories.StaffFactory(staff_role=StaffRole.DEVELOPER),
        "customer admin": configured.admin,
        "requester": configured.requester,
    }
    path = url(name, configured.organisation)
    before = state()
    client.force_login(people[who])
    assert client.get(path).status_code == 404
    assert client.post(path, form_data(domains="evil.example")).status_code in (404, 405)
    assert state() == before
    client.logout()
    assert client.get(path).status_code == 302  # to the sign-in page


def test_an_organisation_that_does_not_exist_is_not_found(client, manager, db):
    client.force_login(manager)
    assert client.get(reverse("sso:organisation", kwargs={"organisation_id": 987654})).status_code == 404


def test_the_page_offers_every_organisation_role_and_the_redirect_uri(client, acme, manager, settings):
    settings.PICOCORE_BASE_URL = "https://desk.service.example/"
    client.force_login(manager)
    page = client.get(url("organisation", acme.organisation)).content.decode()
    for value, label in MembershipRole.choices:
        assert f'<option value="{value}">{label}</option>' in page
    assert "https://desk.service.example/accounts/sso/callback/" in page


def test_a_manager_configures_an_organisation(client, acme, manager):
    client.force_login(manager)
    response = client.post(url("organisation", acme.organisation), form_data())
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(organisation=acme.organisation)
    assert (provider.issuer, provider.client_id, provider.groups_claim, provider.enabled) == (
        "https://login.acme.example/realms/acme", "picocore", "groups", True)  # fmt: skip
    assert "the-secret" not in provider.client_secret_sealed
    assert client_secret(provider) == "the-secret"
    assert sorted(provider.domains.values_list("domain", flat=True)) == ["acme-group.example", "acme.example"]
    assert list(provider.group_roles.values_list("group", "role", "position")) == [
        ("pc-admins", MembershipRole.CUSTOMER_ADMIN, 0), ("pc-users", MembershipRole.REQUESTER, 1)]  # fmt: skip
    entry = AuditEntry.objects.get(object_id=str(provider.pk), content_type__model="identityprovider")
    assert entry.actor == manager
    assert entry.changes["client_secret_sealed"] == {"before": None, "after": "(hidden)"}
    assert entry.changes["domains"] == {"before": None, "after": ["acme-group.example", "acme.example"]}
    listing = client.get(reverse("sso:organisations")).content.decode()
    assert "acme-group.example, acme.example" in listing


def test_a_blank_secret_keeps_the_stored_one_and_changes_are_audited(client, configured, manager):
    client.force_login(manager)
    response = client.post(url("organisation", configured.organisation), form_data(client_secret="", enabled=None))
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(organisation=configured.organisation)
    assert client_secret(provider) == "first-secret"
    assert provider.enabled is False
    entry = AuditEntry.objects.filter(content_type__model="identityprovider").order_by("-id").first()
    assert "client_secret_sealed" not in entry.changes
    assert entry.changes["enabled"] == {"before": True, "after": False}
    again = client.post(url("organisation", configured.organisation), form_data(client_secret="second-secret"))
    assert again.status_code == 302
    entry = AuditEntry.objects.filter(content_type__model="identityprovider").order_by("-id").first()
    assert entry.changes["client_secret_sealed"] == {"before": "(hidden)", "after": "(changed)"}
    assert client_secret(IdentityProvider.objects.get(pk=provider.pk)) == "second-secret"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"domains": "acme.example\nnot a domain"}, "not a domain is not an e-mail domain"),
        ({"domains": "localhost"}, "localhost is not an e-mail domain"),
        ({"domains": "acme\x00.example"}, "Null characters are not allowed"),
        ({"domains": ""}, "needs at least one e-mail domain"),
        ({"issuer": "http://login.acme.example"}, "must use https://"),
        ({"issuer": "https://login.acme.example/?tenant=1"}, "no query"),
        ({"issuer": "ftp://login.acme.example"}, "Give the issuer&#x27;s address"),
        ({"issuer": "https://" + "a" * 496 + ".example"}, "Ensure this value has at most 500 characters"),
        ({"client_secret": ""}, "Give the client secret"),
        ({"groups_claim": "my groups"}, "the claim that lists the person"),
        ({"mapping-0-group": "", "mapping-1-group": ""}, "Map at least one group to a role"),
        ({"mapping-1-group": "pc-admins"}, "The group pc-admins is mapped twice"),
        ({"mapping-1-role": ""}, "Choose a role for the group pc-users"),
        ({"mapping-1-role": "overlord"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_changes(client, acme, manager, overrides, message):
    client.force_login(manager)
    before = state()
    response = client.post(url("organisation", acme.organisation), form_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state() == before


def test_a_domain_belongs_to_one_organisation_only(client, configured, nord, manager):
    client.force_login(manager)
    before = state()
    response = client.post(url("organisation", nord.organisation), form_data(domains="nord.example\nACME.example"))
    assert response.status_code == 400
    assert "Already owned by another organisation: acme.example." in response.content.decode()
    assert state() == before


def test_a_domain_where_staff_have_addresses_is_refused(client, acme, manager):
    factories.StaffFactory(email="carla@acme.example", staff_role=StaffRole.CONSULTANT)
    client.force_login(manager)
    before = state()
    response = client.post(url("organisation", acme.organisation), form_data())
    assert response.status_code == 400
    assert "A member of staff has an address at one of these domains" in response.content.decode()
    assert state() == before


def test_the_list_reads_a_constant_number_of_queries(client, manager, db):
    def count() -> int:
        client.force_login(manager)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("sso:organisations")).status_code == 200
        return len(data_statements(captured))

    def organisation_with_provider(n: int) -> None:
        organisation = factories.OrganisationFactory()
        identity_provider_save(actor=manager, organisation_id=organisation.pk, fields=ProviderFields(
            issuer="https://login.example", client_id="c", client_secret="s", groups_claim="groups", enabled=True,
            domains=[f"org{n}.example", f"org{n}-b.example"], mappings=[("g", MembershipRole.REQUESTER)],
        ))  # fmt: skip

    organisation_with_provider(1)
    small = count()
    for n in range(2, 7):
        organisation_with_provider(n)
    factories.OrganisationFactory()
    assert count() == small


def test_no_password_reset_link_goes_to_an_address_at_a_single_sign_on_domain(configured):
    factories.UserFactory(email="erin@acme.example")
    factories.UserFactory(email="erin@elsewhere.example")
    assert password_reset_send(email="erin@acme.example") == 0
    assert password_reset_send(email="erin@elsewhere.example") == 1  # the same request elsewhere writes one
    assert list(OutboxEmail.objects.values_list("recipient__email", flat=True)) == ["erin@elsewhere.example"]
    IdentityProvider.objects.filter(organisation=configured.organisation).update(enabled=False)
    assert password_reset_send(email="erin@acme.example") == 1


def test_the_longest_domain_and_group_names_are_kept_whole(client, acme, manager):
    longest_domain = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])  # 253 characters
    longest_group = "g" * 255
    client.force_login(manager)
    data = form_data(domains=longest_domain, **{"mapping-0-group": longest_group, "mapping-1-group": ""})
    assert client.post(url("organisation", acme.organisation), data).status_code == 302
    provider = IdentityProvider.objects.get(organisation=acme.organisation)
    assert list(provider.domains.values_list("domain", flat=True)) == [longest_domain]
    assert list(provider.group_roles.values_list("group", flat=True)) == [longest_group]
    before = state()
    too_long = form_data(domains="e" + longest_domain, **{"mapping-0-group": longest_group + "g"})
    response = client.post(url("organisation", acme.organisation), too_long)
    assert response.status_code == 400
    assert state() == before
