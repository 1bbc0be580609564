"""Every role × the portal's contacts pages (`members:`) and personal-data pages (`privacy:portal_*`): what each
person gets, that a refusal changes nothing, and that each allowed write makes its change and no other.

The URLs are walked from the root URL configuration (tests/fuzz/urls.py); one without a row in `EXPECTED` fails.
Every signed-in person has proved themselves recently, so that a refusal here is the permission policies'
(picocore/members/permissions.py, picocore/privacy/permissions.py), not the step-up page's. The invitation link
(`members:invitation`) is open to whoever holds it: an anonymous visitor reads it and accepts it there, anyone
signed in with another address is refused.
"""

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from picocore.members.models import Invitation
from picocore.privacy.choices import ExportStatus
from picocore.privacy.models import Erasure, PersonalDataExport
from picocore.privacy.services.erasure import is_erased, person_erase
from picocore.privacy.services.exports import export_build, export_start
from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.models import Membership, User
from tests import factories
from tests.conftest import Customer, prove_recently
from tests.fuzz.urls import project_routes
from tests.members.support import invite
from tests.members.support import state as contacts_state
from tests.portal.support import body, login_redirect
from tests.roles.test_matrix import ROLES, _people

pytestmark = pytest.mark.django_db

MEMBER = "Mia Member"
INVITED = "pending@acme.test"
NEWCOMER = "newcomer@acme.test"
PASSWORD = "a long enough passphrase 42"
# What of ACME's another organisation's admin must not find on their own organisation's pages.
ACME_STRINGS = ("Acme Ltd", MEMBER, INVITED, "Eli Erased")


@dataclass
class World:
    acme: Customer
    nord: Customer
    people: dict[str, object]  # by role, as in `ROLES` (None: anonymous)
    member: Membership  # ACME's requester Mia, acted on: role, removal, export, erasure
    invitation: Invitation  # ACME's, open
    token: str  # its link's
    erasure: Erasure  # of a former ACME member, by ACME's admin
    export: PersonalDataExport  # Mia's, asked for by ACME's admin, ready to download
    failed: PersonalDataExport  # ACME's requester's, asked for by ACME's admin, failed: to retry


@pytest.fixture
def world(acme: Customer, nord: Customer, consultant: User) -> World:
    organisation = acme.organisation
    people = _people(SimpleNamespace(acme=acme, nord=nord, consultant=consultant))  # as tests/roles/test_matrix.py
    mia = factories.UserFactory(full_name=MEMBER)
    member = factories.MembershipFactory(user=mia, organisation=organisation, role=MembershipRole.REQUESTER)
    invitation, token = invite(acme.admin, organisation, INVITED, role=MembershipRole.APPROVER)
    erased = factories.UserFactory(full_name="Eli Erased")
    factories.MembershipFactory(user=erased, organisation=organisation)
    erasure = person_erase(actor=acme.admin, subject_id=erased.pk, organisation_id=organisation.pk, blank_texts=False)
    ready = export_start(actor=acme.admin, subject_id=mia.pk, organisation_id=organisation.pk)
    assert export_build(export_id=ready.pk) is True
    failed = export_start(actor=acme.admin, subject_id=acme.requester.pk, organisation_id=organisation.pk)
    PersonalDataExport.objects.filter(pk=failed.pk).update(status=ExportStatus.FAILED, error="OSError")
    ready.refresh_from_db()
    failed.refresh_from_db()
    return World(acme, nord, people, member, invitation, token, erasure, ready, failed)


def _nothing(world: World) -> dict:
    return {}


@dataclass(frozen=True)
class Case:
    """How to request one URL about ACME's contacts; every method but `methods` answers 405."""

    methods: tuple[str, ...]
    kwargs: Callable[[World], dict] = _nothing
    data: Callable[[World], dict] = _nothing


def _member(world: World) -> dict:
    return {"membership_id": world.member.pk}


def _person(world: World) -> dict:
    return {"person_id": world.member.user_id}


