"""Tenant isolation, walked over every portal URL.

The walk is built from `picocore.portal.urls.urlpatterns`: a new URL without a case in `CASES` fails the
suite. Each URL is requested with every method, as a person of another organisation (requester and customer
admin), anonymously, as a member of staff without memberships, and — to show the refusals are not vacuous —
as the owner of the data. Every refusal also asserts that nothing changed.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from picocore.catalog.choices import Impact, Urgency
from picocore.core import reference
from picocore.portal import urls as portal_urls
from picocore.portal.context import SESSION_KEY
from picocore.tenancy.choices import MembershipRole, RequestVisibility
from picocore.tickets.choices import Status
from picocore.tickets.models import TicketWatcher
from picocore.tickets.services import ticket_transition
from tests import factories
from tests.portal.conftest import ACME_FILE, ACME_TITLE, NORD_TITLE, World
from tests.portal.support import body, login_redirect, page, resolve, session_organisation, state, upload

pytestmark = pytest.mark.django_db

# What of ACME's a page must never show a person of another organisation.
ACME_STRINGS = ("ACME-1", ACME_TITLE, ACME_FILE, "Acme Ltd", "Incident ACME", "ACME PIM", "ACME Requester")

NO_ORGANISATION = "You are not a contact of any customer"


def _nothing(world: World) -> dict:
    return {}


@dataclass(frozen=True)
class Case:
    """How to request one portal URL about ACME's data, and the same URL naming nothing that exists."""

    methods: tuple[str, ...]  # what the view allows; every other method must answer 405
    owner: dict[str, int]  # what ACME's requester gets: proof that the refusals below are not vacuous
    kwargs: Callable[[World], dict] = _nothing
    data: Callable[[World], dict] = _nothing  # the POST body; builds fresh uploads on every call
    # The same request naming a missing object. None: the URL names no customer object, so a foreign
    # person gets their own page (checked for ACME's data) instead of a 404.
    missing_kwargs: Callable[[World], dict] | None = None
    missing_data: Callable[[World], dict] | None = None
    staff: int = 403  # what a member of staff without memberships gets
    # A query string naming ACME's object (a filtered list), and the same naming a missing one.
    query: Callable[[World], dict] = _nothing
    missing_query: Callable[[World], dict] | None = None
    owner_is_admin: bool = False  # the page is for customer admins: ACME's admin is the owner, not its requester

    @property
    def names_an_object(self) -> bool:
        return self.missing_kwargs is not None or self.missing_data is not None or self.missing_query is not None

    def path(self, name: str, world: World, *, missing: bool = False) -> str:
        kwargs = (self.missing_kwargs or self.kwargs) if missing else self.kwargs
        query = (self.missing_query or self.query) if missing else self.query
        values = query(world)
        return reverse(f"portal:{name}", kwargs=kwargs(world)) + (f"?{urlencode(values)}" if values else "")


def _key(world: World) -> dict:
    return {"key": world.ticket.key}


def _missing_key(world: World) -> dict:
    return {"key": "ACME-999"}


def _request_form(world: World) -> dict:
    return {
        "title": "Prices wrong in DE",
        "description": "All prices show 0.",
        "impact": Impact.HIGH,
        "urgency": Urgency.HIGH,
        "q_solution": world.acme.solution.pk,
        "q_environment": world.acme.production.pk,
        "q_steps": "Open any product.",
        "attachments": [upload()],
    }


def _acme_suggestion(world: World) -> dict:
    """A suggestion made to ACME's requester while they wrote a request (made once, on first use)."""
    from picocore.search.models import Suggestion

    suggestion, _ = Suggestion.objects.get_or_create(
        organisation=world.acme.organisation, actor=world.acme.requester, draft="acme-draft", kind="request",
        object_id=world.ticket.pk,
    )  # fmt: skip
    return {"suggestion_id": suggestion.pk}


def _acme_approval(world: World) -> dict:
    """An open question to ACME's admins: only they answer it (ACME's requester, the owner here, may not)."""
    from picocore.hours.models import OverageApproval

    approval, _created = OverageApproval.objects.get_or_create(
        ticket=world.ticket, decision="",
        defaults={"organisation": world.acme.organisation, "contract": world.acme.organisation.contracts.get(),
                  "estimated_minutes": 360, "remaining_minutes": 120, "note": "Rebuild the ACME PIM index",
                  "asked_by": world.consultant},
    )  # fmt: skip
    return {"approval_id": approval.pk}


