"""Tenant isolation, walked over every desk URL.

The walk is built from `picocore.desk.urls.urlpatterns`: a new URL without a case in `CASES` fails the suite.
Each URL is requested with GET and POST as a consultant whose teams do not serve ACME, as a customer (ACME's
own requester), as a developer of another team, anonymously, and — to show the refusals are not vacuous — as
the person who may do it. Every refusal also asserts that nothing changed.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from picocore.catalog.choices import Impact, Urgency
from picocore.desk import urls as desk_urls
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket
from picocore.tickets.queues import Filters, queues_for
from picocore.tickets.services import ticket_take, ticket_transition
from picocore.tickets.services.canned_replies import CannedReplyFields, canned_reply_create
from picocore.tickets.services.saved_views import saved_view_create
from tests.conftest import prove_recently
from tests.desk.conftest import (
    ACME_CHANGE_TITLE,
    ACME_FILE,
    ACME_FILE_BODY,
    ACME_NOTE,
    ACME_NOTE_FILE_BODY,
    ACME_TITLE,
    NORD_CHANGE_TITLE,
    NORD_TITLE,
    DeskWorld,
    body,
    bulk_results,
    form_errors,
    leaked,
    login_redirect,
    page,
    state,
    upload,
)

pytestmark = pytest.mark.django_db

NO_SUCH_TICKET = "No such ticket, or not yours to work on."


def zero_counts(user) -> dict[str, int]:
    """Every queue of the user at zero: the counts a test expects are written on top (so a queue added later,
    like the SLA's "breaching soon", which holds nothing here as the fixtures promise no times, is covered)."""
    return {q.slug: 0 for q in queues_for(user)}


def _nothing(world: DeskWorld) -> dict:
    return {}


def _key(world: DeskWorld) -> dict:
    return {"key": world.ticket.key}


def _key_with_an_hour_bank(world: DeskWorld) -> dict:
    from picocore.hours.models import HourTerms

    HourTerms.objects.get_or_create(contract=world.acme.organisation.contracts.get(), defaults={"included_minutes": 60})
    return _key(world)


def _yesterday() -> str:
    return (dt.date.today() - dt.timedelta(days=1)).isoformat()


def _carla_entry(world: DeskWorld) -> dict:
    """Carla's own time entry on ACME-1, inside its edit window."""
    from picocore.hours.services import time_log

    entry = time_log(actor=world.consultant, ticket=world.ticket, minutes=30, work_date=dt.date.fromisoformat(
        _yesterday()), description="Checked the export")  # fmt: skip
    return {"key": world.ticket.key, "entry_id": entry.pk}


def _acme_contract_month(world: DeskWorld) -> dict:
    """ACME's contract and the month before this one: a month that has ended and is open."""
    first = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    return {"contract_id": world.acme.organisation.contracts.get().pk, "month": f"{first:%Y-%m}"}


def _missing_contract(world: DeskWorld) -> dict:
    return {"contract_id": 999_999, "month": _acme_contract_month(world)["month"]}


def _missing_key(world: DeskWorld) -> dict:
    return {"key": "ACME-999"}


def _change_not_yet_handed_off(world: DeskWorld) -> dict:
    """A new ACME change request (ACME-2 is already with ACME development, so handing it again does nothing)."""
    change = world.acme.ticket(title=ACME_CHANGE_TITLE, request_type=world.change_type)
    return {"key": change.key}


def _acme_change(world: DeskWorld, status: str = "draft") -> dict:
    """A draft normal change of ACME's, named like ACME's change request (so a page leaking it is caught)."""
    from picocore.changes.models import Change
    from picocore.changes.services import change_create

    change = change_create(actor=world.consultant, organisation_id=world.acme.organisation.pk, change_type="normal",
                           title=ACME_CHANGE_TITLE, reason="The vendor ends support.")  # fmt: skip
    Change.objects.filter(pk=change.pk).update(status=status)
    return {"change_id": change.pk}


def _confirm_acme_component(world: DeskWorld) -> dict:
    from picocore.cmdb.models import Component

    component, _ = Component.objects.get_or_create(environment=world.acme.production, name="Shop CMS",
                                                   defaults={"kind": "application"})  # fmt: skip
    return {"confirm": component.pk}


def _missing_change(world: DeskWorld) -> dict:
    return {"change_id": 999_999}


def _phone_call(world: DeskWorld) -> dict:
    return {
        "contact": world.acme.requester.memberships.get().pk,
        "request_type": world.acme.incident.pk,
        "title": "Shop down",
        "description": "Called at 9:02, nothing loads.",
        "impact": Impact.HIGH,
        "urgency": Urgency.HIGH,
        "environment": world.acme.production.pk,
    }


def _carla_view(world: DeskWorld) -> dict:
    """Carla's personal saved view of ACME's tickets."""
    view = saved_view_create(
        actor=world.consultant,
        name="ACME only",
        queue="team",
        filters=Filters(organisation=world.acme.organisation.pk),
        sort=None,
    )
    return {"view_id": view.pk}


def _carla_reply(world: DeskWorld) -> dict:
    """Carla's personal canned reply, holding something of ACME's."""
    fields = CannedReplyFields(name="ACME careful", body=f"{ACME_NOTE} ({{ticket_key}})")
    return {"reply_id": canned_reply_create(actor=world.consultant, fields=fields).pk}


def _otto_has_hello(world: DeskWorld) -> dict:
    """Otto already keeps a reply named "Hello": his post of the same one is refused (and changes nothing),
    Carla's is saved."""
    canned_reply_create(actor=world.outsider, fields=CannedReplyFields(name="Hello", body="Hi."))
    return {}


def _canned_form(world: DeskWorld) -> dict:
    return {"name": "Hello", "kind": "reply", "body": "Hi {requester_first_name}", "scope": "personal",
            "active": "on"}  # fmt: skip


def _acme_review(world: DeskWorld) -> dict:
    """ACME's draft review of a past month."""
    from tests.reviews.support import past_review

    return {"review_id": past_review(world.acme.organisation, sent=False).pk}


def _acme_change_awaiting(world: DeskWorld) -> dict:
    """ACME's normal change awaiting approval: the CAB (service managers) votes on it."""
    from tests.changes.approval_support import make_change

    return {"change_id": make_change(world.acme.organisation, by=world.manager, title="ACME PIM upgrade").pk}


def _acme_landscape(world: DeskWorld) -> tuple:
    """ACME's PIM and CMS linked by an export, and ACME's approver contact (made once per test)."""
    from picocore.cmdb.models import Component, Contact, Integration

    env = world.acme.production
    pim, _ = Component.objects.get_or_create(environment=env, name="ACME PIM app", defaults={"kind": "application"})
    cms, _ = Component.objects.get_or_create(environment=env, name="ACME CMS", defaults={"kind": "application"})
    export, _ = Integration.objects.get_or_create(source=pim, target=cms, name="ACME export")
    contact, _ = Contact.objects.get_or_create(organisation=world.acme.organisation, role="approver", name="ACME Ann")
    return pim, cms, export, contact


def _acme_org(world: DeskWorld) -> dict:
    _acme_landscape(world)
    return {"organisation_id": world.acme.organisation.pk}


def _acme_component(world: DeskWorld) -> dict:
    return {"component_id": _acme_landscape(world)[0].pk}


def _component_form(world: DeskWorld) -> dict:
    return {"environment": world.acme.production.pk, "name": "ACME search", "kind": "search_index", "version": "9"}


def _integration_form(world: DeskWorld) -> dict:
    pim, cms, _export, _contact = _acme_landscape(world)
    return {"name": "ACME prices", "source": pim.pk, "target": cms.pk, "direction": "one_way"}


def _import_form(world: DeskWorld) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "solution,environment,component,kind\nACME PIM,production,ACME imported,application\n"
    return {"components": SimpleUploadedFile("components.csv", text.encode())}


def _impact_form(world: DeskWorld) -> dict:
    return {"component": _acme_landscape(world)[1].pk, "action": "confirm"}


def _acme_problem(world: DeskWorld, *, linked: bool = False, fixed: bool = False) -> dict:
    """A problem affecting ACME through its component "ACME problem PIM" (and, `linked`, through ACME-1), with a
    workaround; `fixed`, with a completed fixing change of ACME's. Otto, who does not serve ACME, may not see it."""
    from picocore.cmdb.models import Component
    from picocore.problems.services import (
        problem_component_add,
        problem_create,
        problem_link_incident,
        problem_set_fixing_change,
    )
    from tests.changes.approval_support import make_change

    problem = problem_create(actor=world.consultant, title="Imports stall at night", workaround="Run it again.")
    component, _ = Component.objects.get_or_create(environment=world.acme.production, name="ACME problem PIM",
                                                   defaults={"kind": "application"})  # fmt: skip
    Component.objects.get_or_create(environment=world.acme.production, name="ACME problem CMS",
                                    defaults={"kind": "application"})  # fmt: skip
    problem_component_add(actor=world.consultant, problem_id=problem.pk, component_id=component.pk)
    if linked or fixed:
        problem_link_incident(actor=world.consultant, problem_id=problem.pk, ticket_key=world.ticket.key)
    if fixed:
        change = make_change(world.acme.organisation, by=world.consultant, status="review", title="Fix the imports")
        problem_set_fixing_change(actor=world.consultant, problem_id=problem.pk, change_key=change.key)
    make_change(world.acme.organisation, by=world.consultant, status="draft", title="Raise the lock timeout")
    return {"problem_id": problem.pk}


def _acme_component_named(name: str) -> int:
    from picocore.cmdb.models import Component

    return Component.objects.get(name=name).pk


def _acme_change_titled(title: str) -> str:
    from picocore.changes.models import Change

    return Change.objects.get(title=title).key


def _acme_proposal(world: DeskWorld) -> dict:
    """A proposed problem: five ACME incidents on one component."""
    from picocore.cmdb.models import Component
    from picocore.problems.models import Proposal
    from picocore.problems.services import proposals_detect

    component, _ = Component.objects.get_or_create(environment=world.acme.production, name="ACME flaky PIM",
                                                   defaults={"kind": "application"})  # fmt: skip
    for _n in range(5):
        world.acme.ticket(title="Export broken", component=component)
    proposals_detect()
    return {"proposal_id": Proposal.objects.get().pk}


_MISSING_PROBLEM = {"problem_id": 999_999}


def _key_and_a_problem(world: DeskWorld) -> dict:
    """ACME-1, and a problem (affecting nobody yet) to link it to."""
    from picocore.problems.services import problem_create

    problem_create(actor=world.manager, title="Problem for the ticket page")
    return _key(world)


def _the_problem_key(world: DeskWorld) -> dict:
    from picocore.problems.models import Problem

    return {"problem": Problem.objects.get(title="Problem for the ticket page").key}


_MISSING_ORG = {"organisation_id": 999_999}


def _acme_article(world: DeskWorld, status: str = "draft") -> dict:
    """A draft internal article for ACME only, named like ACME's ticket (so a page leaking it is caught)."""
    from picocore.knowledge.models import Article
    from picocore.knowledge.services import ArticleFields, article_create

    fields = ArticleFields(title=f"{ACME_TITLE}: how to re-run it", body_html=f"<p>{ACME_NOTE}</p>",
                           for_all_customers=False, organisation_ids=[world.acme.organisation.pk])  # fmt: skip
    article = article_create(actor=world.consultant, fields=fields)
    Article.objects.filter(pk=article.pk).update(status=status)
    return {"article_id": article.pk}


def _an_acme_article_exists(world: DeskWorld) -> dict:
    """ACME's article, overdue for review: the list and its reviews due must not show it to the outsider."""
    from picocore.knowledge.models import Article

    Article.objects.filter(pk=_acme_article(world)["article_id"]).update(review_due=dt.date(2020, 1, 1))
    return {}


def _acme_article_file(world: DeskWorld) -> dict:
    from picocore.knowledge.services import article_attach

    kwargs = _acme_article(world)
    (made,) = article_attach(actor=world.consultant, article_id=kwargs["article_id"], files=[upload(ACME_FILE)])
    return {**kwargs, "attachment_id": made.pk}


def _acme_article_form(world: DeskWorld) -> dict:
    return {"title": "Re-run the ACME export", "body_html": "<p>Retry.</p>", "audience": "internal",
            "for_all_customers": "chosen", "organisations": [world.acme.organisation.pk]}  # fmt: skip


def _resolved_acme_ticket(world: DeskWorld) -> dict:
    ticket = world.acme.ticket(title=ACME_TITLE)
    ticket_transition(actor=world.consultant, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_transition(actor=world.consultant, ticket=ticket, to=Status.RESOLVED, note="Re-ran the export.")
    return {"key": ticket.key}


_MISSING_ARTICLE = {"article_id": 999_999}


@dataclass(frozen=True)
class Case:
    """How to request one desk URL about ACME's data, and what the person who may do it gets."""

    methods: tuple[str, ...]  # what the view allows; every other method answers 405
    owner: dict[str, int]  # what the right person gets: proof that the refusals are not vacuous
    kwargs: Callable[[DeskWorld], dict] = _nothing
    data: Callable[[DeskWorld], dict] = _nothing  # the POST body; builds fresh uploads on every call
    # The same request naming an ACME object that does not exist. None: the URL names no ticket or item, and
    # the outsider gets their own page (checked for ACME's data) instead of a 404.
    missing_kwargs: Callable[[DeskWorld], dict] | None = None
    development: bool = False  # a development page: the right person is ACME's developer, not a consultant
    manager: bool = False  # a service manager's action: the right person is the manager, not a consultant
    outsider: dict[str, int] = field(default_factory=dict)  # what the outsider gets on a page naming no object


CASES: dict[str, Case] = {
    "home": Case(methods=("GET", "POST"), owner={"GET": 302, "POST": 302}, outsider={"GET": 302, "POST": 302}),
    "queue": Case(methods=("GET",), owner={"GET": 200}, kwargs=lambda w: {"slug": "team"}, outsider={"GET": 200}),
    "search": Case(methods=("GET",), owner={"GET": 200}, outsider={"GET": 200}),
    "bulk": Case(
        methods=("POST",),
        owner={"POST": 200},
        data=lambda w: {"action": "take", "keys": [w.ticket.key, w.change.key]},
        outsider={"POST": 200},
    ),
    "saved_view_save": Case(
        methods=("POST",),
        owner={"POST": 302},
        data=lambda w: {"name": "ACME work", "queue": "team", "query": f"organisation={w.acme.organisation.pk}"},
        outsider={"POST": 302},  # refused: the outsider does not serve ACME; nothing saved
    ),
    "saved_view_open": Case(
        methods=("GET",), owner={"GET": 302}, kwargs=_carla_view, missing_kwargs=lambda w: {"view_id": 999_999}
    ),
    "saved_view_rename": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_carla_view,
        missing_kwargs=lambda w: {"view_id": 999_999},
        data=lambda w: {"name": "ACME, renamed"},
    ),
    "saved_view_delete": Case(
        methods=("POST",), owner={"POST": 302}, kwargs=_carla_view, missing_kwargs=lambda w: {"view_id": 999_999}
    ),
    "phone": Case(
        methods=("GET", "POST"), owner={"GET": 200, "POST": 302}, data=_phone_call, outsider={"GET": 200, "POST": 400}
    ),
    "canned_replies": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=_otto_has_hello,
        data=_canned_form,
        outsider={"GET": 200, "POST": 400},
    ),
    "canned_reply": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=_carla_reply,
        missing_kwargs=lambda w: {"reply_id": 999_999},
        data=_canned_form,
    ),
    "canned_reply_delete": Case(
        methods=("POST",), owner={"POST": 302}, kwargs=_carla_reply, missing_kwargs=lambda w: {"reply_id": 999_999}
    ),
    "ticket": Case(methods=("GET",), owner={"GET": 200}, kwargs=_key, missing_kwargs=_missing_key),
    "take": Case(methods=("POST",), owner={"POST": 302}, kwargs=_key, missing_kwargs=_missing_key),
    "assign": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {"team": w.operations.pk, "assignee": w.consultant.pk},
    ),
    "transition": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {"to": Status.IN_PROGRESS, "note": "", "expected_status": Status.NEW},
    ),
    "reply": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {"body": "We are on it.", "attachments": [upload()]},
    ),
    "note": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {"body": "Looks like the CDN.", "attachments": [upload()]},
    ),
    "presence": Case(
        methods=("POST",),
        owner={"POST": 200},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {"typing": "1"},
    ),
    # Names its ticket in the body: a ticket the person may not work on is not found, and nothing is saved.
    "timeline_order": Case(
        methods=("POST",), owner={"POST": 302}, data=lambda w: {"order": "oldest", "key": w.ticket.key}
    ),
    # Yesterday: a day that has come in every time zone.
    "ticket_time": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {
            "duration_hours": "1",
            "duration_minutes": "15",
            "billable": "on",
            "work_date": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
        },
    ),
    "ticket_time_entry": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=_carla_entry,
        missing_kwargs=lambda w: {"key": w.ticket.key, "entry_id": 999_999},
        data=lambda w: {
            "duration_hours": "0",
            "duration_minutes": "45",
            "billable": "on",
            "work_date": _yesterday(),
            "description": "Checked the export twice",
        },
    ),
    "ticket_time_entry_delete": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_carla_entry,
        missing_kwargs=lambda w: {"key": w.ticket.key, "entry_id": 999_999},
    ),
    # The desk's hour banks: a list of the contracts the person serves (the outsider sees Nord's), and per contract
    # and month its figures; service managers adjust and close.
    "hours": Case(methods=("GET",), owner={"GET": 200}, outsider={"GET": 200}),
    "hours_month": Case(
        methods=("GET",), owner={"GET": 200}, kwargs=_acme_contract_month, missing_kwargs=_missing_contract
    ),
    "hours_adjust": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_contract_month,
        missing_kwargs=_missing_contract,
        data=lambda w: {"direction": "add", "amount_hours": "2", "amount_minutes": "0", "reason": "Goodwill"},
        manager=True,
    ),
    "hours_close": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_contract_month,
        missing_kwargs=_missing_contract,
        manager=True,
    ),
    "ticket_timer": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {"action": "start"},
    ),
    # ACME's contract includes an hour a month: six hours of work need the customer's approval.
    "overage_ask": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key_with_an_hour_bank,
        missing_kwargs=_missing_key,
        data=lambda w: {"estimate_hours": "6", "estimate_minutes": "0", "note": "Rebuild the index"},
    ),
    "next_step": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {"text": "Restart the importer", "due": "2030-01-15"},
    ),
    "priority": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {"priority": 1, "reason": "The shop is down."},
    ),
    "link": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {"kind": "related", "other": w.change.key},
    ),
    "merge": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {"into": w.change.key},
    ),
    "ticket_problem": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key_and_a_problem,
        missing_kwargs=_missing_key,
        data=_the_problem_key,
    ),
    "hand_off": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_change_not_yet_handed_off,
        missing_kwargs=_missing_key,
        data=lambda w: {"team": w.acme_development.pk, "brief": "A second layout."},
    ),
    "attachment": Case(
        methods=("GET",),
        owner={"GET": 200},
        kwargs=lambda w: {"key": w.ticket.key, "attachment_id": w.public_file.pk},
        missing_kwargs=lambda w: {"key": w.ticket.key, "attachment_id": 999_999},
    ),
    # The change calendar of the customers one serves; feeds and the CAB's vote (tests/changes).
    "changes_calendar": Case(methods=("GET",), owner={"GET": 200}, outsider={"GET": 200}),
    "changes_feed": Case(
        methods=("POST",), owner={"POST": 302}, data=lambda w: {"organisation": w.acme.organisation.pk}, manager=True
    ),
    "change_cab_vote": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_change_awaiting,
        missing_kwargs=lambda w: {"change_id": 999_999},
        data=lambda w: {"decision": "approved"},
        manager=True,
    ),
    # Reviews: read by the staff serving ACME, written and sent by service managers (tests/reviews).
    # The customers' landscapes: the staff serving ACME only; ACME's id is the same 404 as a missing one.
    "landscapes": Case(methods=("GET",), owner={"GET": 200}, outsider={"GET": 200}),
    "landscape": Case(methods=("GET",), owner={"GET": 200}, kwargs=_acme_org, missing_kwargs=lambda w: _MISSING_ORG),
    "landscape_components_csv": Case(
        methods=("GET",), owner={"GET": 200}, kwargs=_acme_org, missing_kwargs=lambda w: _MISSING_ORG
    ),
    "landscape_integrations_csv": Case(
        methods=("GET",), owner={"GET": 200}, kwargs=_acme_org, missing_kwargs=lambda w: _MISSING_ORG
    ),
    "landscape_import": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=_acme_org,
        missing_kwargs=lambda w: _MISSING_ORG,
        data=_import_form,
    ),
    "component_new": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=_acme_org,
        missing_kwargs=lambda w: _MISSING_ORG,
        data=_component_form,
    ),
    "integration_new": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=_acme_org,
        missing_kwargs=lambda w: _MISSING_ORG,
        data=_integration_form,
    ),
    "integration_edit": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=lambda w: {"integration_id": _acme_landscape(w)[2].pk},
        missing_kwargs=lambda w: {"integration_id": 999_999},
        data=_integration_form,
    ),
    "contact_edit": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=lambda w: {"contact_id": _acme_landscape(w)[3].pk},
        missing_kwargs=lambda w: {"contact_id": 999_999},
        data=lambda w: {"role": "technical", "name": "ACME Tech", "email": "tech@acme.test"},
    ),
    "contact_new": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=_acme_org,
        missing_kwargs=lambda w: _MISSING_ORG,
        data=lambda w: {"role": "technical", "name": "ACME Tech", "email": "tech@acme.test"},
    ),
    "component": Case(
        methods=("GET",), owner={"GET": 200}, kwargs=_acme_component, missing_kwargs=lambda w: {"component_id": 999_999}
    ),
    "component_edit": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=_acme_component,
        missing_kwargs=lambda w: {"component_id": 999_999},
        data=_component_form,
    ),
    "component_delete": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_component,
        missing_kwargs=lambda w: {"component_id": 999_999},
    ),
    "runbook_revise": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_component,
        missing_kwargs=lambda w: {"component_id": 999_999},
        data=lambda w: {"text": "Restart the ACME importer."},
    ),
    "integration_delete": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=lambda w: {"integration_id": _acme_landscape(w)[2].pk},
        missing_kwargs=lambda w: {"integration_id": 999_999},
    ),
    "contact_delete": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=lambda w: {"contact_id": _acme_landscape(w)[3].pk},
        missing_kwargs=lambda w: {"contact_id": 999_999},
    ),
    "ticket_impact": Case(
        methods=("POST",), owner={"POST": 302}, kwargs=_key, missing_kwargs=_missing_key, data=_impact_form
    ),
    "ticket_component": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_key,
        missing_kwargs=_missing_key,
        data=lambda w: {"component": _acme_landscape(w)[1].pk},
    ),
    "reviews": Case(methods=("GET",), owner={"GET": 200}, outsider={"GET": 200}),
    "review": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=_acme_review,
        missing_kwargs=lambda w: {"review_id": 999_999},
        data=lambda w: {"summary": "A calm month.", "proposals": "Night-time imports."},
        manager=True,
    ),
    "review_send": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_review,
        missing_kwargs=lambda w: {"review_id": 999_999},
        manager=True,
    ),
    "review_pdf": Case(
        methods=("GET",), owner={"GET": 200}, kwargs=_acme_review, missing_kwargs=lambda w: {"review_id": 999_999}
    ),
    "changes": Case(methods=("GET",), owner={"GET": 200}, outsider={"GET": 200}),
    "change_new": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        outsider={"GET": 200, "POST": 400},
        data=lambda w: {
            "change_type": "normal",
            "organisation": w.acme.organisation.pk,
            "title": "Upgrade",
            "reason": "Support ends.",
        },
    ),
    "change": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=_acme_change,
        missing_kwargs=_missing_change,
        data=lambda w: {"title": "Upgrade", "reason": "Support ends.", "downtime_minutes": "10"},
    ),
    "change_components": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_change,
        missing_kwargs=_missing_change,
        data=_confirm_acme_component,
    ),
    "change_schedule": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_change,
        missing_kwargs=_missing_change,
        data=lambda w: {"start": "2027-01-12T20:00", "end": "2027-01-12T21:00"},
    ),
    "change_transition": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_change,
        missing_kwargs=_missing_change,
        data=lambda w: {"target": "assessment"},
    ),
    "change_review": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=lambda w: _acme_change(w, status="review"),
        missing_kwargs=_missing_change,
        data=lambda w: {"outcome": "successful", "lessons": "Warm the cache first."},
    ),
    "change_from_ticket": Case(
        methods=("POST",), owner={"POST": 302}, kwargs=lambda w: {"key": w.change.key}, missing_kwargs=_missing_key
    ),
    "problems": Case(methods=("GET",), owner={"GET": 200}, outsider={"GET": 200}),
    "problem_new": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        outsider={"GET": 200, "POST": 400},  # refused: ACME-1 is not Otto's to link; nothing made
        data=lambda w: {"title": "Imports stall", "incident": w.ticket.key},
    ),
    "problem_proposals": Case(methods=("GET",), owner={"GET": 200}, manager=True),
    "problem_proposal": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_proposal,
        missing_kwargs=lambda w: {"proposal_id": 999_999},
        data=lambda w: {"action": "dismiss"},
        manager=True,
    ),
    "problem": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=_acme_problem,
        missing_kwargs=lambda w: _MISSING_PROBLEM,
        data=lambda w: {"title": "Imports stall", "workaround": "Run it again."},
    ),
    "problem_transition": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_problem,
        missing_kwargs=lambda w: _MISSING_PROBLEM,
        data=lambda w: {"target": "investigating"},
    ),
    "problem_incidents": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_problem,
        missing_kwargs=lambda w: _MISSING_PROBLEM,
        data=lambda w: {"ticket": w.ticket.key},
    ),
    "problem_components": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_problem,
        missing_kwargs=lambda w: _MISSING_PROBLEM,
        data=lambda w: {"add": _acme_component_named("ACME problem CMS")},
    ),
    "problem_change": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_problem,
        missing_kwargs=lambda w: _MISSING_PROBLEM,
        data=lambda w: {"change": _acme_change_titled("Raise the lock timeout")},
    ),
    "problem_publish": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=lambda w: _acme_problem(w, linked=True),
        missing_kwargs=lambda w: _MISSING_PROBLEM,
    ),
    "problem_known_issue": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_problem,
        missing_kwargs=lambda w: _MISSING_PROBLEM,
        data=lambda w: {
            "known_issue_title": "Imports may stall",
            "known_issue_text": "Run it again.",
            "action": "publish",
        },
    ),
    "problem_resolve": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=lambda w: _acme_problem(w, fixed=True),
        missing_kwargs=lambda w: _MISSING_PROBLEM,
        data=lambda w: {"tickets": [w.ticket.pk], "note": "Fixed by the change."},
    ),
    # The knowledge base: an article for ACME only is read and written by the staff serving ACME (tests/knowledge).
    "knowledge": Case(methods=("GET",), owner={"GET": 200}, kwargs=_an_acme_article_exists, outsider={"GET": 200}),
    "article_new": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        outsider={"GET": 200, "POST": 400},
        data=_acme_article_form,
    ),
    "article": Case(
        methods=("GET",), owner={"GET": 200}, kwargs=_acme_article, missing_kwargs=lambda w: _MISSING_ARTICLE
    ),
    "article_edit": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=_acme_article,
        missing_kwargs=lambda w: _MISSING_ARTICLE,
        data=_acme_article_form,
    ),
    "article_version": Case(
        methods=("GET",),
        owner={"GET": 200},
        kwargs=lambda w: {**_acme_article(w), "number": 1},
        missing_kwargs=lambda w: {**_MISSING_ARTICLE, "number": 1},
    ),
    "article_publish": Case(
        methods=("POST",), owner={"POST": 302}, kwargs=_acme_article, missing_kwargs=lambda w: _MISSING_ARTICLE
    ),
    "article_reviewed": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_article,
        missing_kwargs=lambda w: _MISSING_ARTICLE,
        data=lambda w: {"next_review": "2031-01-15"},
    ),
    "article_archive": Case(
        methods=("POST",), owner={"POST": 302}, kwargs=_acme_article, missing_kwargs=lambda w: _MISSING_ARTICLE
    ),
    "article_files": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=_acme_article,
        missing_kwargs=lambda w: _MISSING_ARTICLE,
        data=lambda w: {"attachments": [upload()]},
    ),
    "article_file": Case(
        methods=("GET",),
        owner={"GET": 200},
        kwargs=_acme_article_file,
        missing_kwargs=lambda w: {**_MISSING_ARTICLE, "attachment_id": 999_999},
    ),
    "article_from_ticket": Case(
        methods=("POST",), owner={"POST": 302}, kwargs=_resolved_acme_ticket, missing_kwargs=_missing_key
    ),
    "development": Case(methods=("GET",), owner={"GET": 200}, development=True),
    "development_item": Case(
        methods=("GET", "POST"),
        owner={"GET": 200, "POST": 302},
        kwargs=lambda w: {"item_id": w.item.pk},
        missing_kwargs=lambda w: {"item_id": 999_999},
        data=lambda w: {"milestone": "accepted"},
        development=True,
    ),
    # Yesterday, as for ticket_time: time the developer worked, counted against ACME-2.
    "development_item_time": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=lambda w: {"item_id": w.item.pk},
        missing_kwargs=lambda w: {"item_id": 999_999},
        data=lambda w: {
            "duration_hours": "2",
            "duration_minutes": "0",
            "billable": "on",
            "work_date": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
        },
        development=True,
    ),
    "development_item_timer": Case(
        methods=("POST",),
        owner={"POST": 302},
        kwargs=lambda w: {"item_id": w.item.pk},
        missing_kwargs=lambda w: {"item_id": 999_999},
        data=lambda w: {"action": "start"},
        development=True,
    ),
}