CASES: dict[str, Case] = {
    "members:contacts": Case(methods=("GET",)),
    # The contacts page's form, as it is shown for ACME (another organisation's admin is told they switched away).
    "members:invite": Case(
        methods=("POST",),
        data=lambda w: {
            "email": NEWCOMER,
            "role": MembershipRole.REQUESTER,
            "language": "",
            "form_organisation": w.acme.organisation.pk,
        },
    ),
    "members:role": Case(methods=("POST",), kwargs=_member, data=lambda w: {"role": MembershipRole.APPROVER}),
    "members:remove": Case(methods=("GET", "POST"), kwargs=_member),
    "members:revoke": Case(methods=("POST",), kwargs=lambda w: {"invitation_id": w.invitation.pk}),
    "members:invitation": Case(
        methods=("GET", "POST"),
        kwargs=lambda w: {"token": w.token},
        data=lambda w: {"full_name": "Nina Newcomer", "password1": PASSWORD, "password2": PASSWORD},
    ),
    "privacy:portal_index": Case(methods=("GET",)),
    "privacy:portal_person": Case(methods=("GET",), kwargs=_person),
    "privacy:portal_export_start": Case(methods=("POST",), kwargs=_person),
    "privacy:portal_erase": Case(methods=("POST",), kwargs=_person, data=lambda w: {"confirm": "yes"}),
    "privacy:portal_erasure": Case(methods=("GET",), kwargs=lambda w: {"erasure_id": w.erasure.pk}),
    "privacy:portal_export": Case(methods=("GET",), kwargs=lambda w: {"export_uid": w.export.uid}),
    "privacy:portal_export_download": Case(methods=("GET",), kwargs=lambda w: {"export_uid": w.export.uid}),
    "privacy:portal_export_retry": Case(methods=("POST",), kwargs=lambda w: {"export_uid": w.failed.uid}),
}

# (url name, method) → the status per role, in `ROLES` order. 302 for anonymous is the sign-in page, but where
# `WRITES` says what the request does.
EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    # anonymous, developer, foreign customer admin, consultant, viewer, approver, billing contact, customer admin,
    # requester
    # Contacts: ACME's customer admins; its other members are told who manages them (403), as are staff, who are
    # no contact of any customer; another organisation's admin reads their own list and finds none of ACME's people.
    ("members:contacts", "GET"): (302, 403, 200, 403, 403, 403, 403, 200, 403),
    ("members:invite", "POST"): (302, 403, 302, 403, 403, 403, 403, 302, 403),
    ("members:role", "POST"): (302, 403, 404, 403, 403, 403, 403, 302, 403),
    ("members:remove", "GET"): (302, 403, 404, 403, 403, 403, 403, 200, 403),
    ("members:remove", "POST"): (302, 403, 404, 403, 403, 403, 403, 302, 403),
    ("members:revoke", "POST"): (302, 403, 404, 403, 403, 403, 403, 302, 403),
    # The invitation's link: its holder reads it; only its address accepts it (here: someone with no account yet).
    ("members:invitation", "GET"): (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("members:invitation", "POST"): (302, 403, 403, 403, 403, 403, 403, 403, 403),
    # Personal data: for customer admins only, of their own organisation's members; the pages do not exist for
    # anyone else (404), and an export or erasure record is only its maker's.
    ("privacy:portal_index", "GET"): (302, 404, 200, 404, 404, 404, 404, 200, 404),
    ("privacy:portal_person", "GET"): (302, 404, 404, 404, 404, 404, 404, 200, 404),
    ("privacy:portal_export_start", "POST"): (302, 404, 404, 404, 404, 404, 404, 302, 404),
    ("privacy:portal_erase", "POST"): (302, 404, 404, 404, 404, 404, 404, 302, 404),
    ("privacy:portal_erasure", "GET"): (302, 404, 404, 404, 404, 404, 404, 200, 404),
    ("privacy:portal_export", "GET"): (302, 404, 404, 404, 404, 404, 404, 200, 404),
    ("privacy:portal_export_download", "GET"): (302, 404, 404, 404, 404, 404, 404, 200, 404),
    ("privacy:portal_export_retry", "POST"): (302, 404, 404, 404, 404, 404, 404, 302, 404),
}

