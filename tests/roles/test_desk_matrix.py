"""Every staff role × every desk URL: what each member of the service team gets, that a refusal changes nothing,
and that each allowed write changes something.

The URLs are walked from `picocore.desk.urls` with the cases of tests/desk/test_isolation.py (how to fill each URL's
arguments and form about ACME's data, in the desk world of tests/desk/conftest.py); a URL without a row in
`EXPECTED` fails here. The roles are `StaffRole`'s, with the two ways a consultant or a developer may stand to ACME:
Otto's team serves Nord only, Carla's serves ACME; Dana develops for Nord, Ada is in ACME's development team. The
service manager and the administrator belong to no team. Every one of them has proved themselves recently, so that
a refusal here is the permission policies' (picocore/*/permissions.py), not the step-up page's.

The readers of a URL (its GETs, the method it does not accept, and the POSTs refused) share one world, in `ROLES`
order; each allowed POST gets a world of its own (the test's savepoint), so that what one writes is not what the
next finds.
"""

import pytest
from django.contrib.messages import constants, get_messages
from django.test import Client
from django.urls import reverse

from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from tests import factories
from tests.conftest import prove_recently
from tests.desk import conftest as desk
from tests.desk.conftest import DeskWorld, body, bulk_results, state
from tests.desk.test_isolation import CASES, URL_NAMES, _send

pytestmark = pytest.mark.django_db

# The desk's world for these tests (tests/desk/conftest.py), not the portal's that tests/roles/conftest.py brings.
desk_world, world = desk.desk_world, desk.world

ROLES = ("other developer", "ACME developer", "outsider consultant", "consultant", "service manager", "administrator")