URL_NAMES = [pattern.name for pattern in desk_urls.urlpatterns]
ACTORS = ("outsider", "customer", "developer", "anonymous", "owner")


def test_every_desk_url_has_an_isolation_case():
    assert len(URL_NAMES) == len(set(URL_NAMES)), "every desk URL needs a name"
    assert sorted(CASES) == sorted(URL_NAMES)


def _user(world: DeskWorld, actor: str, case: Case):
    return {
        "outsider": world.outsider,
        "customer": world.acme.requester,
        "developer": world.developer,
        "anonymous": None,
        "owner": world.acme_developer if case.development else world.manager if case.manager else world.consultant,
    }[actor]


def _send(client, method: str, path: str, data: dict):
    return client.get(path) if method == "GET" else client.post(path, data)


def _check_owner(world: DeskWorld, name: str, method: str, response) -> None:
    """The right person really gets what the others are refused."""
    if name == "attachment":
        assert body(response) == ACME_FILE_BODY
    elif name == "ticket":
        assert ACME_TITLE in page(response)
    elif name == "bulk":
        assert bulk_results(response) == [(world.ticket.key, True, "Done."), (world.change.key, True, "Done.")]
    elif name == "development":
        assert [item.pk for item in response.context["items"]] == [world.item.pk]
    elif name == "presence":
        assert response.json() == {"others": []}
    elif name == "timeline_order":
        assert response["Location"] == f"/desk/tickets/{world.ticket.key}/"
    elif name == "landscapes":
        assert [o.name for o in response.context["organisations"]] == ["Acme Ltd", "Nord Ltd"]
    elif name == "hours":
        assert [contract.organisation.name for contract, _month in response.context["rows"]] == ["Acme Ltd", "Nord Ltd"]
    elif name == "hours_month":
        assert "Acme Ltd" in page(response)
    elif name == "problem" and method == "GET":
        assert "Imports stall at night" in page(response) and "Acme Ltd" in page(response)
    elif name == "knowledge":
        assert [a.title for a in response.context["due"]] == [f"{ACME_TITLE}: how to re-run it"]
        assert ACME_TITLE in page(response)
    elif name == "article_file":
        assert body(response) == b"2025-01-15 import failed\n"