# The pages on which another organisation's admin gets their own organisation's list.
OWN_LISTS = ("members:contacts", "privacy:portal_index")
EXPORT_FIELDS = ("pk", "subject_id", "requested_by_id", "scope", "status", "attempts", "error")


def full_state() -> dict:
    """What a contacts or personal-data request could change: people, memberships, invitations, outbox, audit,
    sessions (tests/members/support.py), exports and erasures."""
    return contacts_state() | {
        "active": list(User.objects.order_by("pk").values_list("pk", "is_active")),
        "exports": list(PersonalDataExport.objects.order_by("pk").values_list(*EXPORT_FIELDS)),
        "erasures": list(Erasure.objects.order_by("pk").values_list("pk", "subject_id", "actor_id")),
    }


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(key for key in before if before[key] != after[key])


Check = Callable[[World, object, dict, dict], None]


def _invited(world: World, response, before: dict, after: dict) -> None:
    made = Invitation.objects.get(email=NEWCOMER)
    assert (made.organisation, made.role, made.invited_by, made.is_open) == (
        world.acme.organisation, MembershipRole.REQUESTER, world.acme.admin, True)  # fmt: skip
    assert response["Location"] == reverse("members:contacts")
    assert after["outbox"] == before["outbox"] + 1
    assert _changed(before, after) == ["audit", "invitations", "outbox"]


def _role_changed(world: World, response, before: dict, after: dict) -> None:
    assert Membership.objects.get(pk=world.member.pk).role == MembershipRole.APPROVER
    assert response["Location"] == reverse("members:contacts")
    assert _changed(before, after) == ["audit", "memberships"]


def _removed(world: World, response, before: dict, after: dict) -> None:
    assert not Membership.objects.filter(pk=world.member.pk).exists()
    assert User.objects.filter(pk=world.member.user_id).exists()  # the person stays, with their requests
    assert response["Location"] == reverse("members:contacts")
    assert _changed(before, after) == ["audit", "memberships"]


def _revoked(world: World, response, before: dict, after: dict) -> None:
    revoked = Invitation.objects.get(pk=world.invitation.pk)
    assert (revoked.revoked_by, revoked.is_open) == (world.acme.admin, False)
    assert response["Location"] == reverse("members:contacts")
    assert _changed(before, after) == ["audit", "invitations"]


def _accepted(world: World, response, before: dict, after: dict) -> None:
    person = User.objects.get(email=INVITED)
    assert person.full_name == "Nina Newcomer" and person.check_password(PASSWORD)
    joined = Membership.objects.get(user=person)
    assert (joined.organisation, joined.role) == (world.acme.organisation, MembershipRole.APPROVER)
    assert Invitation.objects.get(pk=world.invitation.pk).accepted_by == person
    assert response["Location"] == reverse("portal:home")
    assert _changed(before, after) == ["active", "audit", "invitations", "memberships", "sessions", "users"]


def _export_started(world: World, response, before: dict, after: dict) -> None:
    started = PersonalDataExport.objects.exclude(pk__in=[world.export.pk, world.failed.pk]).get()
    assert (started.subject_id, started.requested_by, started.scope, started.status) == (
        world.member.user_id, world.acme.admin, f"org:{world.acme.organisation.pk}", ExportStatus.QUEUED)  # fmt: skip
    assert response["Location"] == reverse("privacy:portal_export", args=[started.uid])
    assert _changed(before, after) == ["audit", "exports"]


def _erased(world: World, response, before: dict, after: dict) -> None:
    person = User.objects.get(pk=world.member.user_id)
    made = Erasure.objects.exclude(pk=world.erasure.pk).get()
    assert is_erased(person) and MEMBER not in person.full_name
    assert (made.subject_id, made.actor, made.organisation) == (person.pk, world.acme.admin, world.acme.organisation)
    assert not Membership.objects.filter(pk=world.member.pk).exists()
    assert response["Location"] == reverse("privacy:portal_erasure", args=[made.pk])
    assert _changed(before, after) == ["active", "audit", "erasures", "memberships", "users"]