def _acme_rating(world: World) -> dict:
    from picocore.satisfaction.services import latest_resolution_id

    return {"resolution": latest_resolution_id(world.ticket), "score": "1", "comment": "ACME PIM was slow"}


def _acme_review(world: World) -> dict:
    from tests.reviews.support import past_review

    return {"review_id": past_review(world.acme.organisation, sent=True).pk}


def _acme_change(world: World) -> dict:
    """ACME's change awaiting approval: ACME's requester (the owner here) reads it but is no approver (tests/changes
    show the approvers deciding)."""
    from tests.changes.approval_support import make_change

    return {"change_id": make_change(world.acme.organisation, by=world.consultant, title="ACME PIM upgrade").pk}


def _acme_known_issue(world: World) -> dict:
    """A known issue shown to ACME (its problem explains ACME-1), titled like ACME's request so a page leaking it
    to another organisation is caught."""
    from picocore.problems.services import problem_create, problem_link_incident, problem_publish_known_issue

    problem = problem_create(actor=world.consultant, title="Exports stall", workaround="Export in two halves.",
                             description="The spooler deadlocks on large files.")  # fmt: skip
    problem_link_incident(actor=world.consultant, problem_id=problem.pk, ticket_key=world.ticket.key)
    problem_publish_known_issue(actor=world.consultant, problem_id=problem.pk, title=f"{ACME_TITLE} stalls",
                                text="Export in two halves meanwhile.")  # fmt: skip
    return {"issue_id": problem.pk}