def _check_outsider_page(world: DeskWorld, name: str, method: str, response) -> None:
    """A page naming no ACME object, seen by the outsider: their own work, nothing of ACME's (but the keys
    they typed in themselves)."""
    typed = {"bulk": (world.ticket.key, world.change.key), "problem_new": (world.ticket.key,)}
    assert leaked(response, own=typed.get(name, ())) == []
    if name == "home":
        assert response["Location"] == "/desk/queues/mine/"
    elif name == "queue":
        assert [t.key for t in response.context["page"].rows] == [world.nord_change.key, world.nord_ticket.key]
        assert NORD_TITLE in page(response)
    elif name == "bulk":
        assert bulk_results(response) == [
            (world.ticket.key, False, NO_SUCH_TICKET),
            (world.change.key, False, NO_SUCH_TICKET),
        ]
    elif name == "canned_replies":
        assert [reply.name for reply in response.context["personal"]] == ["Hello"]
        if method == "POST":
            assert form_errors(response) == ["There already is a canned reply named “Hello” here."]
    elif name == "phone" and method == "GET":
        assert "Nord Ltd" in page(response)
    elif name == "landscapes":
        assert [o.name for o in response.context["organisations"]] == ["Nord Ltd"]
    elif name == "hours":
        assert [contract.organisation.name for contract, _month in response.context["rows"]] == ["Nord Ltd"]
    elif name == "problems":
        assert response.context["rows"] == []
    elif name == "problem_new" and method == "POST":
        assert f"There is no ticket {world.ticket.key}, or it is not yours to work on." in page(response)
    elif name == "phone":
        assert form_errors(response) == [
            "Select a valid choice. That choice is not one of the available choices.",
            "Select a valid choice. That choice is not one of the available choices.",
        ]


