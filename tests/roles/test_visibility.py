"""Whose requests each person sees, for each of the organisation's three request visibilities: in the portal's
lists, in every count they show, in the list's search and filters, in the suggestions, in the API, and that a
request not seen answers 404 on its page and its files (in the portal and the API).

ACME's tickets (each with a file), filed through the service and moved by the team:

- R-OPEN: the requester's, new, not shared;      R-SHARED: the requester's, resolved, shared;
- C-CLOSED: a colleague's, closed, not shared;   C-SHARED: the colleague's, waiting on the customer, shared;
- A-OWN: the customer admin's, new, not shared.

`shared` is set on all three settings: an organisation that stopped showing shared requests keeps the flags, and
they must then show nothing. Nord's request is never seen by anyone of ACME.
"""

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from picocore.tenancy.choices import MembershipRole, RequestVisibility
from picocore.tenancy.models import Organisation, User
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_transition
from tests import factories
from tests.api.conftest import Api
from tests.conftest import Customer
from tests.portal.support import body, resolve, upload
from tests.portal.test_query_counts import HOME_QUERIES, queries

pytestmark = pytest.mark.django_db

OWN, SHARED, WHOLE = RequestVisibility.OWN, RequestVisibility.OWN_AND_SHARED, RequestVisibility.ORGANISATION
TICKETS = ("R-OPEN", "R-SHARED", "C-CLOSED", "C-SHARED", "A-OWN")
EVERY = frozenset(TICKETS)
WORD = "Zanzibar"  # in every title, Nord's too: what a search for it finds is what the person may see

PEOPLE = ("requester", "colleague", "approver", "billing contact", "viewer", "customer admin")
# (visibility, person) → the tickets they see, written out (not derived from the code under test).
SEES: dict[tuple[str, str], frozenset[str]] = {
    (OWN, "requester"): frozenset({"R-OPEN", "R-SHARED"}),
    (OWN, "colleague"): frozenset({"C-CLOSED", "C-SHARED"}),
    (OWN, "approver"): frozenset(),
    (OWN, "billing contact"): frozenset(),
    (OWN, "viewer"): EVERY,
    (OWN, "customer admin"): EVERY,
    (SHARED, "requester"): frozenset({"R-OPEN", "R-SHARED", "C-SHARED"}),
    (SHARED, "colleague"): frozenset({"C-CLOSED", "C-SHARED", "R-SHARED"}),
    (SHARED, "approver"): frozenset({"R-SHARED", "C-SHARED"}),
    (SHARED, "billing contact"): frozenset({"R-SHARED", "C-SHARED"}),
    (SHARED, "viewer"): EVERY,
    (SHARED, "customer admin"): EVERY,
    **{(WHOLE, person): EVERY for person in PEOPLE},
}
OWNER = {"R-OPEN": "requester", "R-SHARED": "requester", "C-CLOSED": "colleague", "C-SHARED": "colleague",
         "A-OWN": "customer admin"}  # fmt: skip
# The home page's groups each ticket counts in (`open` counts resolved ones too: they are not finished).
GROUPS = {
    "R-OPEN": ("open",),
    "R-SHARED": ("open", "resolved"),
    "C-CLOSED": ("finished",),
    "C-SHARED": ("open", "waiting_on_you"),
    "A-OWN": ("open",),
}
FINISHED_OR_RESOLVED = frozenset({"R-SHARED", "C-CLOSED"})  # what the suggestions draw on
# Who may narrow the list to one requester's requests (the others' `requester=` is ignored).
FILTERS_BY_REQUESTER = frozenset({"viewer", "customer admin"})


@dataclass
class Scene:
    acme: Customer
    people: dict[str, User]
    tickets: dict[str, Ticket]  # by name
    nord_ticket: Ticket

    def name_of(self, key: str) -> str:
        return next(name for name, ticket in self.tickets.items() if ticket.key == key)


def _scene(acme: Customer, nord: Customer, consultant: User, visibility: str) -> Scene:
    people = {"requester": acme.requester, "customer admin": acme.admin}
    roles = {"colleague": MembershipRole.REQUESTER, "approver": MembershipRole.APPROVER,
             "billing contact": MembershipRole.BILLING_CONTACT, "viewer": MembershipRole.VIEWER}  # fmt: skip
    for name, role in roles.items():
        people[name] = factories.UserFactory(full_name=f"ACME {name}")
        factories.MembershipFactory(user=people[name], organisation=acme.organisation, role=role)

    def filed(name: str) -> Ticket:
        return acme.ticket(by=people[OWNER[name]], title=f"{WORD} {name}", files=[upload(f"{name}.txt", b"x")])

    tickets = {name: filed(name) for name in TICKETS}
    resolve(tickets["R-SHARED"], consultant)
    resolve(tickets["C-CLOSED"], consultant)
    ticket_transition(actor=consultant, ticket=tickets["C-CLOSED"], to=Status.CLOSED)
    ticket_transition(actor=consultant, ticket=tickets["C-SHARED"], to=Status.TRIAGED)
    ticket_transition(actor=consultant, ticket=tickets["C-SHARED"], to=Status.WAITING_ON_CUSTOMER)
    Ticket.objects.filter(pk__in=[tickets["R-SHARED"].pk, tickets["C-SHARED"].pk]).update(shared=True)
    Organisation.objects.filter(pk=acme.organisation.pk).update(request_visibility=visibility)
    nord_ticket = nord.ticket(title=f"{WORD} Nord")
    resolve(nord_ticket, consultant)
    return Scene(acme, people, {name: Ticket.objects.get(pk=t.pk) for name, t in tickets.items()}, nord_ticket)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _listed(response) -> set[str]:
    assert response.status_code == 200
    return {ticket.key for ticket in response.context["page"].rows}