def _requeued(world: World, response, before: dict, after: dict) -> None:
    again = PersonalDataExport.objects.get(pk=world.failed.pk)
    assert (again.status, again.error) == (ExportStatus.QUEUED, "")
    assert PersonalDataExport.objects.count() == 2  # the same export, no second one
    assert response["Location"] == reverse("privacy:portal_export", args=[again.uid])
    assert _changed(before, after) == ["exports"]


# (url name, method) → the roles whose request changes something, and what it changes. Each gets a world of its
# own; everybody else shares one, in `ROLES` order, and must change nothing at all.
WRITES: dict[tuple[str, str], dict[str, Check]] = {
    ("members:invite", "POST"): {"customer admin": _invited},
    ("members:role", "POST"): {"customer admin": _role_changed},
    ("members:remove", "POST"): {"customer admin": _removed},
    ("members:revoke", "POST"): {"customer admin": _revoked},
    ("members:invitation", "POST"): {"anonymous": _accepted},
    ("privacy:portal_export_start", "POST"): {"customer admin": _export_started},
    ("privacy:portal_erase", "POST"): {"customer admin": _erased},
    ("privacy:portal_export_retry", "POST"): {"customer admin": _requeued},
}


def _url_names() -> list[str]:
    """The contacts and personal-data URLs of the portal, walked from the root URL configuration."""
    return sorted(
        route.name
        for route in project_routes()
        if route.name.startswith("members:")
        or (route.name.startswith("privacy:") and route.route.startswith("portal/"))
    )


URL_NAMES = _url_names()


def _cases() -> list[tuple[str, str, str]]:
    return [
        (name, method, group)
        for name in URL_NAMES
        for method in ("GET", "POST")
        for group in ("readers", *WRITES.get((name, method), {}))
    ]


@pytest.mark.parametrize(("name", "method", "group"), _cases())
def test_each_role_gets_what_its_role_allows_and_only_allowed_writes_change_anything(
    world, name, method, group, subtests
):
    case = CASES.get(name)
    assert case is not None, f"{name} has no case; add one to CASES and its rows to EXPECTED"
    writers = WRITES.get((name, method), {})
    path = reverse(name, kwargs=case.kwargs(world))
    for role in [role for role in ROLES if role not in writers] if group == "readers" else [group]:
        with subtests.test(role=role):
            client = Client()
            person = world.people[role]
            if person is not None:
                client.force_login(person)
                prove_recently(client)
            before = full_state()
            response = client.get(path) if method == "GET" else client.post(path, case.data(world))
            content = body(response)
            after = full_state()
            if method not in case.methods:
                assert response.status_code == 405
            else:
                assert (name, method) in EXPECTED, f"{name} {method} has no row in EXPECTED"
                assert response.status_code == EXPECTED[name, method][ROLES.index(role)], (name, method, role)
            if role in writers:
                writers[role](world, response, before, after)
                continue
            assert after == before, (name, method, role)
            if role == "anonymous" and response.status_code == 302:
                assert response["Location"] == login_redirect(path)
            if role == "foreign customer admin" and response.status_code == 200 and name in OWN_LISTS:
                text = content.decode()
                assert "Nord Ltd" in text and [s for s in ACME_STRINGS if s in text] == []


def test_every_contacts_and_personal_data_url_has_its_row():
    assert len(URL_NAMES) == len(set(URL_NAMES)) and URL_NAMES, "every such URL needs a name"
    assert sorted(CASES) == URL_NAMES
    assert sorted({name for name, _method in EXPECTED}) == URL_NAMES
    for name, case in CASES.items():
        for method in case.methods:
            assert (name, method) in EXPECTED, (name, method)
    for (name, method), row in EXPECTED.items():
        assert method in CASES[name].methods and len(row) == len(ROLES), (name, method)
    for name, method in WRITES:
        assert (name, method) in EXPECTED, (name, method)