def _check_refused(client, world: DeskWorld, name: str, method: str, actor: str, path: str) -> None:
    case = CASES[name]
    response = _send(client, method, path, case.data(world))
    if actor == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == login_redirect(path)
    elif actor == "developer" and name == "home":
        assert (response.status_code, response["Location"]) == (302, "/desk/development/")
    elif actor == "developer" and name == "development":
        assert response.status_code == 200
        assert [item.pk for item in response.context["items"]] == [world.nord_item.pk]
        assert NORD_CHANGE_TITLE in page(response)
        assert leaked(response) == []
    elif actor == "outsider" and case.outsider and not case.development:
        assert response.status_code == case.outsider[method]
        _check_outsider_page(world, name, method, response)
    else:
        # Customers everywhere, developers on every ticket page, the outsider on ACME's objects: the same 404
        # as for an object that does not exist.
        assert response.status_code == 404
        assert leaked(response, own=("ACME Requester",) if actor == "customer" else ()) == []
        if case.missing_kwargs is not None:
            missing_path = reverse(f"desk:{name}", kwargs=case.missing_kwargs(world))
            missing = _send(client, method, missing_path, case.data(world))
            assert (missing.status_code, page(missing)) == (404, page(response))


@pytest.mark.parametrize("name", URL_NAMES)
def test_desk_url_is_isolated(client, world, name):
    """GET and POST, each refused person in turn with nothing changed after any of them; then the right
    person, who gets it."""
    case = CASES.get(name)
    assert case is not None, f"desk:{name} has no isolation case; add one to CASES"
    path = reverse(f"desk:{name}", kwargs=case.kwargs(world))
    before = state()
    for method in sorted(("GET", "POST"), key=lambda m: m in case.methods):  # refusals before the owner's POST
        for actor in ACTORS:
            client.logout()
            user = _user(world, actor, case)
            if user is not None:
                client.force_login(user)
            if actor == "owner":
                prove_recently(client)  # the owner's actions that ask for a fresh proof (the hour bank's) get it
            if method not in case.methods:
                assert _send(client, method, path, case.data(world)).status_code == 405, (method, actor)
            elif actor == "owner":
                response = _send(client, method, path, case.data(world))
                assert response.status_code == case.owner[method], method
                _check_owner(world, name, method, response)
                if method == "POST" and name != "home":
                    assert state() != before, "the right person's request changed nothing"
                before = state()  # what the owner did is theirs to do; the next refusals change nothing of it
                continue
            else:
                _check_refused(client, world, name, method, actor, path)
            assert state() == before, (method, actor)


