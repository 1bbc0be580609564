"""Status pages: component states from changes, tickets, alerts and status incidents; who may read a page; each
update reaches each subscriber once; the unsubscribe link in every e-mail."""

import datetime as dt
import http.server
import threading
from urllib.parse import quote, urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.alerts.choices import SourceKind
from picocore.alerts.models import Alert, AlertIntegration
from picocore.catalog.choices import Impact
from picocore.changes.choices import ChangeStatus
from picocore.changes.models import Change, ChangeComponent
from picocore.cmdb.models import Component
from picocore.core.clock import now
from picocore.core.errors import NotFound, ValidationError
from picocore.outbox.models import OutboxEmail
from picocore.outbox.services import outbox_send
from picocore.statuspages import links, notices
from picocore.statuspages.choices import ComponentState, IncidentImpact, NoticeStatus, SubscriberKind, Visibility
from picocore.statuspages.models import BODY_MAX_LENGTH, StatusNotice, Subscriber
from picocore.statuspages.selectors import status_view
from picocore.statuspages.services import (
    incident_confirm,
    incident_create,
    outage_confirm,
    page_link_rotate,
    page_settings_update,
    subscriber_add,
    update_post,
)
from picocore.tenancy.choices import StaffRole
from picocore.tickets.models import Ticket
from picocore.webhooks.signing import verify
from tests import factories
from tests.conftest import signed_in
from tests.support_queries import data_statements

pytestmark = pytest.mark.django_db


def states(view) -> dict[str, str]:
    return {c.component.name: str(c.state) for c in view.components}