def _acme_article(world: World) -> dict:
    """A published customer-facing article for ACME only, with a file: ACME's people read it, nobody else."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from picocore.knowledge.services import ArticleFields, article_attach, article_create, article_publish
    from picocore.tenancy.choices import StaffRole

    author = factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER)
    fields = ArticleFields(
        title="How ACME PIM imports prices", body_html="<p>Open the ACME PIM.</p>", audience="customers",
        for_all_customers=False, organisation_ids=[world.acme.organisation.pk],
    )  # fmt: skip
    article = article_create(actor=author, fields=fields)
    article_publish(actor=author, article_id=article.pk)
    (made,) = article_attach(actor=author, article_id=article.pk, files=[SimpleUploadedFile(ACME_FILE, b"steps")])
    return {"ref": article.slug, "attachment_id": made.pk}


def _an_acme_article_exists(world: World) -> dict:
    _acme_article(world)
    return {}


CASES: dict[str, Case] = {
    "home": Case(methods=("GET",), owner={"GET": 200}),
    "switch_organisation": Case(
        methods=("POST",),
        owner={"POST": 302},
        data=lambda w: {"organisation": w.acme.organisation.pk},
        missing_data=lambda w: {"organisation": 999_999},
        staff=404,
    ),
    "catalogue": Case(methods=("GET",), owner={"GET": 200}),
    "new_request": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=lambda w: {"slug": w.acme.incident.slug},
        missing_kwargs=lambda w: {"slug": "no-such-request-type"},
        data=_request_form,
        missing_data=_request_form,
    ),
    "requests": Case(methods=("GET",), owner={"GET": 200}),
    "suggestions": Case(methods=("POST",), owner={"POST": 200}, data=lambda w: {"title": ACME_TITLE, "draft": "walk"}),
    "suggestion_opened": Case(
        methods=("POST",),
        owner={"POST": 204},
        kwargs=_acme_suggestion,
        missing_kwargs=lambda w: {"suggestion_id": 999_999},
    ),
    "suggestion_solved": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_suggestion,
        missing_kwargs=lambda w: {"suggestion_id": 999_999},
    ),
    "request": Case(methods=("GET",), owner={"GET": 200}, kwargs=_key, missing_kwargs=_missing_key),
    "reply": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {"body": "Still seeing it.", "attachments": [upload()]},
        missing_data=lambda w: {"body": "Still seeing it.", "attachments": [upload()]},
    ),
    "confirm": Case(methods=("POST",), owner={"POST": 302}, kwargs=_key, missing_kwargs=_missing_key),
    "reopen": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {"reason": "Still broken for DE."},
        missing_data=lambda w: {"reason": "Still broken for DE."},
    ),
    # The requester's rating of ACME-1's resolution (tests/satisfaction/test_portal_rating.py: nobody else's).
    "rate": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=_acme_rating,
        missing_data=_acme_rating,
    ),
    # Sharing ACME-1 with its organisation: ACME shows requesters their own requests only, so even its requester is
    # refused here (tests/roles shows sharing where the organisation shares).
    "share": Case(
        methods=("POST",),
        owner={"POST": 403},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {"shared": "1"},
        missing_data=lambda w: {"shared": "1"},
    ),
    # The organisation's hour bank: a foreign person gets their own organisation's page (or who may see it).
    "hours": Case(methods=("GET",), owner={"GET": 200}),
    # Answered by ACME's customer admins only (tests/hours/test_approvals.py shows them doing it).
    "approval_decide": Case(
        methods=("POST",),
        owner={"POST": 404},
        kwargs=_acme_approval,
        missing_kwargs=lambda w: {"approval_id": 999_999},
        data=lambda w: {"decision": "approve"},
        missing_data=lambda w: {"decision": "approve"},
    ),
    # The organisation's service reviews: for its customer admins (a requester, the owner here, is told so;
    # tests/reviews/test_pages.py shows the admins reading them).
    "reviews": Case(methods=("GET",), owner={"GET": 200}),
    # The organisation's access log and its CSV: for its customer admins only (a requester gets 404, as does
    # another organisation's admin for a filter naming ACME's request; tests/audit/test_access_log.py shows
    # the unfiltered log of another organisation empty of ACME's).
    "access_log": Case(
        methods=("GET",),
        owner={"GET": 200},
        owner_is_admin=True,
        query=lambda w: {"request": "ACME-1"},
        missing_query=lambda w: {"request": "ACME-999999"},
    ),
    "access_log_csv": Case(
        methods=("GET",),
        owner={"GET": 200},
        owner_is_admin=True,
        query=lambda w: {"request": "ACME-1"},
        missing_query=lambda w: {"request": "ACME-999999"},
    ),
    # The organisation's landscape, read-only: a foreign person sees their own organisation's (tests/cmdb).
    "landscape": Case(methods=("GET",), owner={"GET": 200}),
    # The known issues shown to the organisation: a foreign person sees their own organisation's (none here).
    "known_issues": Case(methods=("GET",), owner={"GET": 200}, kwargs=lambda w: _acme_known_issue(w) and {}),
    "known_issue": Case(
        methods=("GET",), owner={"GET": 200}, kwargs=_acme_known_issue, missing_kwargs=lambda w: {"issue_id": 999_999}
    ),
    "review": Case(
        methods=("GET",), owner={"GET": 404}, kwargs=_acme_review, missing_kwargs=lambda w: {"review_id": 999_999}
    ),
    "review_pdf": Case(
        methods=("GET",), owner={"GET": 404}, kwargs=_acme_review, missing_kwargs=lambda w: {"review_id": 999_999}
    ),
    # The organisation's changes and calendar; its feed is made by its customer admins (tests/changes/test_feeds.py).
    "changes": Case(methods=("GET",), owner={"GET": 200}),
    "changes_feed": Case(
        methods=("POST",),
        owner={"POST": 404},
        data=lambda w: {"form_organisation": w.acme.organisation.pk},
        missing_data=lambda w: {"form_organisation": 999_999},
    ),
    "change": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 403},
        kwargs=_acme_change,
        missing_kwargs=lambda w: {"change_id": 999_999},
        data=lambda w: {"decision": "approved"},
        missing_data=lambda w: {"decision": "approved"},
    ),
    # The knowledge base: what the organisation reads (tests/knowledge); an article for ACME only is a 404 to others.
    "knowledge": Case(methods=("GET",), owner={"GET": 200}, kwargs=_an_acme_article_exists),
    "article": Case(
        methods=("GET",),
        owner={"GET": 200},
        kwargs=lambda w: {"ref": _acme_article(w)["ref"]},
        missing_kwargs=lambda w: {"ref": "no-such-article"},
    ),
    "article_file": Case(
        methods=("GET",),
        owner={"GET": 200},
        kwargs=_acme_article,
        missing_kwargs=lambda w: {"ref": _acme_article(w)["ref"], "attachment_id": 999_999},
    ),
    "attachment": Case(
        methods=("GET",),
        owner={"GET": 200},
        kwargs=lambda w: {"key": w.ticket.key, "attachment_id": w.attachment.pk},
        missing_kwargs=lambda w: {"key": w.ticket.key, "attachment_id": 999_999},
        staff=404,
    ),
}

URL_NAMES = [pattern.name for pattern in portal_urls.urlpatterns]
ACTORS = ("foreign requester", "foreign admin", "anonymous", "staff without membership", "owner")  # owner last


def test_every_portal_url_has_an_isolation_case():
    assert len(URL_NAMES) == len(set(URL_NAMES)), "every portal URL needs a name"
    assert sorted(CASES) == sorted(URL_NAMES)


def _sign_in(client, world: World, actor: str, case: Case | None = None) -> None:
    user = {
        "foreign requester": world.nord.requester,
        "foreign admin": world.nord.admin,
        "staff without membership": world.consultant,  # serves ACME and Nord, belongs to neither
        "owner": world.acme.admin if case is not None and case.owner_is_admin else world.acme.requester,
        "anonymous": None,
    }[actor]
    if user is not None:
        client.force_login(user)


def _send(client, method: str, path: str, data: dict):
    return client.get(path) if method == "GET" else client.post(path, data)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("name", URL_NAMES)
def test_portal_url_is_isolated(world, name, method, subtests):
    case = CASES.get(name)
    assert case is not None, f"portal:{name} has no isolation case; add one to CASES"
    # One world for all actors (building it is most of the cost); the owner goes last, as their request may
    # change the data. Each actor is a subtest, so every refusal that fails is reported on its own.
    for actor in ACTORS:
        with subtests.test(actor=actor):
            _check_actor(Client(), world, name, case, method, actor)


def _check_actor(client: Client, world: World, name: str, case: Case, method: str, actor: str) -> None:
    path = case.path(name, world)
    _sign_in(client, world, actor, case)
    session_before = session_organisation(client)
    before = state()

    response = _send(client, method, path, case.data(world))

    if method not in case.methods:
        assert response.status_code == 405
        assert state() == before
        return
    if actor == "owner":
        assert response.status_code == case.owner[method]
        if name in ("known_issues", "known_issue") and method == "GET":
            assert f"{ACME_TITLE} stalls" in page(response)
        if name == "attachment":
            assert body(response) == b"sku;price\nA-1;9.99\n"
        return
    if actor == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == login_redirect(path)
    elif actor.startswith("foreign") and not case.names_an_object:
        assert response.status_code == 200
        html = page(response)
        assert [s for s in ACME_STRINGS if s in html] == []
        if response["Content-Type"] == "application/json":
            assert html == '{"suggestions": []}'  # ACME's words find nothing the other organisation may read
        else:
            assert "Nord Ltd" in html
    else:
        expected = case.staff if actor == "staff without membership" else 404
        assert response.status_code == expected
        assert [s for s in ACME_STRINGS if s in page(response)] == []
        if expected == 403:
            assert NO_ORGANISATION in page(response)
        missing_path = case.path(name, world, missing=True)
        missing = _send(client, method, missing_path, (case.missing_data or case.data)(world))
        assert (missing.status_code, page(missing)) == (response.status_code, page(response))
    assert state() == before
    assert session_organisation(client) == session_before


def test_nils_of_another_organisation_gets_404_for_acme_1(client, world):
    nils = factories.UserFactory(full_name="Nils Nord")
    factories.MembershipFactory(user=nils, organisation=world.nord.organisation, role=MembershipRole.REQUESTER)
    client.force_login(nils)
    response = client.get("/portal/requests/ACME-1/")
    assert response.status_code == 404
    assert "There is no request with that key, or it is not yours to see." in page(response)
    assert ACME_TITLE not in page(response)
    assert page(response) == page(client.get("/portal/requests/ACME-999/"))


def test_keys_are_matched_whatever_their_case_and_still_isolated(client, world):
    client.force_login(world.acme.requester)
    assert client.get("/portal/requests/acme-1/").status_code == 200
    client.force_login(world.nord.requester)
    assert client.get("/portal/requests/acme-1/").status_code == 404


def test_foreign_home_lists_and_counts_only_its_own_organisation(client, world):
    # ACME's requests in every group a count could pick up: new, waiting on the customer, resolved, closed.
    waiting = world.acme.ticket(title="Acme second")
    for status in (Status.TRIAGED, Status.WAITING_ON_CUSTOMER):
        ticket_transition(actor=world.consultant, ticket=waiting, to=status)
    closed = world.acme.ticket(title="Acme third")
    resolve(closed, world.consultant)
    ticket_transition(actor=world.consultant, ticket=closed, to=Status.CLOSED)
    world.acme.ticket(by=world.acme.admin, title="Acme admin's own")
    for user, whole in ((world.nord.requester, False), (world.nord.admin, True)):
        client.force_login(user)
        response = client.get("/portal/")
        assert response.status_code == 200
        assert response.context["whole"] is whole
        assert [t.key for t in response.context["page"].rows] == ["NORD-1"]
        assert response.context["counts"] == {"open": 1, "waiting_on_you": 0, "resolved": 0, "finished": 0}
        html = page(response)
        assert [s for s in (*ACME_STRINGS, "Acme second", "Acme third", "Acme admin") if s in html] == []
        assert NORD_TITLE in html
        assert "<strong>1</strong> open</a></li>" in html


def test_foreign_organisation_in_the_query_string_changes_nothing(client, world):
    client.force_login(world.nord.admin)
    response = client.get("/portal/", {"show": "organisation", "organisation": world.acme.organisation.pk})
    assert [t.key for t in response.context["page"].rows] == ["NORD-1"]


def _colleague(world: World):
    colleague = factories.UserFactory(full_name="Colin Colleague")
    factories.MembershipFactory(user=colleague, organisation=world.acme.organisation, role=MembershipRole.REQUESTER)
    return colleague


def _ticket_urls(ticket) -> list[tuple[str, str, dict]]:
    attachment = ticket.attachments.get()
    return [
        ("GET", f"/portal/requests/{ticket.key}/", {}),
        ("GET", f"/portal/requests/{ticket.key}/files/{attachment.pk}/", {}),
        ("POST", f"/portal/requests/{ticket.key}/reply/", {"body": "Me too."}),
        ("POST", f"/portal/requests/{ticket.key}/confirm/", {}),
        ("POST", f"/portal/requests/{ticket.key}/reopen/", {"reason": "Not fixed."}),
        ("POST", f"/portal/requests/{ticket.key}/rating/", {"score": "1"}),
    ]


def test_plain_requester_does_not_see_a_colleagues_request(client, world):
    colleague_ticket = world.acme.ticket(by=_colleague(world), title="Colin's payroll question", files=[upload()])
    resolve(colleague_ticket, world.consultant)
    assert world.acme.organisation.request_visibility == RequestVisibility.OWN
    client.force_login(world.acme.requester)
    before = state()
    for method, path, data in _ticket_urls(colleague_ticket):
        response = client.get(path) if method == "GET" else client.post(path, data)
        assert response.status_code == 404, path
        assert "Colin" not in page(response)
    assert state() == before
    missing = page(client.get("/portal/requests/ACME-999/"))
    assert page(client.get(f"/portal/requests/{colleague_ticket.key}/")) == missing

    home = client.get("/portal/", {"show": "organisation"})
    assert (home.context["sees_all"], home.context["whole"]) == (False, False)
    assert [t.key for t in home.context["page"].rows] == ["ACME-1"]
    assert home.context["counts"] == {"open": 1, "waiting_on_you": 0, "resolved": 1, "finished": 0}
    assert "Colin" not in page(home)


def test_customer_admin_sees_every_request_of_the_organisation(client, world):
    colleague_ticket = world.acme.ticket(by=_colleague(world), title="Colin's payroll question", files=[upload()])
    client.force_login(world.acme.admin)
    assert client.get(f"/portal/requests/{colleague_ticket.key}/").status_code == 200
    attachment = colleague_ticket.attachments.get()
    download = client.get(f"/portal/requests/{colleague_ticket.key}/files/{attachment.pk}/")
    assert (download.status_code, body(download)) == (200, b"2025-01-15 import failed\n")
    home = client.get("/portal/")
    assert (home.context["sees_all"], home.context["whole"]) == (True, True)
    assert [t.key for t in home.context["page"].rows] == ["ACME-2", "ACME-1"]
    assert home.context["counts"] == {"open": 2, "waiting_on_you": 0, "resolved": 1, "finished": 0}
    mine = client.get("/portal/", {"show": "mine"})
    assert [t.key for t in mine.context["page"].rows] == []
    assert mine.context["counts"] == {"open": 0, "waiting_on_you": 0, "resolved": 0, "finished": 0}


def test_requesters_see_all_when_the_organisation_shares(client, world):
    colleague_ticket = world.acme.ticket(by=_colleague(world), title="Colin's payroll question", files=[upload()])
    world.acme.organisation.request_visibility = RequestVisibility.ORGANISATION
    world.acme.organisation.save()
    client.force_login(world.acme.requester)
    response = client.get(f"/portal/requests/{colleague_ticket.key}/")
    assert response.status_code == 200
    assert "Colin&#x27;s payroll question" in page(response)
    home = client.get("/portal/")
    assert (home.context["sees_all"], home.context["whole"]) == (True, True)
    assert [t.key for t in home.context["page"].rows] == ["ACME-2", "ACME-1"]
    mine = client.get("/portal/", {"show": "mine"})
    assert [t.key for t in mine.context["page"].rows] == ["ACME-1"]


def test_staff_member_who_is_also_a_customer_sees_only_their_customer_side(client, world):
    # Carla serves ACME as a consultant; in the portal she is only Nord's contact.
    factories.MembershipFactory(user=world.consultant, organisation=world.nord.organisation)
    client.force_login(world.consultant)
    before = state()
    for method, path, data in _ticket_urls(world.ticket):
        response = client.get(path) if method == "GET" else client.post(path, data)
        assert response.status_code == 404, path
    assert state() == before
    home = client.get("/portal/")
    assert [t.key for t in home.context["page"].rows] == []
    assert ACME_TITLE not in page(home)


def test_switching_to_a_foreign_organisation_is_404_and_keeps_the_session(client, world):
    person = world.acme.requester
    factories.MembershipFactory(user=person, organisation=world.nord.organisation)
    client.force_login(person)
    assert client.post("/portal/organisation/", {"organisation": world.nord.organisation.pk}).status_code == 302
    assert session_organisation(client) == world.nord.organisation.pk
    foreign = factories.OrganisationFactory(name="Other Ltd")
    for value in (foreign.pk, 999_999, "nord", ""):
        response = client.post("/portal/organisation/", {"organisation": value})
        assert response.status_code == 404, value
        assert session_organisation(client) == world.nord.organisation.pk
    assert client.get("/portal/").context["membership"].organisation == world.nord.organisation


def test_switcher_never_sets_a_session_for_a_foreign_organisation(client, world):
    client.force_login(world.nord.requester)
    response = client.post("/portal/organisation/", {"organisation": world.acme.organisation.pk})
    assert response.status_code == 404
    assert SESSION_KEY not in client.session
    assert client.get("/portal/").context["membership"].organisation == world.nord.organisation


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_request_types_not_offered_by_the_tier_are_404(client, world, method):
    not_in_tier = factories.RequestTypeFactory(name="Guidance", slug="guidance")
    inactive = factories.RequestTypeFactory(name="Retired", slug="retired", active=False)
    world.acme.organisation.contracts.get().tier.request_types.add(inactive)
    client.force_login(world.acme.requester)
    before = state()
    missing = _send(client, method, "/portal/new/no-such-request-type/", _request_form(world))
    assert missing.status_code == 404
    assert "Your subscription does not offer this kind of request." in page(missing)
    for slug in (not_in_tier.slug, inactive.slug, world.nord.incident.slug):
        response = _send(client, method, f"/portal/new/{slug}/", _request_form(world))
        assert (response.status_code, page(response)) == (404, page(missing)), slug
    assert state() == before


def test_request_types_of_a_lapsed_contract_are_404(client, world):
    world.acme.organisation.contracts.update(ends_on="2020-12-31")
    reference.changed()  # QuerySet.update() sends no signal
    client.force_login(world.acme.requester)
    assert client.get(f"/portal/new/{world.acme.incident.slug}/").status_code == 404
    catalogue = client.get("/portal/new/")
    assert "Your organisation has no subscription in force." in page(catalogue)
    assert "Incident ACME" not in page(catalogue)


def test_attachment_must_belong_to_the_ticket_in_the_url(client, world):
    other = world.acme.ticket(title="Another")
    client.force_login(world.acme.requester)
    path = f"/portal/requests/{other.key}/files/{world.attachment.pk}/"
    assert client.get(path).status_code == 404


def test_internal_attachments_are_not_downloadable(client, world):
    world.attachment.public = False
    world.attachment.save()
    client.force_login(world.acme.requester)
    response = client.get(f"/portal/requests/ACME-1/files/{world.attachment.pk}/")
    assert response.status_code == 404
    assert ACME_FILE not in page(client.get("/portal/requests/ACME-1/"))


def test_inactive_person_is_signed_out(client, world):
    client.force_login(world.acme.requester)
    world.acme.requester.is_active = False
    world.acme.requester.save()
    response = client.get("/portal/requests/ACME-1/")
    assert (response.status_code, response["Location"]) == (302, login_redirect("/portal/requests/ACME-1/"))


def test_status_of_a_refused_ticket_is_untouched(client, world):
    client.force_login(world.nord.admin)
    client.post("/portal/requests/ACME-1/confirm/")
    client.post("/portal/requests/ACME-1/reopen/", {"reason": "x"})
    world.ticket.refresh_from_db()
    assert world.ticket.status == Status.RESOLVED


def test_following_a_foreign_ticket_reveals_nothing(client, world):
    # A watcher row pointing across organisations (it should never exist) still opens nothing.
    TicketWatcher.objects.create(ticket=world.ticket, user=world.nord.requester, organisation=world.acme.organisation)
    client.force_login(world.nord.requester)
    assert client.get("/portal/requests/ACME-1/").status_code == 404
    assert client.get(f"/portal/requests/ACME-1/files/{world.attachment.pk}/").status_code == 404
    home = client.get("/portal/")
    assert [t.key for t in home.context["page"].rows] == ["NORD-1"]


# What the knowledge base's search finds of ACME's: its known issue (by a word of its title, of its text, a
# prefix, a typo), its article, and never a word only its problem holds or an internal article.
KNOWLEDGE_SEARCHES = {"known issue title": "stalls", "known issue text": "halves", "prefix": "halv",
                      "typo": "hlaves", "article": "imports prices", "problem only": "spooler",
                      "internal article": "runbook"}  # fmt: skip


@pytest.fixture
def acme_knowledge(world):
    """ACME's known issue and article for ACME only, and an internal article for every customer."""
    from picocore.knowledge.services import ArticleFields, article_create, article_publish
    from picocore.tenancy.choices import StaffRole

    issue_id = _acme_known_issue(world)["issue_id"]
    _acme_article(world)
    author = factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER)
    internal = article_create(actor=author, fields=ArticleFields(
        title="Import runbook", body_html="<p>Export in two halves, by hand.</p>", audience="internal"))  # fmt: skip
    article_publish(actor=author, article_id=internal.pk)
    return issue_id