# (url name, method) → the status per role, in `ROLES` order. Developers reach the development pages only (and
# there their own team's items; service managers and administrators every item); the consultant not serving ACME
# gets ACME's objects as missing ones, and their own lists and forms; service managers and administrators serve
# every organisation, but take tickets only through an operations team of their own.
EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    # other developer, ACME developer, outsider consultant, consultant, service manager, administrator
    # The desk's home sends each to where they work: developers to the backlog, the others to their queue.
    ("home", "GET"): (302, 302, 302, 302, 302, 302),
    ("home", "POST"): (302, 302, 302, 302, 302, 302),
    ("queue", "GET"): (404, 404, 200, 200, 200, 200),
    ("search", "GET"): (404, 404, 200, 200, 200, 200),
    # Taking ACME-1 and ACME-2 in bulk: done for Carla; for Otto (not serving ACME) and for the manager and the
    # administrator (no operations team of their own) refused ticket by ticket on the result page.
    ("bulk", "POST"): (404, 404, 200, 200, 200, 200),
    # Saved views and canned replies: Carla's personal ones are hers alone; nobody else's, not even a manager's.
    ("saved_view_save", "POST"): (404, 404, 302, 302, 302, 302),  # Otto's refused: he does not serve ACME
    ("saved_view_open", "GET"): (404, 404, 404, 302, 404, 404),
    ("saved_view_rename", "POST"): (404, 404, 404, 302, 404, 404),
    ("saved_view_delete", "POST"): (404, 404, 404, 302, 404, 404),
    ("phone", "GET"): (404, 404, 200, 200, 200, 200),
    ("phone", "POST"): (404, 404, 400, 302, 302, 302),  # Otto may not pick ACME's caller
    ("canned_replies", "GET"): (404, 404, 200, 200, 200, 200),
    ("canned_replies", "POST"): (404, 404, 400, 302, 302, 302),  # Otto has a reply of that name already
    ("canned_reply", "GET"): (404, 404, 404, 200, 404, 404),
    ("canned_reply", "POST"): (404, 404, 404, 302, 404, 404),
    ("canned_reply_delete", "POST"): (404, 404, 404, 302, 404, 404),
    # ACME-1: worked by the staff serving ACME; taken only through an operations team serving it.
    ("ticket", "GET"): (404, 404, 404, 200, 200, 200),
    ("take", "POST"): (404, 404, 404, 302, 403, 403),
    ("assign", "POST"): (404, 404, 404, 302, 302, 302),
    ("transition", "POST"): (404, 404, 404, 302, 302, 302),
    ("reply", "POST"): (404, 404, 404, 302, 302, 302),
    ("note", "POST"): (404, 404, 404, 302, 302, 302),
    ("presence", "POST"): (404, 404, 404, 200, 200, 200),
    ("timeline_order", "POST"): (404, 404, 404, 302, 302, 302),
    ("next_step", "POST"): (404, 404, 404, 302, 302, 302),
    ("priority", "POST"): (404, 404, 404, 302, 302, 302),
    ("link", "POST"): (404, 404, 404, 302, 302, 302),
    ("merge", "POST"): (404, 404, 404, 302, 302, 302),
    ("ticket_problem", "POST"): (404, 404, 404, 302, 302, 302),
    ("hand_off", "POST"): (404, 404, 404, 302, 302, 302),
    ("attachment", "GET"): (404, 404, 404, 200, 200, 200),
    ("ticket_impact", "POST"): (404, 404, 404, 302, 302, 302),
    ("ticket_component", "POST"): (404, 404, 404, 302, 302, 302),
    # Time: logged by the team working on the ticket; Carla's entry is changed by Carla only (the others are
    # shown why on the entry's page, 403, whether they open, change or delete it).
    ("ticket_time", "GET"): (404, 404, 404, 200, 200, 200),
    ("ticket_time", "POST"): (404, 404, 404, 302, 302, 302),
    ("ticket_time_entry", "GET"): (404, 404, 404, 200, 403, 403),
    ("ticket_time_entry", "POST"): (404, 404, 404, 302, 403, 403),
    ("ticket_time_entry_delete", "POST"): (404, 404, 404, 302, 403, 403),
    ("ticket_timer", "POST"): (404, 404, 404, 302, 302, 302),
    ("overage_ask", "POST"): (404, 404, 404, 302, 302, 302),
    # The hour bank: read by the staff serving ACME, adjusted and closed by service managers and administrators.
    ("hours", "GET"): (404, 404, 200, 200, 200, 200),
    ("hours_month", "GET"): (404, 404, 404, 200, 200, 200),
    ("hours_adjust", "POST"): (404, 404, 404, 403, 302, 302),
    ("hours_close", "POST"): (404, 404, 404, 403, 302, 302),
    # Changes: planned by the staff serving ACME; the CAB and the customers' feeds are the managers'.
    ("changes_calendar", "GET"): (404, 404, 200, 200, 200, 200),
    ("changes_feed", "POST"): (404, 404, 404, 403, 302, 302),
    ("change_cab_vote", "POST"): (404, 404, 404, 403, 302, 302),
    ("changes", "GET"): (404, 404, 200, 200, 200, 200),
    ("change_new", "GET"): (404, 404, 200, 200, 200, 200),
    ("change_new", "POST"): (404, 404, 400, 302, 302, 302),  # Otto may not choose ACME
    ("change", "GET"): (404, 404, 404, 200, 200, 200),
    ("change", "POST"): (404, 404, 404, 302, 302, 302),
    ("change_components", "POST"): (404, 404, 404, 302, 302, 302),
    ("change_schedule", "POST"): (404, 404, 404, 302, 302, 302),
    ("change_transition", "POST"): (404, 404, 404, 302, 302, 302),
    ("change_review", "POST"): (404, 404, 404, 302, 302, 302),
    ("change_from_ticket", "POST"): (404, 404, 404, 302, 302, 302),
    # Reviews: read by the staff serving ACME; written and sent by service managers and administrators.
    ("reviews", "GET"): (404, 404, 200, 200, 200, 200),
    ("review", "GET"): (404, 404, 404, 200, 200, 200),
    ("review", "POST"): (404, 404, 404, 403, 302, 302),
    ("review_send", "POST"): (404, 404, 404, 403, 302, 302),
    ("review_pdf", "GET"): (404, 404, 404, 200, 200, 200),
    # The landscape: seen and changed by the staff serving ACME; developers never.
    ("landscapes", "GET"): (404, 404, 200, 200, 200, 200),
    ("landscape", "GET"): (404, 404, 404, 200, 200, 200),
    ("landscape_components_csv", "GET"): (404, 404, 404, 200, 200, 200),
    ("landscape_integrations_csv", "GET"): (404, 404, 404, 200, 200, 200),
    ("landscape_import", "GET"): (404, 404, 404, 200, 200, 200),
    ("landscape_import", "POST"): (404, 404, 404, 302, 302, 302),
    ("component_new", "GET"): (404, 404, 404, 200, 200, 200),
    ("component_new", "POST"): (404, 404, 404, 302, 302, 302),
    ("integration_new", "GET"): (404, 404, 404, 200, 200, 200),
    ("integration_new", "POST"): (404, 404, 404, 302, 302, 302),
    ("integration_edit", "GET"): (404, 404, 404, 200, 200, 200),
    ("integration_edit", "POST"): (404, 404, 404, 302, 302, 302),
    ("integration_delete", "POST"): (404, 404, 404, 302, 302, 302),
    ("contact_new", "GET"): (404, 404, 404, 200, 200, 200),
    ("contact_new", "POST"): (404, 404, 404, 302, 302, 302),
    ("contact_edit", "GET"): (404, 404, 404, 200, 200, 200),
    ("contact_edit", "POST"): (404, 404, 404, 302, 302, 302),
    ("contact_delete", "POST"): (404, 404, 404, 302, 302, 302),
    ("component", "GET"): (404, 404, 404, 200, 200, 200),
    ("component_edit", "GET"): (404, 404, 404, 200, 200, 200),
    ("component_edit", "POST"): (404, 404, 404, 302, 302, 302),
    ("component_delete", "POST"): (404, 404, 404, 302, 302, 302),
    ("runbook_revise", "POST"): (404, 404, 404, 302, 302, 302),
    # Problems: the service team's (ACME's part to those serving ACME); proposals are decided by the managers.
    ("problems", "GET"): (404, 404, 200, 200, 200, 200),
    ("problem_new", "GET"): (404, 404, 200, 200, 200, 200),
    ("problem_new", "POST"): (404, 404, 400, 302, 302, 302),  # Otto may not link ACME-1
    ("problem_proposals", "GET"): (404, 404, 404, 404, 200, 200),
    ("problem_proposal", "POST"): (404, 404, 404, 404, 302, 302),
    ("problem", "GET"): (404, 404, 404, 200, 200, 200),
    ("problem", "POST"): (404, 404, 404, 302, 302, 302),
    ("problem_transition", "POST"): (404, 404, 404, 302, 302, 302),
    ("problem_incidents", "POST"): (404, 404, 404, 302, 302, 302),
    ("problem_components", "POST"): (404, 404, 404, 302, 302, 302),
    ("problem_change", "POST"): (404, 404, 404, 302, 302, 302),
    ("problem_publish", "POST"): (404, 404, 404, 302, 302, 302),
    ("problem_known_issue", "POST"): (404, 404, 404, 302, 302, 302),
    ("problem_resolve", "POST"): (404, 404, 404, 302, 302, 302),
    # Knowledge: the desk's people, an article for ACME only to those serving ACME; developers see none.
    ("knowledge", "GET"): (404, 404, 200, 200, 200, 200),
    ("article_new", "GET"): (404, 404, 200, 200, 200, 200),
    ("article_new", "POST"): (404, 404, 400, 302, 302, 302),  # Otto may not choose ACME
    ("article", "GET"): (404, 404, 404, 200, 200, 200),
    ("article_edit", "GET"): (404, 404, 404, 200, 200, 200),
    ("article_edit", "POST"): (404, 404, 404, 302, 302, 302),
    ("article_version", "GET"): (404, 404, 404, 200, 200, 200),
    ("article_publish", "POST"): (404, 404, 404, 302, 302, 302),
    ("article_reviewed", "POST"): (404, 404, 404, 302, 302, 302),
    ("article_archive", "POST"): (404, 404, 404, 302, 302, 302),
    ("article_files", "POST"): (404, 404, 404, 302, 302, 302),
    ("article_file", "GET"): (404, 404, 404, 200, 200, 200),
    ("article_from_ticket", "POST"): (404, 404, 404, 302, 302, 302),
    # Development: developers (their team's items: Dana's list holds Nord's only), service managers and
    # administrators (every item); consultants not at all.
    ("development", "GET"): (200, 200, 404, 404, 200, 200),
    ("development_item", "GET"): (404, 200, 404, 404, 200, 200),
    ("development_item", "POST"): (404, 302, 404, 404, 302, 302),
    ("development_item_time", "POST"): (404, 302, 404, 404, 302, 302),
    ("development_item_timer", "POST"): (404, 302, 404, 404, 302, 302),
}

