"""Every role × every portal URL: what each person gets, and that a refusal changes nothing.

The URLs are walked from `picocore.portal.urls` with the cases of tests/portal/test_isolation.py (how to fill
each URL's arguments and form about ACME's data); a URL without a row in `EXPECTED` fails here. ACME shows
requesters their own requests only; ACME-1 is its requester's, resolved, with a file.
"""

import pytest
from django.test import Client
from django.urls import reverse

from picocore.changes.models import CalendarFeed, CustomerDecision
from picocore.cmdb.models import Contact
from picocore.tenancy.choices import MembershipRole, StaffRole
from picocore.tickets.models import Ticket
from tests import factories
from tests.portal.support import login_redirect, state
from tests.portal.test_isolation import CASES, URL_NAMES

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "developer",
    "foreign customer admin",
    "consultant",
    "viewer",
    "approver",
    "billing contact",
    "customer admin",
    "requester",
)
# Each of these may change what another finds (confirming ACME-1, answering the overage question): each gets a
# world of its own. The others change nothing the rest depend on and share one, in `ROLES` order.
OWN_WORLD = ("billing contact", "customer admin", "requester")
READERS = tuple(role for role in ROLES if role not in OWN_WORLD)

# (url name, method) → the status per role, in `ROLES` order. 302 for anonymous is the sign-in page.
EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    # anonymous, developer, foreign customer admin, consultant, viewer, approver, billing contact, customer admin,
    # requester
    # The access log and its CSV (unfiltered): customer admins only; another organisation's admin reads their own.
    ("access_log", "GET"): (302, 403, 200, 403, 404, 404, 404, 200, 404),
    ("access_log_csv", "GET"): (302, 403, 200, 403, 404, 404, 404, 200, 404),
    ("approval_decide", "POST"): (302, 403, 404, 403, 404, 404, 302, 302, 404),
    ("article", "GET"): (302, 403, 404, 403, 200, 200, 200, 200, 200),
    ("article_file", "GET"): (302, 403, 404, 403, 200, 200, 200, 200, 200),
    ("attachment", "GET"): (302, 404, 404, 404, 200, 404, 404, 200, 200),
    ("catalogue", "GET"): (302, 403, 200, 403, 403, 200, 200, 200, 200),
    ("change", "GET"): (302, 403, 404, 403, 200, 200, 200, 200, 200),
    ("change", "POST"): (302, 403, 404, 403, 403, 403, 403, 403, 403),
    ("changes", "GET"): (302, 403, 200, 403, 200, 200, 200, 200, 200),
    ("changes_feed", "POST"): (302, 403, 404, 403, 404, 404, 404, 302, 404),
    ("confirm", "POST"): (302, 403, 404, 403, 403, 404, 404, 302, 302),
    ("home", "GET"): (302, 403, 200, 403, 200, 200, 200, 200, 200),
    ("hours", "GET"): (302, 403, 200, 403, 200, 200, 200, 200, 200),
    ("knowledge", "GET"): (302, 403, 200, 403, 200, 200, 200, 200, 200),
    ("known_issue", "GET"): (302, 403, 404, 403, 200, 200, 200, 200, 200),
    ("known_issues", "GET"): (302, 403, 200, 403, 200, 200, 200, 200, 200),
    ("landscape", "GET"): (302, 403, 200, 403, 200, 200, 200, 200, 200),
    ("new_request", "GET"): (302, 403, 404, 403, 403, 200, 200, 200, 200),
    ("new_request", "POST"): (302, 403, 404, 403, 403, 302, 302, 302, 302),
    ("rate", "POST"): (302, 403, 404, 403, 403, 404, 404, 403, 302),
    ("reopen", "POST"): (302, 403, 404, 403, 403, 404, 404, 302, 302),
    ("reply", "POST"): (302, 403, 404, 403, 403, 404, 404, 302, 302),
    ("request", "GET"): (302, 403, 404, 403, 200, 404, 404, 200, 200),
    ("requests", "GET"): (302, 403, 200, 403, 200, 200, 200, 200, 200),
    ("review", "GET"): (302, 403, 404, 403, 404, 404, 200, 200, 404),
    ("review_pdf", "GET"): (302, 403, 404, 403, 404, 404, 200, 200, 404),
    ("reviews", "GET"): (302, 403, 200, 403, 200, 200, 200, 200, 200),
    ("share", "POST"): (302, 403, 404, 403, 403, 404, 404, 403, 403),
    ("suggestion_opened", "POST"): (302, 403, 404, 403, 404, 404, 404, 404, 204),
    ("suggestion_solved", "POST"): (302, 403, 404, 403, 404, 404, 404, 404, 302),
    ("suggestions", "POST"): (302, 403, 200, 403, 200, 200, 200, 200, 200),
    ("switch_organisation", "POST"): (302, 404, 404, 404, 302, 302, 302, 302, 302),
}


def _people(world) -> dict[str, object]:
    acme = world.acme.organisation
    people: dict[str, object] = {
        "anonymous": None,
        "developer": factories.StaffFactory(staff_role=StaffRole.DEVELOPER),
        "foreign customer admin": world.nord.admin,
        "consultant": world.consultant,  # serves ACME, belongs to no organisation
        "customer admin": world.acme.admin,
        "requester": world.acme.requester,
    }
    for role, name in ((MembershipRole.VIEWER, "viewer"), (MembershipRole.APPROVER, "approver"),
                       (MembershipRole.BILLING_CONTACT, "billing contact")):  # fmt: skip
        people[name] = factories.UserFactory(full_name=f"ACME {name}")
        factories.MembershipFactory(user=people[name], organisation=acme, role=role)
    return people


def full_state() -> dict:
    """`state()` and what the role-specific pages could write: sharing, decisions on changes, feeds, contacts."""
    return state() | {
        "shared": list(Ticket.objects.order_by("pk").values_list("pk", "shared")),
        "decisions": CustomerDecision.objects.count(),
        "feeds": CalendarFeed.objects.count(),
        "contacts": list(Contact.objects.order_by("pk").values_list("pk", "user_id")),
    }


def _cases() -> list[tuple[str, str, str]]:
    return [
        (name, method, group)
        for name in URL_NAMES
        for method in ("GET", "POST")
        for group in ("readers", *OWN_WORLD)
        if method in CASES[name].methods or group == "readers"
    ]


@pytest.mark.parametrize(("name", "method", "group"), _cases())
def test_each_role_gets_what_its_role_allows_and_a_refusal_changes_nothing(world, name, method, group, subtests):
    case = CASES[name]
    people = _people(world)
    path = reverse(f"portal:{name}", kwargs=case.kwargs(world))
    for role in READERS if group == "readers" else (group,):
        with subtests.test(role=role):
            client = Client()
            if people[role] is not None:
                client.force_login(people[role])
            before = full_state()
            response = client.get(path) if method == "GET" else client.post(path, case.data(world))
            got = response.status_code
            if method not in case.methods:
                assert got == 405
            else:
                assert (name, method) in EXPECTED, f"portal:{name} {method} has no row in EXPECTED"
                assert got == EXPECTED[name, method][ROLES.index(role)], (name, method, role)
            if role == "anonymous" and got == 302:
                assert response["Location"] == login_redirect(path)
            if got >= 400 or role == "anonymous":
                assert full_state() == before, (name, method, role)


def test_every_portal_url_has_its_row():
    assert sorted({name for name, _method in EXPECTED}) == sorted(URL_NAMES)
    for (name, method), row in EXPECTED.items():
        assert method in CASES[name].methods and len(row) == len(ROLES), (name, method)