def _keys(scene: Scene, names) -> set[str]:
    return {scene.tickets[name].key for name in names}


def _counts(names) -> dict[str, int]:
    counts = dict.fromkeys(("open", "waiting_on_you", "resolved", "finished"), 0)
    for name in names:
        for group in GROUPS[name]:
            counts[group] += 1
    return counts


@pytest.mark.parametrize("visibility", [OWN, SHARED, WHOLE])
def test_each_role_sees_what_the_setting_shows_in_every_list_count_and_search(
    acme, nord, consultant, visibility, subtests
):
    scene = _scene(acme, nord, consultant, visibility)
    for person in PEOPLE:
        with subtests.test(person=person):
            sees = SEES[visibility, person]
            own = frozenset(name for name in sees if OWNER[name] == person)
            client = _client(scene.people[person])
            everything, mine = _keys(scene, sees), _keys(scene, own)
            # The request list, whole and narrowed to one's own.
            assert _listed(client.get("/portal/requests/")) == everything
            assert _listed(client.get("/portal/requests/?show=mine")) == mine
            # The list's search, and its filters by status.
            assert _listed(client.get("/portal/requests/", {"q": WORD})) == everything
            finished = {name for name in sees if "finished" in GROUPS[name]}
            assert _listed(client.get("/portal/requests/", {"status": "finished"})) == _keys(scene, finished)
            # The requester filter: for who sees every request by role; anyone else's is ignored, never a way in.
            colleague = scene.people["colleague"].pk
            narrowed = client.get("/portal/requests/", {"requester": colleague})
            if person in FILTERS_BY_REQUESTER:
                assert _listed(narrowed) == _keys(scene, {"C-CLOSED", "C-SHARED"})
            else:
                assert _listed(narrowed) <= everything
            # The home page: open requests and the counts of each group, whole and one's own.
            home = client.get("/portal/")
            assert _listed(home) == _keys(scene, {name for name in sees if "open" in GROUPS[name]})
            assert home.context["counts"] == _counts(sees)
            mine_home = client.get("/portal/?show=mine")
            assert _listed(mine_home) == _keys(scene, {name for name in own if "open" in GROUPS[name]})
            assert mine_home.context["counts"] == _counts(own)
            # The suggestions shown as a new request is typed: finished and resolved requests one sees.
            suggested = client.post(reverse("portal:suggestions"), {"title": WORD, "description": ""}).json()
            urls = {item["url"].split("?")[0] for item in suggested["suggestions"] if "/requests/" in item["url"]}
            assert urls == {reverse("portal:request", args=[scene.tickets[n].key]) for n in sees & FINISHED_OR_RESOLVED}
            # The API, with the person's own token: the list and its search.
            api = Api(scene.people[person])
            listed = api.get("/api/v1/tickets/", page_size=50).json()
            assert {t["key"] for t in listed["results"]} == everything
            searched = api.get("/api/v1/tickets/", q=WORD, page_size=50).json()
            assert {t["key"] for t in searched["results"]} == everything


@pytest.mark.parametrize("visibility", [OWN, SHARED, WHOLE])
def test_a_request_not_seen_is_not_found_on_its_page_its_files_and_in_the_api(
    acme, nord, consultant, visibility, subtests
):
    scene = _scene(acme, nord, consultant, visibility)
    for person in (*PEOPLE, "foreign admin"):
        with subtests.test(person=person):
            user = nord.admin if person == "foreign admin" else scene.people[person]
            sees = SEES.get((visibility, person), frozenset())
            client, api = _client(user), Api(user)
            for name, ticket in (*scene.tickets.items(), ("NORD", scene.nord_ticket)):
                attachment = ticket.attachments.first()
                seen = name in sees or (person == "foreign admin" and name == "NORD")
                expected = 200 if seen else 404
                assert client.get(reverse("portal:request", args=[ticket.key])).status_code == expected, name
                assert api.get(f"/api/v1/tickets/{ticket.key}/").status_code == expected, name
                assert api.get(f"/api/v1/tickets/{ticket.key}/timeline/").status_code == expected, name
                if attachment is None:
                    continue
                download = client.get(reverse("portal:attachment", args=[ticket.key, attachment.pk]))
                assert download.status_code == expected, name
                body(download)
                through_api = api.get(f"/api/v1/tickets/{ticket.key}/attachments/{attachment.pk}/")
                assert through_api.status_code == expected, name
                body(through_api)


@pytest.mark.parametrize("visibility", [OWN, SHARED, WHOLE])
def test_the_home_page_runs_the_same_queries_for_every_role_and_setting(acme, nord, consultant, visibility):
    scene = _scene(acme, nord, consultant, visibility)
    for person in PEOPLE:
        client = _client(scene.people[person])
        for path in ("/portal/?show=mine", "/portal/?show=organisation"):
            assert len(queries(client, path)) == HOME_QUERIES, (person, path)


def test_every_role_and_setting_has_its_row():
    customer_roles = {MembershipRole.REQUESTER, MembershipRole.APPROVER, MembershipRole.BILLING_CONTACT,
                      MembershipRole.VIEWER, MembershipRole.CUSTOMER_ADMIN}  # fmt: skip
    assert customer_roles == set(MembershipRole.values)
    assert set(SEES) == {(v, p) for v in RequestVisibility.values for p in PEOPLE}