# The POSTs answered as pages are (a redirect, the bulk result page) that do nothing for this role: the page says
# why. Each changes nothing, like any refusal; the others below 400 must change something.
NOT_DONE: dict[tuple[str, str], str] = {
    **{("home", role): "nothing to do: it only sends on" for role in ROLES},
    ("bulk", "outsider consultant"): "each ticket refused",
    ("bulk", "service manager"): "each ticket refused",
    ("bulk", "administrator"): "each ticket refused",
    ("saved_view_save", "outsider consultant"): "an error message",
}


def _people(world: DeskWorld) -> dict[str, User]:
    return {
        "other developer": world.developer,  # Dana: Nord development
        "ACME developer": world.acme_developer,  # Ada: ACME development
        "outsider consultant": world.outsider,  # Otto: "Nord desk", Nord only
        "consultant": world.consultant,  # Carla: Operations, ACME and Nord
        "service manager": world.manager,  # Mona: no team
        "administrator": factories.StaffFactory(full_name="Ari Administrator", staff_role=StaffRole.ADMINISTRATOR),
    }


def _writes(name: str, method: str, role: str) -> bool:
    """Whether the role's request is one that changes something (and so needs a world of its own)."""
    row = EXPECTED.get((name, method))
    return row is not None and method == "POST" and row[ROLES.index(role)] < 400 and (name, role) not in NOT_DONE


