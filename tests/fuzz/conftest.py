"""The world the fuzz tests run in: the desk's two customers with every kind of object a URL can name, a person
for each role, and the forms each role's pages offer, found once per module by reading the pages' HTML."""

import copy
import itertools
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from picocore.api.tokens import api_token_create
from picocore.catalog.choices import FieldKind
from picocore.changes.services import change_create
from picocore.cmdb.models import Contact
from picocore.hours.models import OverageApproval
from picocore.hours.services import time_log
from picocore.mail.models import InboundMessage
from picocore.members.services import invitation_create
from picocore.outbox.models import OutboxEmail
from picocore.statuspages.choices import SubscriberKind
from picocore.statuspages.models import StatusIncident, Subscriber
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tickets.queues import QUEUES, Filters
from picocore.tickets.services.canned_replies import CannedReplyFields, canned_reply_create
from picocore.tickets.services.saved_views import saved_view_create
from picocore.webhooks.models import Delivery, Subscription
from picocore.webhooks.sealing import seal
from picocore.webhooks.signing import new_secret
from tests import factories
from tests.changes.approval_support import change_approval_world
from tests.cmdb.conftest import build_chain
from tests.desk.conftest import DeskWorld, body, build_world
from tests.fuzz.urls import Route, page_forms, project_routes
from tests.members.support import LINK
from tests.reviews.support import past_review

ROLES = (
    "anonymous",
    "requester",
    "customer_admin",
    "consultant",
    "service_manager",
    "developer",
    "administrator",
)

# Between them these see every form: the login page, the portal's, a queue with tickets (the bulk form), every
# desk page, the development pages.
DISCOVERING_ROLES = ("anonymous", "customer_admin", "consultant", "service_manager", "developer")


class FuzzWorld:
    """The objects, people, routes and forms the fuzz tests draw from. A plain class, not a dataclass, so that a
    failing example prints its draws rather than the whole world."""

    def __init__(
        self, *, desk: DeskWorld, people: dict[str, User | None], routes: list[Route], real_values: dict[str, list[str]]
    ) -> None:
        self.desk = desk
        self.people = people
        self.routes = routes
        self.real_values = real_values  # path parameter name → values naming real (or just missing) objects
        # route name → the fields its forms have (name → values offered), from every page that sends to it
        self.form_fields: dict[str, dict[str, set[str]]] = {}

    def __repr__(self) -> str:
        return f"FuzzWorld({len(self.routes)} routes)"


def _route_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def _real_paths(world: FuzzWorld) -> Iterator[str]:
    """Each route with the first three real values of each of its parameters, in every combination."""
    for route in world.routes:
        names = [name for _, name in route.parameters]
        for combination in itertools.product(*(world.real_values[name][:3] for name in names)):
            yield route.path(dict(zip(names, combination, strict=True)))


def _discover_forms(world: FuzzWorld) -> None:
    """GET every page with real objects as each role, and note each form's fields under the route it is sent
    to: the fields a browser would send, with the values the page offers."""
    for role in DISCOVERING_ROLES:
        person = world.people[role]
        client = Client()
        if person is not None:
            client.force_login(person)
        for path in _real_paths(world):
            response = client.get(path)
            content = body(response)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for form in page_forms(content.decode(), path):
                target = _route_name(form.action)
                if target is None:
                    continue
                fields = world.form_fields.setdefault(target, {})
                for name, offered in form.fields.items():
                    fields.setdefault(name, set()).update(offered)


def _problem_and_proposal(desk: DeskWorld) -> tuple:
    """A known error of ACME's (ACME-1 linked, its known issue published) and a proposal of five ACME incidents."""
    from picocore.cmdb.models import Component
    from picocore.problems.models import Proposal
    from picocore.problems.services import (
        problem_create,
        problem_link_incident,
        problem_publish_known_issue,
        proposals_detect,
    )

    problem = problem_create(actor=desk.consultant, title="Fuzzed problem", workaround="Run it again.")
    problem_link_incident(actor=desk.consultant, problem_id=problem.pk, ticket_key=desk.ticket.key)
    problem_publish_known_issue(actor=desk.consultant, problem_id=problem.pk, title="Fuzzed", text="Run it again.")
    component = Component.objects.create(environment=desk.acme.production, name="Fuzzed PIM", kind="application")
    for _n in range(5):
        desk.acme.ticket(title="Fuzzed export broken", component=component)
    proposals_detect()
    return problem, Proposal.objects.get()