def test_the_outsider_cannot_download_acme_internal_files_either(client, world):
    path = reverse("desk:attachment", args=[world.ticket.key, world.internal_file.pk])
    client.force_login(world.outsider)
    response = client.get(path)
    assert response.status_code == 404
    assert leaked(response) == []
    client.force_login(world.consultant)
    assert body(client.get(path)) == ACME_NOTE_FILE_BODY


def test_a_file_is_reached_only_through_its_own_ticket(client, world):
    """ACME's file under Nord's key (a key the outsider may work on) is not found."""
    client.force_login(world.outsider)
    response = client.get(reverse("desk:attachment", args=[world.nord_ticket.key, world.public_file.pk]))
    assert response.status_code == 404
    assert leaked(response) == []


@pytest.fixture
def busy(world: DeskWorld) -> DeskWorld:
    """ACME's work in every queue (Carla's), and Nord's in some of the outsider's."""
    for ticket in (world.ticket, world.change):
        ticket_take(actor=world.consultant, ticket=ticket)
    waiting = world.acme.ticket(title="Acme waiting")
    ticket_transition(actor=world.consultant, ticket=waiting, to=Status.TRIAGED)
    ticket_transition(actor=world.consultant, ticket=waiting, to=Status.WAITING_ON_CUSTOMER)
    resolved = world.acme.ticket(title="Acme resolved")
    ticket_transition(actor=world.consultant, ticket=resolved, to=Status.IN_PROGRESS)
    ticket_transition(actor=world.consultant, ticket=resolved, to=Status.RESOLVED, note="Fixed.")
    ticket_take(actor=world.outsider, ticket=world.nord_ticket)
    return world


def test_the_outsider_queues_and_counts_hold_no_acme_ticket(client, busy):
    client.force_login(busy.outsider)
    slugs = [q.slug for q in queues_for(busy.outsider)]
    shown, counts = {}, {}
    for slug in slugs:
        response = client.get(reverse("desk:queue", args=[slug]))
        assert response.status_code == 200
        assert leaked(response) == [], slug
        assert [name for _pk, name in response.context["organisations"]] == ["Nord Ltd"]
        shown[slug] = [t.key for t in response.context["page"].rows]
        counts[slug] = dict((q.slug, n) for q, n in response.context["queue_rows"])
    expected = {"unassigned": ["NORD-2"], "mine": ["NORD-1"], "team": ["NORD-1", "NORD-2"]}
    assert shown == {slug: expected.get(slug, []) for slug in slugs}
    expected_counts = {"unassigned": 1, "mine": 1, "team": 2}
    assert counts == {slug: {s: expected_counts.get(s, 0) for s in slugs} for slug in slugs}


def test_carla_sees_acme_in_the_same_queues(client, busy):
    """The counts above are not empty by accident: the consultant serving ACME sees its work."""
    client.force_login(busy.consultant)
    response = client.get(reverse("desk:queue", args=["team"]))
    assert dict((q.slug, n) for q, n in response.context["queue_rows"]) == {
        **zero_counts(busy.consultant), "unassigned": 1, "mine": 2, "team": 3, "waiting": 1, "resolved": 1
    }  # fmt: skip
    assert [t.key for t in response.context["page"].rows] == ["ACME-3", "ACME-2", "ACME-1"]


def test_the_outsider_has_no_all_queue(client, busy):
    client.force_login(busy.outsider)
    response = client.get(reverse("desk:queue", args=["all"]))
    assert response.status_code == 404
    assert "There is no such queue." in page(response)