def _cases() -> list[tuple[str, str]]:
    return [
        (name, group)
        for name in URL_NAMES
        for group in ("readers", *(role for role in ROLES if _writes(name, "POST", role)))
    ]


def _signed_in(person: User) -> Client:
    client = Client()
    client.force_login(person)
    prove_recently(client)  # the hour bank's actions ask service managers for a fresh proof
    return client


def _check_not_done(name: str, role: str, response) -> None:
    """The page the refused POST answers with says it was not done."""
    if name == "bulk":
        assert [done for _key, done, _details in bulk_results(response)] == [False, False], role
    elif NOT_DONE[name, role] == "an error message":
        levels = [message.level for message in get_messages(response.wsgi_request)]
        assert levels == [constants.ERROR], (name, role)


@pytest.mark.parametrize(("name", "group"), _cases())
def test_each_staff_role_gets_what_its_role_allows_and_a_refusal_changes_nothing(world, name, group, subtests):
    case = CASES.get(name)
    assert case is not None, f"desk:{name} has no case; add one to tests/desk/test_isolation.py and a row here"
    people = _people(world)
    path = reverse(f"desk:{name}", kwargs=case.kwargs(world))
    if group == "readers":
        requests = [(method, role) for method in ("GET", "POST") for role in ROLES if not _writes(name, method, role)]
    else:
        requests = [("POST", group)]
    for method, role in requests:
        with subtests.test(method=method, role=role):
            client = _signed_in(people[role])
            data = case.data(world)  # before `state()`: some forms make the rows they name
            before = state()
            response = _send(client, method, path, data)
            content = body(response)  # a download is read to its end, so its file is closed
            after = state()
            if method not in case.methods:
                assert response.status_code == 405, (name, method, role)
            else:
                assert (name, method) in EXPECTED, f"desk:{name} {method} has no row in EXPECTED"
                assert response.status_code == EXPECTED[name, method][ROLES.index(role)], (name, method, role)
            if group == "readers":
                assert after == before, (name, method, role)
                if (name, role) in NOT_DONE and method == "POST":
                    _check_not_done(name, role, response)
                if response.status_code == 403 and method == "POST":  # the page it was sent from, saying why
                    assert b'role="alert"' in content, (name, role)
            else:
                assert after != before, f"desk:{name} POST by the {role} changed nothing"


def test_every_desk_url_has_its_rows():
    assert sorted({name for name, _method in EXPECTED}) == sorted(URL_NAMES)
    for name in URL_NAMES:
        for method in CASES[name].methods:
            assert (name, method) in EXPECTED, (name, method)
    for (name, method), row in EXPECTED.items():
        assert method in CASES[name].methods and len(row) == len(ROLES), (name, method)
    for name, role in NOT_DONE:
        assert EXPECTED[name, "POST"][ROLES.index(role)] < 400, (name, role)


def test_the_roles_are_every_staff_role(world):
    """A new staff role fails here until it has its column: customers' people have none (and no desk:
    tests/desk/test_isolation.py)."""
    people = _people(world)
    assert list(people) == list(ROLES)
    assert {person.staff_role for person in people.values()} == set(StaffRole) - {StaffRole.NONE}