def _articles(desk: DeskWorld) -> list:
    """A published article for every customer with a file, and a draft for ACME only made from a resolved ticket."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from picocore.knowledge.services import (
        ArticleFields,
        article_attach,
        article_create,
        article_from_ticket,
        article_publish,
    )
    from picocore.tickets.services import ticket_transition

    public = article_create(actor=desk.consultant, fields=ArticleFields(
        title="Fuzzed article", body_html="<p>Fuzzed.</p>", audience="customers"))  # fmt: skip
    article_publish(actor=desk.consultant, article_id=public.pk)
    article_attach(actor=desk.consultant, article_id=public.pk, files=[SimpleUploadedFile("fuzzed.txt", b"fuzz")])
    resolved = desk.acme.ticket(title="Fuzzed resolution")
    ticket_transition(actor=desk.consultant, ticket=resolved, to="in_progress")
    ticket_transition(actor=desk.consultant, ticket=resolved, to="resolved", note="Fuzzed.")
    return [public, article_from_ticket(actor=desk.consultant, ticket_id=resolved.pk)]


def _alerts(desk: DeskWorld, landscape) -> tuple:
    """ACME's alert integration with a rule, a payload it received, an alert it mapped and one waiting in triage."""
    from picocore.alerts.models import Alert, AlertIntegration, MappingRule, RawAlertPayload

    integration = AlertIntegration.objects.create(
        name="Fuzzed Prometheus", slug="fuzzed-prometheus", organisation=desk.acme.organisation,
        service_account=desk.consultant, requester=desk.acme.requester,
    )  # fmt: skip
    MappingRule.objects.create(integration=integration, position=1, match={"customer": "acme"},
                               environment=landscape.pim.environment, component=landscape.pim)  # fmt: skip
    body = b'{"alerts": [{"fingerprint": "fz", "labels": {"customer": "nobody"}}]}'
    payload = RawAlertPayload.objects.create(integration=integration, body=body, size=len(body),
                                             content_type="application/json")  # fmt: skip
    Alert.objects.create(integration=integration, fingerprint="mapped", organisation=desk.acme.organisation,
                         component=landscape.pim, payload=payload, incident=desk.ticket)  # fmt: skip
    triaged = Alert.objects.create(integration=integration, fingerprint="fz", labels={"customer": "nobody"},
                                   payload=payload, triage_reason="No mapping rule matches its labels.")  # fmt: skip
    return integration, payload, triaged