def _change(acme, consultant, component, *, start, end, status=ChangeStatus.SCHEDULED, title="PIM upgrade"):
    number = (Change.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    change = Change.objects.create(organisation=acme.organisation, number=number, change_type="normal", status=status,
                                   title=title, reason="Vendor support ends.", planned_start=start, planned_end=end,
                                   requested_by=consultant)  # fmt: skip
    ChangeComponent.objects.create(organisation=acme.organisation, change=change, component=component)
    return change


def _alert(acme, consultant, component, impact=Impact.MEDIUM, fingerprint="a1"):
    integration, _ = AlertIntegration.objects.get_or_create(
        slug="acme-prom", defaults={"name": "ACME Prometheus", "organisation": acme.organisation,
                                    "kind": SourceKind.ALERTMANAGER, "service_account": consultant},
    )  # fmt: skip
    return Alert.objects.create(integration=integration, fingerprint=fingerprint, organisation=acme.organisation,
                                component=component, impact=impact, summary="API errors")  # fmt: skip


def _p_ticket(acme, component, priority):
    ticket = acme.ticket(title=f"P{priority} on {component.name}")
    Ticket.objects.filter(pk=ticket.pk).update(priority=priority, component=component)
    return ticket


def test_everything_operational_without_sources(acme, pim_api, pim_db):
    view = status_view(acme.organisation)
    assert states(view) == {"pim-api": "operational", "pim-db": "operational"}
    assert view.state == ComponentState.OPERATIONAL
    assert [s.solution.name for s in view.solutions] == ["ACME PIM"]


def test_p2_and_alert_states_and_the_worst_wins(acme, consultant, pim_api, pim_db):
    _p_ticket(acme, pim_api, 2)
    _alert(acme, consultant, pim_db, impact=Impact.LOW)
    view = status_view(acme.organisation)
    assert states(view) == {"pim-api": "partial_outage", "pim-db": "degraded"}
    assert view.state == ComponentState.PARTIAL_OUTAGE
    assert view.solutions[0].state == ComponentState.PARTIAL_OUTAGE


def test_a_major_outage_from_tickets_and_alerts_shows_as_partial_until_confirmed(acme, consultant, pim_api):
    ticket = _p_ticket(acme, pim_api, 1)
    _alert(acme, consultant, pim_api, impact=Impact.HIGH)
    view = status_view(acme.organisation)
    assert states(view)["pim-api"] == "partial_outage"
    assert [c.component.name for c in view.awaiting_confirmation] == ["pim-api"]
    incident = outage_confirm(actor=signed_in(consultant), organisation_id=acme.organisation.pk,
                              component_id=pim_api.pk, title="PIM down", body="We are on it.")  # fmt: skip
    assert list(incident.tickets.values_list("pk", flat=True)) == [ticket.pk]
    view = status_view(acme.organisation)
    assert states(view)["pim-api"] == "major_outage"
    assert view.awaiting_confirmation == []
    assert [i.title for i in view.active] == ["PIM down"]


def test_a_written_major_outage_needs_a_confirmation(acme, consultant, pim_api):
    actor = signed_in(consultant)
    incident = incident_create(actor=actor, organisation_id=acme.organisation.pk, title="PIM down",
                               impact=IncidentImpact.MAJOR_OUTAGE, component_ids=[pim_api.pk])  # fmt: skip
    assert states(status_view(acme.organisation))["pim-api"] == "operational"  # a draft shows nothing
    update_post(actor=actor, incident_id=incident.pk, body="Investigating.", state="investigating")
    assert states(status_view(acme.organisation))["pim-api"] == "partial_outage"
    incident_confirm(actor=actor, incident_id=incident.pk)
    assert states(status_view(acme.organisation))["pim-api"] == "major_outage"
    update_post(actor=actor, incident_id=incident.pk, body="Fixed.", state="resolved")
    view = status_view(acme.organisation)
    assert (states(view)["pim-api"], view.active, [i.title for i in view.past]) == ("operational", [], ["PIM down"])


def test_maintenance_from_an_approved_change_in_its_window(acme, consultant, pim_api, pim_db):
    moment = now()
    _p_ticket(acme, pim_api, 2)  # maintenance outweighs what the window itself causes
    _change(acme, consultant, pim_api, start=moment - dt.timedelta(hours=1), end=moment + dt.timedelta(hours=1))
    _change(acme, consultant, pim_db, start=moment + dt.timedelta(days=3), end=moment + dt.timedelta(days=3, hours=2),
            title="DB patch")  # fmt: skip
    _change(acme, consultant, pim_db, start=moment - dt.timedelta(hours=1), end=moment + dt.timedelta(hours=1),
            status=ChangeStatus.AWAITING_APPROVAL, title="Not approved")  # fmt: skip
    _change(acme, consultant, pim_db, start=moment + dt.timedelta(days=20), end=moment + dt.timedelta(days=21),
            title="Far ahead")  # fmt: skip
    view = status_view(acme.organisation)
    assert states(view) == {"pim-api": "maintenance", "pim-db": "operational"}
    assert [(m.change.title, m.under_way) for m in view.maintenance] == [("PIM upgrade", True), ("DB patch", False)]


def test_the_state_costs_the_same_queries_whatever_the_size(acme, consultant, pim_api):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            status_view(acme.organisation)
        return len(data_statements(captured))

    actor = signed_in(consultant)

    def add(n: int) -> None:
        component = Component.objects.create(environment=acme.production, name=f"c{n}", kind="application")
        _p_ticket(acme, component, 2)
        _alert(acme, consultant, component, fingerprint=f"f{n}")
        incident = incident_create(actor=actor, organisation_id=acme.organisation.pk, title=f"I{n}",
                                   impact="degraded", component_ids=[component.pk])  # fmt: skip
        update_post(actor=actor, incident_id=incident.pk, body="x", state="investigating")
        _change(acme, consultant, component, start=now() + dt.timedelta(days=1), end=now() + dt.timedelta(days=2))

    add(0)
    small = count()
    for n in range(1, 7):
        add(n)
    assert count() == small == 9


# Who may read a page.


@pytest.fixture
def page_path(acme):
    return reverse("statuspages:page", args=[acme.organisation.slug])


def test_the_page_is_for_the_organisations_contacts(client, acme, nord, consultant, pim_api, page_path):
    developer = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    for user, expected in ((acme.requester, 200), (acme.admin, 200), (consultant, 200), (nord.requester, 404),
                           (developer, 404), (None, 404)):  # fmt: skip
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(page_path)
        assert response.status_code == expected, user
        assert ("pim-api" in response.content.decode()) == (expected == 200)
    assert client.get(reverse("statuspages:page", args=["no-such-organisation"])).status_code == 404


def test_public_and_signed_link_pages(client, acme, nord, consultant, page_path):
    actor = signed_in(consultant)
    page_settings_update(actor=actor, organisation_id=acme.organisation.pk, visibility=Visibility.LINK)
    page = acme.organisation.status_page
    token = links.page_token(organisation_id=acme.organisation.pk, link_salt=page.link_salt)
    other = links.page_token(organisation_id=nord.organisation.pk, link_salt=page.link_salt)
    assert client.get(page_path).status_code == 404
    assert client.get(page_path, {"token": token}).status_code == 200
    assert client.get(page_path, {"token": other}).status_code == 404
    assert client.get(page_path, {"token": token + "x"}).status_code == 404
    page_link_rotate(actor=actor, organisation_id=acme.organisation.pk)
    assert client.get(page_path, {"token": token}).status_code == 404  # revoked
    page_settings_update(actor=actor, organisation_id=acme.organisation.pk, visibility=Visibility.PUBLIC)
    assert client.get(page_path).status_code == 200


def test_another_organisations_staff_cannot_manage(acme, nord, pim_api):
    outsider = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    factories.TeamFactory(name="Nord desk", organisations=[nord.organisation], members=[outsider])
    with pytest.raises(NotFound):
        incident_create(actor=signed_in(outsider), organisation_id=acme.organisation.pk, title="x",
                        impact="degraded", component_ids=[pim_api.pk])  # fmt: skip
    with pytest.raises(NotFound):
        page_settings_update(actor=signed_in(acme.admin), organisation_id=acme.organisation.pk, visibility="public")


# Subscribers and notices.


class Receiver(http.server.BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    status = 204

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(Receiver.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received, Receiver.status = [], 204
    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def _published(acme, consultant, pim_api):
    actor = signed_in(consultant)
    incident = incident_create(actor=actor, organisation_id=acme.organisation.pk, title="PIM slow",
                               impact="degraded", component_ids=[pim_api.pk])  # fmt: skip
    return actor, incident


def test_each_update_reaches_each_subscriber_once(
    acme, consultant, pim_api, receiver, django_capture_on_commit_callbacks
):
    own = subscriber_add(actor=signed_in(acme.requester), organisation_id=acme.organisation.pk, kind="email",
                         address=acme.requester.email)  # fmt: skip
    pending = subscriber_add(actor=signed_in(acme.requester), organisation_id=acme.organisation.pk, kind="email",
                             address="someone@example.com")  # fmt: skip
    hook = subscriber_add(actor=signed_in(acme.admin), organisation_id=acme.organisation.pk, kind="webhook",
                          address=receiver)  # fmt: skip
    assert (own.confirmed, pending.confirmed, hook.confirmed) == (True, False, True)
    actor, incident = _published(acme, consultant, pim_api)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        update = update_post(actor=actor, incident_id=incident.pk, body="Slow searches.\x00", state="investigating")
    assert update.body == "Slow searches."
    notices_rows = StatusNotice.objects.filter(update=update)
    assert sorted(notices_rows.values_list("subscriber_id", "status")) == sorted(
        [(own.pk, NoticeStatus.SENT), (hook.pk, NoticeStatus.SENT)]
    )
    for notice in notices_rows:  # the worker again: a retry sends nothing
        assert notices.notice_send(notice_id=notice.pk) == "skipped"
    assert notices.queue(update) == []
    emails = OutboxEmail.objects.filter(kind=notices.EMAIL_KIND)
    assert [e.to_address for e in emails] == [acme.requester.email]
    assert notices.unsubscribe_url(own) in emails[0].body_text
    assert len(Receiver.received) == 1
    headers, body = Receiver.received[0]
    verify(secret=hook.secret, headers=headers, body=body, now=int(now().timestamp()))
    assert b'"body": "Slow searches."' in body


def test_a_failed_webhook_is_retried_later_and_never_twice(acme, consultant, pim_api, receiver):
    hook = subscriber_add(actor=signed_in(acme.admin), organisation_id=acme.organisation.pk, kind="webhook",
                          address=receiver)  # fmt: skip
    actor, incident = _published(acme, consultant, pim_api)
    update_post(actor=actor, incident_id=incident.pk, body="x", state="investigating")
    notice = StatusNotice.objects.get(subscriber=hook)
    Receiver.status = 500
    assert notices.notice_send(notice_id=notice.pk) == "retry"
    notice.refresh_from_db()
    assert (notice.attempts, notice.error, notice.sent_at) == (1, "HTTP 500", None)
    assert notices.notice_send(notice_id=notice.pk) == "skipped"  # not due yet
    StatusNotice.objects.filter(pk=notice.pk).update(next_attempt_at=now())
    Receiver.status = 200
    assert notices.notice_send(notice_id=notice.pk) == "sent"
    assert notices.notice_send(notice_id=notice.pk) == "skipped"
    assert len(Receiver.received) == 2
    assert Receiver.received[0][0]["webhook-id"] == Receiver.received[1][0]["webhook-id"]


def test_unsubscribe_link_get_shows_post_unsubscribes(client, acme, consultant, pim_api):
    own = subscriber_add(actor=signed_in(acme.requester), organisation_id=acme.organisation.pk, kind="email",
                         address=acme.requester.email)  # fmt: skip
    path = reverse("statuspages:unsubscribe", args=[links.unsubscribe_token(own.token)])
    assert client.get(path).status_code == 200
    own.refresh_from_db()
    assert own.active
    assert client.get(reverse("statuspages:unsubscribe", args=[own.token])).status_code == 404  # unsigned
    response = client.post(path, {"List-Unsubscribe": "One-Click"})  # RFC 8058, no CSRF token
    assert response.status_code == 200
    own.refresh_from_db()
    assert not own.active
    actor, incident = _published(acme, consultant, pim_api)
    update_post(actor=actor, incident_id=incident.pk, body="x", state="investigating")
    assert StatusNotice.objects.count() == 0


def test_an_address_is_confirmed_by_its_link(client, acme):
    mail.outbox.clear()
    pending = subscriber_add(actor=signed_in(acme.requester), organisation_id=acme.organisation.pk, kind="email",
                             address="Someone@EXAMPLE.com")  # fmt: skip
    assert pending.address == "Someone@example.com"
    confirmation = OutboxEmail.objects.get(kind=notices.CONFIRM_KIND)
    assert notices.confirm_url(pending) in confirmation.body_text
    assert notices.unsubscribe_url(pending) in confirmation.body_text
    path = reverse("statuspages:confirm", args=[links.confirm_token(pending.token)])
    assert client.get(path).status_code == 200
    assert not Subscriber.objects.get(pk=pending.pk).confirmed
    assert client.post(path).status_code == 200
    assert Subscriber.objects.get(pk=pending.pk).confirmed


def test_only_customer_admins_subscribe_webhooks_and_input_is_checked(acme, nord, receiver):
    org = acme.organisation.pk
    with pytest.raises(Exception, match="customer admin"):
        subscriber_add(actor=signed_in(acme.requester), organisation_id=org, kind="webhook", address=receiver)
    with pytest.raises(NotFound):
        subscriber_add(actor=signed_in(nord.requester), organisation_id=org, kind="email", address="a@example.com")
    refused = [("email", "not an address"), ("email", "\x00"), ("webhook", "ftp://x.example"),
               ("email", "a" * 250 + "@example.com"), ("webhook", "https://example.com/" + "a" * 2000)]  # fmt: skip
    for kind, address in refused:
        with pytest.raises(ValidationError):
            subscriber_add(actor=signed_in(acme.admin), organisation_id=org, kind=kind, address=address)
    assert Subscriber.objects.count() == 0


def test_longest_texts_and_nul_bytes_are_stored(acme, consultant, pim_api):
    actor, incident = _published(acme, consultant, pim_api)
    update = update_post(actor=actor, incident_id=incident.pk, body="é" * BODY_MAX_LENGTH, state="identified")
    assert len(update.body) == BODY_MAX_LENGTH
    with pytest.raises(ValidationError):
        update_post(actor=actor, incident_id=incident.pk, body="é" * (BODY_MAX_LENGTH + 1), state="identified")
    with pytest.raises(ValidationError):
        incident_create(actor=actor, organisation_id=acme.organisation.pk, title="x" * 201, impact="degraded",
                        component_ids=[])  # fmt: skip
    longest = "https://example.com/" + "ü" * 100 + "a" * (2000 - 20 - 900)
    hook = subscriber_add(actor=signed_in(acme.admin), organisation_id=acme.organisation.pk,
                          kind=SubscriberKind.WEBHOOK, address=longest)  # fmt: skip
    assert hook.address.startswith("https://example.com/%C3%BC") and len(hook.address) <= 2000
    email = subscriber_add(actor=signed_in(acme.admin), organisation_id=acme.organisation.pk, kind="email",
                           address="\x00" + "a" * 64 + "@" + "b" * 63 + ".example.com")  # fmt: skip
    assert email.address == "a" * 64 + "@" + "b" * 63 + ".example.com"


def _sent_message(email: OutboxEmail):
    """The message as the outbox hands it to the mail server."""
    mail.outbox.clear()
    assert outbox_send(email_id=email.pk) == "sent"
    [message] = mail.outbox
    return message.message()


def test_every_status_email_is_a_list_left_in_one_click(client, acme, consultant, pim_api):
    own = subscriber_add(actor=signed_in(acme.requester), organisation_id=acme.organisation.pk, kind="email",
                         address=acme.requester.email)  # fmt: skip
    pending = subscriber_add(actor=signed_in(acme.requester), organisation_id=acme.organisation.pk, kind="email",
                             address="someone@example.com")  # fmt: skip
    actor, incident = _published(acme, consultant, pim_api)
    update_post(actor=actor, incident_id=incident.pk, body="Slow searches.", state="investigating")
    [notice] = StatusNotice.objects.filter(subscriber=own)
    assert notices.notice_send(notice_id=notice.pk) == "sent"
    update_email = OutboxEmail.objects.get(kind=notices.EMAIL_KIND)
    confirm_email = OutboxEmail.objects.get(kind=notices.CONFIRM_KIND)
    for email, subscriber in ((update_email, own), (confirm_email, pending)):
        message = _sent_message(email)
        assert message["List-Unsubscribe"] == f"<{notices.unsubscribe_url(subscriber)}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["List-Id"] == f"<{acme.organisation.slug}.status.picocore.example>"
        assert message["Message-ID"] == email.message_id
    # The mail client's one-click POST (RFC 8058): form-encoded, no cookie, no CSRF token; twice is the same.
    path = urlsplit(notices.unsubscribe_url(own)).path
    for _ in range(2):
        response = client.post(path, "List-Unsubscribe=One-Click",
                               content_type="application/x-www-form-urlencoded")  # fmt: skip
        assert response.status_code == 200
    own.refresh_from_db()
    pending.refresh_from_db()
    assert (own.active, pending.unsubscribed_at) == (False, None)


@pytest.mark.parametrize(
    "token",
    ["made-up", "\x00", "a" * 5000, "ünïcödé:signature", "x" * 40 + ":" + "y" * 27],
    ids=["made-up", "nul", "over-long", "unicode", "well-shaped"],
)
def test_a_one_click_post_with_a_bad_link_is_404_and_unsubscribes_nobody(client, acme, token):
    own = subscriber_add(actor=signed_in(acme.requester), organisation_id=acme.organisation.pk, kind="email",
                         address=acme.requester.email)  # fmt: skip
    signed = links.unsubscribe_token(own.token)
    tampered = signed[:-1] + ("B" if signed.endswith("A") else "A")
    for bad in (token, tampered, links.confirm_token(own.token)):
        response = client.post(f"/status/unsubscribe/{quote(bad, safe='')}/", "List-Unsubscribe=One-Click",
                               content_type="application/x-www-form-urlencoded")  # fmt: skip
        assert response.status_code == 404
    own.refresh_from_db()
    assert own.active