SEARCHES = {
    "organisation": {"organisation": "acme"},
    "organisation and solution": {"organisation": "acme", "solution": "acme-solution"},
    "key": {"q": "ACME-1"},
    "key in lower case": {"q": "acme-1"},
    "title": {"q": ACME_TITLE},
    "part of the title": {"q": "Acme secret"},
    "assignee": {"assignee": "carla"},
}


def test_the_outsider_finds_nothing_of_acme_by_filter_or_search(client, busy):
    """Every filter and search that finds ACME's tickets for Carla (below), in every queue of the outsider."""
    ids = {"acme": busy.acme.organisation.pk, "acme-solution": busy.acme.solution.pk, "carla": busy.consultant.pk}
    client.force_login(busy.outsider)
    found = {}
    for name, query in SEARCHES.items():
        for slug in [q.slug for q in queues_for(busy.outsider)]:
            response = client.get(reverse("desk:queue", args=[slug]), {k: ids.get(v, v) for k, v in query.items()})
            assert response.status_code == 200
            found[(name, slug)] = (
                [t.key for t in response.context["page"].rows],
                leaked(response, own=(query.get("q"),)),
            )
    assert found == dict.fromkeys(found, ([], []))


def test_the_same_filters_find_acme_for_carla(client, busy):
    """The searches above are not empty by accident: for the consultant serving ACME they find its tickets."""
    ids = {"acme": busy.acme.organisation.pk, "acme-solution": busy.acme.solution.pk, "carla": busy.consultant.pk}
    client.force_login(busy.consultant)
    found = {}
    for name, query in SEARCHES.items():
        response = client.get(reverse("desk:queue", args=["mine"]), {k: ids.get(v, v) for k, v in query.items()})
        found[name] = [t.key for t in response.context["page"].rows]
    both, first = ["ACME-2", "ACME-1"], ["ACME-1"]
    assert found == {
        "organisation": both,
        "organisation and solution": both,
        "key": first,
        "key in lower case": first,
        "title": first,
        "part of the title": first,
        "assignee": both,
    }


# What the desk's search box finds of ACME for Carla: a title, its words, a note, a key, with a typo.
SEARCH_BOX = {"title": "secret price export", "a word": "secret", "note": "pays late", "key": "ACME-1",
              "typo": "secert", "resolution note": "fixed"}  # fmt: skip


def test_the_outsider_searches_and_finds_nothing_of_acme(client, busy):
    client.force_login(busy.outsider)
    for name, typed in SEARCH_BOX.items():
        response = client.get(reverse("desk:search"), {"q": typed})
        assert response.status_code == 200, name
        assert (response.context["results"].empty, leaked(response, own=(typed,))) == (True, []), name


def test_carla_finds_acme_by_the_same_searches(client, busy):
    client.force_login(busy.consultant)
    found = {
        name: [hit.key for s in client.get(reverse("desk:search"), {"q": typed}).context["results"].sections
               for hit in s.hits]
        for name, typed in SEARCH_BOX.items()
    }  # fmt: skip
    assert found == {"title": ["ACME-1"], "a word": ["ACME-1"], "note": ["ACME-1"], "key": ["ACME-1"],
                     "typo": ["ACME-1"], "resolution note": ["ACME-4"]}  # fmt: skip


# What the search box finds of ACME's problem and of an article for ACME only, for the staff who may see them: a
# word of the problem's title and of its workaround, its key, the article's title and a word of its text (a
# note of ACME's), with a typo.
SEARCH_BOX_KNOWLEDGE = {"problem title": "imports stall", "workaround": "again", "problem key": "PRB-1",
                        "article title": "how to re-run", "article text": "pays late", "typo": "stlal"}  # fmt: skip


@pytest.fixture
def acme_knowledge(busy):
    """ACME's problem (PRB-1, through its component) and a published internal article for ACME only."""
    problem_id = _acme_problem(busy)["problem_id"]
    article_id = _acme_article(busy, status="published")["article_id"]
    return {"problems": [problem_id], "articles": [article_id]}


def _found(response) -> dict[str, list[int]]:
    results = response.context["results"]
    return {s.slug: [int(hit.url.rstrip("/").rsplit("/", 1)[1]) for hit in s.hits] for s in results.sections
            if s.slug != "tickets"}  # fmt: skip


def test_the_outsider_and_developers_never_find_acmes_problem_or_article(client, busy, acme_knowledge):
    """Otto (Nord only) searches: nothing of ACME's problem or article. Developers have no search at all."""
    client.force_login(busy.outsider)
    for name, typed in SEARCH_BOX_KNOWLEDGE.items():
        response = client.get(reverse("desk:search"), {"q": typed})
        assert response.status_code == 200, name
        page_text = page(response)
        assert (_found(response), leaked(response, own=(typed,))) == ({"problems": [], "articles": []}, []), name
        assert "Imports stall at night" not in page_text and "how to re-run it" not in page_text, name
    for developer in (busy.developer, busy.acme_developer):
        client.force_login(developer)
        assert client.get(reverse("desk:search"), {"q": "imports stall"}).status_code == 404


def test_carla_finds_acmes_problem_and_article_by_the_same_searches(client, busy, acme_knowledge):
    client.force_login(busy.consultant)
    found = {name: _found(client.get(reverse("desk:search"), {"q": typed}))
             for name, typed in SEARCH_BOX_KNOWLEDGE.items()}  # fmt: skip
    problem, article, none = acme_knowledge["problems"], acme_knowledge["articles"], []
    assert found == {
        "problem title": {"problems": problem, "articles": none},
        "workaround": {"problems": problem, "articles": none},
        "problem key": {"problems": problem, "articles": none},
        "article title": {"problems": none, "articles": article},
        "article text": {"problems": none, "articles": article},
        "typo": {"problems": problem, "articles": none},
    }


def test_bulk_on_acme_keys_by_the_outsider_changes_nothing_of_acme(client, busy):
    client.force_login(busy.outsider)
    before = list(Ticket.objects.filter(organisation=busy.acme.organisation).order_by("pk").values())
    response = client.post(
        reverse("desk:bulk"),
        {"action": "transition", "to": Status.CANCELLED, "note": "Spam", "keys": ["ACME-1", "NORD-2", "ACME-3"]},
    )
    assert response.status_code == 200
    assert bulk_results(response) == [
        ("ACME-1", False, NO_SUCH_TICKET),
        ("NORD-2", True, "Done."),
        ("ACME-3", False, NO_SUCH_TICKET),
    ]
    assert list(Ticket.objects.filter(organisation=busy.acme.organisation).order_by("pk").values()) == before
    assert Ticket.objects.get(key="NORD-2").status == Status.CANCELLED
    assert leaked(response) == ["ACME-1"]  # only the key the outsider typed in is echoed back
    assert ACME_TITLE not in page(response)


def test_the_phone_form_offers_no_acme_contact_or_environment_to_the_outsider(client, busy):
    client.force_login(busy.outsider)
    form = client.get(reverse("desk:phone")).context["form"]
    assert [m.user_id for m in form.fields["contact"].queryset] == [busy.nord.admin.pk, busy.nord.requester.pk]
    assert {e.organisation_id for e in form.fields["environment"].queryset} == {busy.nord.organisation.pk}


def test_the_phone_form_refuses_an_acme_environment_for_a_nord_caller(client, busy):
    client.force_login(busy.outsider)
    before = state()
    data = {
        "contact": busy.nord.requester.memberships.get().pk,
        "request_type": busy.nord.incident.pk,
        "title": "Shop down",
        "description": "Nothing loads.",
        "impact": Impact.HIGH,
        "urgency": Urgency.HIGH,
        "environment": busy.acme.production.pk,
    }
    response = client.post(reverse("desk:phone"), data)
    assert response.status_code == 400
    assert form_errors(response) == ["Select a valid choice. That choice is not one of the available choices."]
    assert state() == before