def build_fuzz_world() -> FuzzWorld:
    desk = build_world()
    # One question of every kind on ACME's incident form, so the portal's form carries a date, a number, a choice.
    for position, kind in enumerate((FieldKind.DATE, FieldKind.NUMBER, FieldKind.CHOICE, FieldKind.YES_NO), 10):
        factories.FormFieldFactory(
            request_type=desk.acme.incident, key=f"q{position}", kind=kind, position=position, choices="a\nb"
        )
    administrator = factories.StaffFactory(full_name="Ari Administrator", staff_role=StaffRole.ADMINISTRATOR)
    message = InboundMessage.objects.create(
        dedup_key="fuzz-1",
        message_id="<fuzz-1@example.test>",
        content_hash="0" * 64,
        raw=b"Subject: images\r\n\r\nStill missing.\r\n",
        size=37,
        source="pipe",
        subject="images",
        body_text="Still missing.",
        organisation=desk.acme.organisation,
        ticket=desk.ticket,
    )
    saved_view = saved_view_create(
        actor=desk.consultant, name="Fuzzed", queue="team", filters=Filters(priority=3), sort=None, team=desk.operations
    )
    canned = canned_reply_create(
        actor=desk.consultant, fields=CannedReplyFields(name="Fuzzed", body="Hi {requester_first_name}")
    )
    approval = OverageApproval.objects.create(
        organisation=desk.acme.organisation,
        ticket=desk.ticket,
        contract=desk.acme.organisation.contracts.get(),
        estimated_minutes=360,
        remaining_minutes=60,
        note="Rebuild the index",
        asked_by=desk.consultant,
    )
    entry = time_log(actor=desk.consultant, ticket=desk.ticket, minutes=30, description="Fuzzed")
    approvals = change_approval_world(desk)
    landscape = build_chain(desk)
    contact = Contact.objects.create(
        organisation=desk.acme.organisation, role="approver", name="Ann Approver", user=desk.acme.admin
    )
    acme_change, nord_change = (
        change_create(actor=desk.consultant, organisation_id=customer.organisation.pk, change_type="normal",
                      title="Fuzzed change", reason="Fuzzed")
        for customer in (desk.acme, desk.nord)
    )  # fmt: skip
    problem, proposal = _problem_and_proposal(desk)
    alert_integration, alert_payload, triaged_alert = _alerts(desk, landscape)
    articles = _articles(desk)
    people = {
        "anonymous": None,
        "requester": desk.acme.requester,
        "customer_admin": desk.acme.admin,
        "consultant": desk.consultant,
        "service_manager": desk.manager,
        "developer": desk.acme_developer,
        "administrator": administrator,
    }
    api_token = api_token_create(
        actor=desk.acme.requester, name="fuzz", scopes=["tickets:read"], expires_in_days=30
    ).token
    subscription = Subscription.objects.create(
        name="fuzz", url="http://127.0.0.1:9/hook", organisation=desk.acme.organisation, events=["ticket.created"],
        secret_sealed=seal(new_secret()), owner=desk.manager,
    )  # fmt: skip
    delivery = Delivery.objects.create(
        subscription=subscription, event_type="ticket.created", event_id="fuzz-1", msg_id="msg_fuzz1", payload={}
    )
    status_incident = StatusIncident.objects.create(organisation=desk.acme.organisation, title="Fuzz outage")
    subscriber = Subscriber.objects.create(
        organisation=desk.acme.organisation, kind=SubscriberKind.values[0], address="fuzz@example.test"
    )
    invitation = invitation_create(actor=desk.acme.admin, organisation_id=desk.acme.organisation.pk,
                                   email="fuzz-invitee@example.test", role="requester")  # fmt: skip
    invitation_token = LINK.search(OutboxEmail.objects.filter(kind="invitation").latest("id").body_text)["token"]
    real_values = {
        "key": [desk.ticket.key, desk.change.key, desk.nord_ticket.key, "acme-1", "ACME-999"],
        "attachment_id": [str(desk.public_file.pk), str(desk.internal_file.pk), "999999"],
        "item_id": [str(desk.item.pk), str(desk.nord_item.pk), "999999"],
        "message_id": [str(message.pk), "999999"],
        "view_id": [str(saved_view.pk), "999999"],
        "reply_id": [str(canned.pk), "999999"],
        "approval_id": [str(approval.pk), "999999"],
        "entry_id": [str(entry.pk), "999999"],
        "change_id": [str(acme_change.pk), str(nord_change.pk), *approvals.change_ids],
        "contract_id": [str(entry.contract_id), str(desk.nord.organisation.contracts.get().pk), "999999"],
        "month": [entry.month.strftime("%Y-%m"), "2020-01", "2027-13", "x"],
        "review_id": [
            str(past_review(desk.acme.organisation, sent=True).pk),
            str(past_review(desk.nord.organisation, sent=False).pk),
            "999999",
        ],
        "organisation_id": [str(desk.acme.organisation.pk), str(desk.nord.organisation.pk), "999999"],
        "problem_id": [str(problem.pk), "999999"],
        "issue_id": [str(problem.pk), "999999"],
        "proposal_id": [str(proposal.pk), "999999"],
        "component_id": [str(landscape.pim.pk), str(landscape.nord_app.pk), "999999"],
        # the landscape's integration between two components, and an alert integration (the same parameter name)
        "integration_id": [str(landscape.export.pk), str(alert_integration.pk), "999999"],
        "payload_id": [str(alert_payload.pk), "999999"],
        "alert_id": [str(triaged_alert.pk), "999999"],
        "contact_id": [str(contact.pk), "999999"],
        "token_id": [str(api_token.pk), "999999"],
        "session_id": ["999999"],  # a session of nobody's: only a missing one
        "passkey_id": ["999999"],  # a passkey of nobody's: only a missing one
        # personal data: a person of each organisation, and exports, erasures and holds that do not exist
        "person_id": [str(desk.acme.requester.pk), str(desk.nord.requester.pk), "999999"],
        "erasure_id": ["999999"],
        "hold_id": ["999999"],
        "export_uid": ["00000000-0000-4000-8000-000000000000"],
        "subscription_id": [str(subscription.pk), "999999"],
        "notification_id": ["1", "999999"],
        "delivery_id": [str(delivery.pk), "999999"],
        "incident_id": [str(status_incident.pk), "999999"],
        "subscriber_id": [str(subscriber.pk), "999999"],
        "slug": ["team", desk.acme.incident.slug, desk.change_type.slug, *(q.slug for q in QUEUES), "no-such"],
        # A password-reset link: a real person's id with a made-up token, and ids that name nobody.
        "uidb64": [urlsafe_base64_encode(force_bytes(desk.acme.requester.pk)), "OTk5OTk5", "not-base64"],
        "membership_id": [
            str(desk.acme.organisation.memberships.get(user=desk.acme.requester).pk),
            str(desk.nord.organisation.memberships.first().pk),
            "999999",
        ],
        "invitation_id": [str(invitation.pk), "999999"],
        "token": [
            invitation_token,
            subscriber.token,
            "set-password",
            "cq1x2z-0123456789abcdef",
            "x",
            *approvals.tokens,
        ],
        "suggestion_id": ["999999"],  # none made here: only a missing one
        "article_id": [*(str(a.pk) for a in articles), "999999"],
        "number": ["1", "2", "999999"],
        "ref": [articles[0].slug, str(articles[0].pk), articles[1].slug, "no-such-article"],
    }
    world = FuzzWorld(desk=desk, people=people, routes=project_routes(), real_values=real_values)
    _discover_forms(world)
    return world


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker) -> Iterator[FuzzWorld]:
    """Built once per module in a transaction rolled back at its end; each example runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_fuzz_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(fuzz_world, db) -> FuzzWorld:
    return copy.deepcopy(fuzz_world)