def _knowledge_found(client, typed: str) -> tuple[list[str], list[str], str]:
    response = client.get(reverse("portal:knowledge"), {"q": typed})
    assert response.status_code == 200
    found = response.context["found"]
    issues = [str(hit.title) for hit in found.known_issues]
    return issues, [row.article.title for row in found.listing.articles], page(response)


@pytest.mark.parametrize("person", ["requester", "admin"])
def test_another_organisations_search_never_finds_acmes_known_issue_or_article(client, world, acme_knowledge,
                                                                               person):  # fmt: skip
    client.force_login(getattr(world.nord, person))
    for name, typed in KNOWLEDGE_SEARCHES.items():
        issues, articles, html = _knowledge_found(client, typed)
        assert (issues, articles) == ([], []), name
        assert [s for s in (*ACME_STRINGS, "stalls", "halves", "runbook") if s in html and s != typed] == [], name


def test_acmes_search_finds_its_known_issue_and_article_but_never_an_internal_one(client, world, acme_knowledge):
    client.force_login(world.acme.requester)
    found = {name: _knowledge_found(client, typed)[:2] for name, typed in KNOWLEDGE_SEARCHES.items()}
    issue = [f"{ACME_TITLE} <mark>stalls</mark>"]
    assert found == {
        "known issue title": (issue, []),
        "known issue text": ([f"{ACME_TITLE} stalls"], []),
        "prefix": ([f"{ACME_TITLE} stalls"], []),
        "typo": ([f"{ACME_TITLE} stalls"], []),
        "article": ([], ["How ACME PIM imports prices"]),
        "problem only": ([], []),  # the problem's description, not its known issue's
        "internal article": ([], []),
    }