def test_a_service_manager_sees_every_organisation(client, busy):
    client.force_login(busy.manager)
    response = client.get(reverse("desk:queue", args=["all"]))
    assert response.status_code == 200
    assert [t.key for t in response.context["page"].rows] == ["NORD-1", "ACME-3", "ACME-2", "ACME-1", "NORD-2"]
    assert dict((q.slug, n) for q, n in response.context["queue_rows"]) == {
        **zero_counts(busy.manager), "waiting": 1, "resolved": 1, "all": 5
    }  # fmt: skip
    assert [name for _pk, name in response.context["organisations"]] == ["Acme Ltd", "Nord Ltd"]
    for key in ("ACME-1", "NORD-1"):
        assert client.get(reverse("desk:ticket", args=[key])).status_code == 200
    items = client.get(reverse("desk:development")).context["items"]
    assert sorted(item.pk for item in items) == sorted([busy.item.pk, busy.nord_item.pk])


def test_a_developer_sees_their_own_team_item_only(client, world):
    client.force_login(world.developer)
    own = client.get(reverse("desk:development_item", args=[world.nord_item.pk]))
    assert own.status_code == 200
    assert NORD_CHANGE_TITLE in page(own)
    assert client.get(reverse("desk:development_item", args=[world.item.pk])).status_code == 404


def test_a_deactivated_consultant_is_signed_out(client, world):
    world.consultant.is_active = False
    world.consultant.save()
    client.force_login(world.consultant)
    before = state()
    for method, path in (("GET", reverse("desk:ticket", args=[world.ticket.key])),
                         ("POST", reverse("desk:take", args=[world.ticket.key]))):  # fmt: skip
        response = _send(client, method, path, {})
        assert (response.status_code, response["Location"]) == (302, login_redirect(path))
    assert state() == before


def test_a_bad_date_for_acme_from_the_outsider_is_404_not_a_form_error(client, world):
    client.force_login(world.outsider)
    response = client.post(reverse("desk:next_step", args=[world.ticket.key]), {"text": "x", "due": "never"})
    assert response.status_code == 404
    assert leaked(response) == []


# The reports (picocore.reports.urls): the same walk over every report page and CSV download. None names an
# object, so the outsider gets their own figures (checked for ACME's), the others a 404 or the sign-in page.


@dataclass(frozen=True)
class ReportCase:
    """A report URL: what the right person finds in it (ACME's name in the figures or the customer filter; in
    a download without ACME figures in this world, its header)."""

    owner_sees: str = "Acme Ltd"
    download: bool = False


REPORT_CASES: dict[str, ReportCase] = {
    "index": ReportCase(owner_sees="Backlog and ageing"),
    "sla": ReportCase(),
    "sla_csv": ReportCase(download=True, owner_sees="organisation,tickets,"),
    "backlog": ReportCase(),
    "backlog_csv": ReportCase(download=True),
    "volume": ReportCase(),
    "volume_csv": ReportCase(download=True, owner_sees="Incident ACME,"),
    "response_times": ReportCase(),
    "response_times_csv": ReportCase(download=True, owner_sees="organisation,answered,"),
    "reopens": ReportCase(),
    "reopens_csv": ReportCase(download=True, owner_sees="organisation,resolved,"),
    "hours": ReportCase(),
    "hours_csv": ReportCase(download=True, owner_sees="organisation,entries,"),
    "satisfaction": ReportCase(),
    "satisfaction_csv": ReportCase(download=True, owner_sees="contract,offered,"),
    "deflection": ReportCase(),
    "deflection_csv": ReportCase(download=True, owner_sees="item,suggested,opened,"),
}


def _report_url_names() -> list[str]:
    from picocore.reports import urls as report_urls

    return [pattern.name for pattern in report_urls.urlpatterns]


def test_every_report_url_has_an_isolation_case():
    assert sorted(REPORT_CASES) == sorted(_report_url_names())


@pytest.mark.parametrize("name", _report_url_names())
def test_report_url_is_isolated(client, world, name):
    """GET as the outsider (their own figures, nothing of ACME's), ACME's requester and a developer (404,
    nothing shown), anonymously (sign in); POST refused (405) for everyone signed in; nothing changes. The
    consultant serving ACME finds it there."""
    case = REPORT_CASES[name]
    path = reverse(f"reports:{name}")
    before = state()
    for actor in ("outsider", "customer", "developer", "anonymous"):
        client.logout()
        user = _user(world, actor, Case(methods=("GET",), owner={}))
        if user is not None:
            client.force_login(user)
        response = client.get(path)
        if actor == "anonymous":
            assert (response.status_code, response["Location"]) == (302, login_redirect(path))
        elif actor == "outsider":
            assert response.status_code == 200
            assert leaked(response) == []
            assert client.post(path).status_code == 405
        else:
            assert response.status_code == 404, actor
            assert leaked(response, own=("ACME Requester",) if actor == "customer" else ()) == []
            assert client.post(path).status_code in (404, 405)
        assert state() == before, actor
    client.force_login(world.consultant)
    response = client.get(path)
    assert response.status_code == 200
    assert case.owner_sees in body(response).decode()
    if case.download:
        assert response["Content-Type"] == "text/csv; charset=utf-8"


# The status pages (picocore.statuspages.desk_urls): the same walk. Each URL names ACME's organisation, incident
# or subscriber; everyone but the staff serving ACME gets the same 404 (anonymous visitors the sign-in page) and
# changes nothing.


def _status_world(world: DeskWorld) -> dict:
    from picocore.cmdb.models import Component
    from picocore.statuspages.models import StatusIncident, Subscriber

    component, _ = Component.objects.get_or_create(environment=world.acme.production, name="ACME PIM api",
                                                   defaults={"kind": "application"})  # fmt: skip
    incident, _ = StatusIncident.objects.get_or_create(organisation=world.acme.organisation, title=ACME_TITLE,
                                                       defaults={"impact": "major_outage"})  # fmt: skip
    incident.components.add(component)
    subscriber, _ = Subscriber.objects.get_or_create(organisation=world.acme.organisation, kind="email",
                                                     address="ops@acme.example")  # fmt: skip
    return {"organisation_id": world.acme.organisation.pk, "component_id": component.pk, "incident_id": incident.pk,
            "subscriber_id": subscriber.pk}  # fmt: skip


def _status_rows() -> dict:
    from picocore.statuspages.models import StatusIncident, StatusNotice, StatusPage, StatusUpdate, Subscriber

    return {
        "pages": list(StatusPage.objects.order_by("pk").values_list("pk", "visibility", "link_salt")),
        "incidents": list(StatusIncident.objects.order_by("pk").values_list("pk", "title", "impact", "state",
                                                                              "published_at", "confirmed_at")),
        "updates": StatusUpdate.objects.count(),
        "subscribers": list(Subscriber.objects.order_by("pk").values_list("pk", "address", "unsubscribed_at")),
        "notices": StatusNotice.objects.count(),
    }  # fmt: skip


@dataclass(frozen=True)
class StatusCase:
    method: str
    keys: tuple[str, ...]
    owner: int
    data: dict = field(default_factory=dict)


STATUS_CASES: dict[str, StatusCase] = {
    "index": StatusCase("GET", (), 200),
    "organisation": StatusCase("GET", ("organisation_id",), 200),
    "settings": StatusCase("POST", ("organisation_id",), 302, {"visibility": "public"}),
    "link": StatusCase("POST", ("organisation_id",), 302),
    "incident_new": StatusCase("POST", ("organisation_id",), 302, {"title": "Slow", "impact": "degraded"}),
    "outage": StatusCase("POST", ("organisation_id", "component_id"), 302, {"title": "Down", "body": "On it."}),
    "subscriber_new": StatusCase("POST", ("organisation_id",), 302, {"kind": "email", "address": "x@acme.example"}),
    "incident": StatusCase("GET", ("incident_id",), 200),
    "update_new": StatusCase("POST", ("incident_id",), 302, {"state": "identified", "body": "Found it."}),
    "incident_confirm": StatusCase("POST", ("incident_id",), 302),
    "subscriber_remove": StatusCase("POST", ("subscriber_id",), 302),
}


def _status_url_names() -> list[str]:
    from picocore.statuspages import desk_urls as status_urls

    return [pattern.name for pattern in status_urls.urlpatterns]


def test_every_status_page_desk_url_has_an_isolation_case():
    assert sorted(STATUS_CASES) == sorted(_status_url_names())


@pytest.mark.parametrize("name", _status_url_names())
def test_status_page_desk_url_is_isolated(client, world, name):
    case = STATUS_CASES[name]
    ids = _status_world(world)
    path = reverse(f"statuspages_desk:{name}", kwargs={key: ids[key] for key in case.keys})
    before, rows = state(), _status_rows()
    for actor in ("outsider", "customer", "developer", "anonymous"):
        client.logout()
        user = _user(world, actor, Case(methods=(case.method,), owner={}))
        if user is not None:
            client.force_login(user)
        response = _send(client, case.method, path, case.data)
        if actor == "anonymous":
            assert (response.status_code, response["Location"]) == (302, login_redirect(path))
        elif actor == "outsider" and name == "index":
            assert response.status_code == 200
            assert [o.name for o in response.context["organisations"]] == ["Nord Ltd"]
        else:
            assert response.status_code == 404, actor
        assert leaked(response, own=("ACME Requester",) if actor == "customer" else ()) == [], actor
        assert (state(), _status_rows()) == (before, rows), actor
    client.force_login(world.consultant)
    response = _send(client, case.method, path, case.data)
    assert response.status_code == case.owner
    if case.method == "POST":
        assert _status_rows() != rows
    elif name != "index":
        assert "Acme Ltd" in page(response)


# The alert pages (picocore.alerts.urls): the same walk. Each URL names ACME's integration (or an alert or payload
# of it); everyone but the staff serving ACME gets the same 404 (anonymous visitors the sign-in page) and changes
# nothing. The outsider's own lists and forms answer, with nothing of ACME's in them.


def _alerts_world(world: DeskWorld) -> dict:
    from picocore.alerts.models import Alert, AlertIntegration, MappingRule, RawAlertPayload
    from picocore.cmdb.models import Component

    component, _ = Component.objects.get_or_create(environment=world.acme.production, name="ACME PIM api",
                                                   defaults={"kind": "application"})  # fmt: skip
    integration, _ = AlertIntegration.objects.get_or_create(
        slug="acme-prometheus",
        defaults={"name": "ACME PIM monitoring", "organisation": world.acme.organisation,
                  "service_account": world.consultant, "requester": world.acme.requester},
    )  # fmt: skip
    MappingRule.objects.get_or_create(
        integration=integration,
        match={"customer": "acme"},
        defaults={"component": component, "environment": world.acme.production},
    )
    body = b'{"alerts": [{"fingerprint": "acme-1", "labels": {"customer": "ACME PIM"}}]}'
    payload, _ = RawAlertPayload.objects.get_or_create(
        integration=integration, defaults={"body": body, "size": len(body)}
    )
    alert, _ = Alert.objects.get_or_create(integration=integration, fingerprint="acme-1", defaults={
        "labels": {"customer": "ACME PIM"}, "payload": payload, "summary": "ACME PIM down",
        "triage_reason": "No mapping rule matches its labels."})  # fmt: skip
    return {"integration_id": integration.pk, "component_id": component.pk, "payload_id": payload.pk,
            "alert_id": alert.pk}  # fmt: skip


def _alert_rows() -> dict:
    from picocore.alerts.models import Alert, AlertIntegration, MappingRule, RawAlertPayload

    return {
        "integrations": list(AlertIntegration.objects.order_by("pk").values_list(
            "pk", "name", "slug", "organisation_id", "kind", "flap_changes", "flap_minutes", "on_resolve", "active")),
        "rules": list(MappingRule.objects.order_by("pk").values_list("pk", "position", "match", "component_id",
                                                                     "impact", "urgency")),
        "alerts": list(Alert.objects.order_by("pk").values_list("pk", "organisation_id", "incident_id",
                                                                "dismissed_at", "state")),
        "payloads": RawAlertPayload.objects.count(),
    }  # fmt: skip


def _integration_data(world: DeskWorld) -> dict:
    return {"name": "Shop monitoring", "slug": "shop-monitoring", "organisation": world.acme.organisation.pk,
            "kind": "generic", "service_account": world.consultant.pk, "requester": "", "flap_changes": "4",
            "flap_minutes": "30", "on_resolve": "note", "active": "on"}  # fmt: skip


def _rules_data(world: DeskWorld) -> dict:
    return {"rules-TOTAL_FORMS": "1", "rules-INITIAL_FORMS": "0", "rules-0-match": "customer=acme\nseverity=page",
            "rules-0-position": "3", "rules-0-impact": "high", "rules-0-urgency": "high",
            "rules-0-environment": world.acme.production.pk}  # fmt: skip


def _map_data(world: DeskWorld) -> dict:
    return {"organisation": world.acme.organisation.pk, "impact": "high", "urgency": "high"}


@dataclass(frozen=True)
class AlertCase:
    method: str
    keys: tuple[str, ...]
    owner: int
    data: Callable[[DeskWorld], dict] = _nothing
    outsider: int = 404  # the outsider's own page (a list, a form) answers; anything naming ACME's is 404


ALERT_CASES: dict[str, AlertCase] = {
    "integrations": AlertCase("GET", (), 200, outsider=200),
    "integration_new": AlertCase("POST", (), 302, _integration_data, outsider=400),
    "integration": AlertCase("GET", ("integration_id",), 200),
    "integration_edit": AlertCase("POST", ("integration_id",), 302, _integration_data),
    "integration_delete": AlertCase("POST", ("integration_id",), 302),
    "rules": AlertCase("POST", ("integration_id",), 302, _rules_data),
    "alerts": AlertCase("GET", ("integration_id",), 200),
    "payloads": AlertCase("GET", ("integration_id",), 200),
    "payload": AlertCase("GET", ("integration_id", "payload_id"), 200),
    "triage": AlertCase("GET", (), 200, outsider=200),
    "triage_alert": AlertCase("GET", ("alert_id",), 200),
    "triage_map": AlertCase("POST", ("alert_id",), 302, _map_data),
    "triage_dismiss": AlertCase("POST", ("alert_id",), 302),
}


# The pages that show a form on GET and take it on POST (the case names the POST).
GET_AND_POST = ("integration_new", "integration_edit", "integration_delete", "rules")


def _alert_url_names() -> list[str]:
    from picocore.alerts import urls as alert_urls

    return [pattern.name for pattern in alert_urls.urlpatterns]


def test_every_alert_desk_url_has_an_isolation_case():
    assert sorted(ALERT_CASES) == sorted(_alert_url_names())


@pytest.mark.parametrize("name", _alert_url_names())
def test_alert_desk_url_is_isolated(client, world, name):
    """GET and POST as the outsider, ACME's requester, a developer and anonymously: a 404 (the sign-in page, the
    outsider's own list or refused form), nothing of ACME's shown, nothing changed; then Carla, serving ACME."""
    case = ALERT_CASES[name]
    ids = _alerts_world(world)
    path = reverse(f"alerts:{name}", kwargs={key: ids[key] for key in case.keys})
    before, rows = state(), _alert_rows()
    for method in ("GET", "POST"):
        for actor in ("outsider", "customer", "developer", "anonymous"):
            client.logout()
            user = _user(world, actor, Case(methods=(method,), owner={}))
            if user is not None:
                client.force_login(user)
            response = _send(client, method, path, case.data(world))
            allowed = method == case.method or (method == "GET" and name in GET_AND_POST)
            if not allowed:
                assert response.status_code == 405, (method, actor)
            elif actor == "anonymous":
                assert (response.status_code, response["Location"]) == (302, login_redirect(path))
            elif actor == "outsider" and case.outsider != 404:
                expected = 200 if method == "GET" else case.outsider
                assert response.status_code == expected, (method, actor)
            else:
                assert response.status_code == 404, (method, actor)
            assert leaked(response, own=("ACME Requester",) if actor == "customer" else ()) == [], (method, actor)
            assert (state(), _alert_rows()) == (before, rows), (method, actor)
    client.logout()
    client.force_login(world.consultant)
    response = _send(client, case.method, path, case.data(world))
    assert response.status_code == case.owner
    if case.method == "POST":
        assert _alert_rows() != rows
    else:
        assert "ACME PIM monitoring" in page(response)
