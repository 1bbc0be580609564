"""Leaving an organisation or a team ends what a person hears of its tickets at once.

Recipients go through the same tenancy rules as every page: when a notification is written (nothing new for
someone who left), when it is listed or counted (none of the earlier ones), and when its e-mail is sent (an
e-mail still in the outbox is withheld, marked as such, and never retried).
"""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.catalog.choices import TicketType
from picocore.development.services import development_hand_off
from picocore.notifications.models import Notification, NotificationKind
from picocore.notifications.permissions import audience, visible_notifications
from picocore.notifications.selectors import notification_unread_count
from picocore.notifications.services import notifications_mark_read
from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.outbox.services import outbox_due_ids, outbox_retry, outbox_send
from picocore.tenancy.choices import MembershipRole, StaffRole, TeamKind
from picocore.tenancy.models import Membership, User
from picocore.tenancy.scope import restrict
from picocore.tickets.models import Ticket, TicketWatcher
from picocore.tickets.permissions import ticket_viewers_q
from picocore.tickets.services import ticket_merge, ticket_reply, ticket_take
from tests import factories
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def leave(user, customer) -> None:
    Membership.objects.filter(user=user, organisation=customer.organisation).delete()


def heard(user) -> tuple[list[str], list[str]]:
    """(notification kinds, e-mail subjects) ever written for `user`, oldest first, besides the receipts of
    their own requests (sent while they were members)."""
    notifications = Notification.objects.filter(user=user).exclude(kind="received")
    kinds = list(notifications.order_by("id").values_list("kind", flat=True))
    emails = OutboxEmail.objects.filter(recipient=user).exclude(kind="received")
    subjects = list(emails.order_by("id").values_list("subject", flat=True))
    return kinds, subjects


def listed(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_member_who_left_hears_nothing_further(acme, consultant):
    ticket = acme.ticket()
    leave(acme.requester, acme)
    ticket_reply(actor=consultant, ticket=ticket, body="The fix needs your price list.")
    assert heard(acme.requester) == ([], [])
    assert not OutboxEmail.objects.filter(body_text__contains="your price list").exists()


def test_a_member_who_left_no_longer_sees_the_earlier_ones(client, acme, consultant):
    ticket = acme.ticket()
    ticket_reply(actor=consultant, ticket=ticket, body="Secret reply text")
    assert "Secret reply text" in listed(client, acme.requester)
    assert notification_unread_count(actor=acme.requester) == 1
    leave(acme.requester, acme)
    page = listed(client, acme.requester)
    assert "Secret reply text" not in page and "ACME-1" not in page
    # Their next request reads what they reach afresh.
    assert notification_unread_count(actor=signed_in(acme.requester)) == 0
    assert list(visible_notifications(signed_in(acme.requester))) == []
    assert notifications_mark_read(actor=signed_in(acme.requester)) == 0  # nothing of theirs to mark any more
    # Back in the organisation, they see their requests again, and what was said on them.
    factories.MembershipFactory(user=acme.requester, organisation=acme.organisation)
    assert "Secret reply text" in listed(client, acme.requester)


def test_an_email_written_before_they_left_is_withheld_not_retried(acme, consultant, smtp_sink):
    ticket = acme.ticket()
    ticket_reply(actor=consultant, ticket=ticket, body="Secret reply text")
    email = OutboxEmail.objects.get(recipient=acme.requester, kind="reply")
    leave(acme.requester, acme)
    assert outbox_send(email_id=email.pk) == "withheld"
    email.refresh_from_db()
    assert (email.status, email.sent_at, email.claimed_until) == (OutboxStatus.WITHHELD, None, None)
    assert email.last_error == "Not sent: the recipient may no longer see ACME-1."
    assert smtp_sink.messages == [] and mail.outbox == []
    assert email.pk not in outbox_due_ids()
    assert outbox_send(email_id=email.pk) == "skipped"
    assert outbox_retry(email_ids=[email.pk]) == 0  # not parked: an administrator's retry does not resend it


def test_an_email_to_someone_still_a_member_is_sent(acme, consultant, smtp_sink):
    ticket = acme.ticket()
    ticket_reply(actor=consultant, ticket=ticket, body="We are on it.")
    email = OutboxEmail.objects.get(recipient=acme.requester, kind="reply")
    leave(acme.admin, acme)  # someone else leaving changes nothing for the requester
    assert outbox_send(email_id=email.pk) == "sent"
    assert len(smtp_sink.messages) == 1


def test_the_watcher_of_a_merged_ticket_who_left_hears_nothing(client, acme, consultant):
    colleague = factories.UserFactory(full_name="Colleague")
    factories.MembershipFactory(user=colleague, organisation=acme.organisation)
    survivor = acme.ticket(title="Images missing")
    duplicate = acme.ticket(by=colleague, title="No pictures")
    ticket_merge(actor=consultant, duplicate=duplicate, into=survivor)
    assert TicketWatcher.objects.filter(ticket=survivor, user=colleague).exists()
    ticket_reply(actor=consultant, ticket=survivor, body="First answer")
    assert heard(colleague)[0] == [NotificationKind.STATUS, NotificationKind.REPLY]
    pending = OutboxEmail.objects.get(recipient=colleague, ticket=survivor)
    leave(colleague, acme)
    ticket_reply(actor=consultant, ticket=survivor, body="Second answer")
    assert heard(colleague)[0] == [NotificationKind.STATUS, NotificationKind.REPLY]
    page = listed(client, colleague)
    assert "First answer" not in page and survivor.key not in page and duplicate.key not in page
    assert outbox_send(email_id=pending.pk) == "withheld"


def test_a_consultant_who_left_the_team_hears_nothing_and_sees_none_of_it(client, acme, consultant, operations_team):
    ticket = acme.ticket()
    ticket_take(actor=consultant, ticket=ticket)
    ticket_reply(actor=acme.requester, ticket=ticket, body="Customer detail")
    assert heard(consultant)[0] == [NotificationKind.NEW_TICKET, NotificationKind.CUSTOMER_REPLY]
    pending = OutboxEmail.objects.get(recipient=consultant, kind=NotificationKind.CUSTOMER_REPLY)
    operations_team.members.remove(consultant)
    ticket_reply(actor=acme.requester, ticket=ticket, body="Another detail")  # they are still the assignee
    assert heard(consultant)[0] == [NotificationKind.NEW_TICKET, NotificationKind.CUSTOMER_REPLY]
    page = listed(client, consultant)
    assert "Customer detail" not in page and "ACME-1" not in page
    assert outbox_send(email_id=pending.pk) == "withheld"


def test_a_developer_who_left_the_team_loses_the_hand_off(client, acme, consultant):
    development = factories.TeamFactory(name="ACME development", kind=TeamKind.DEVELOPMENT)
    development.organisations.add(acme.organisation)
    developer = factories.StaffFactory(full_name="Ada Developer", staff_role=StaffRole.DEVELOPER)
    development.members.add(developer)
    change = factories.RequestTypeFactory(name="Change", ticket_type=TicketType.CHANGE_REQUEST)
    acme.organisation.contracts.get().tier.request_types.add(change)
    ticket = acme.ticket(request_type=change, title="New layout")
    development_hand_off(actor=consultant, ticket=ticket, team=development, brief="Build the layout.")
    assert "Build the layout." in listed(client, developer)  # the developer sees the hand-off, not the ticket
    pending = OutboxEmail.objects.get(recipient=developer)
    development.members.remove(developer)
    assert "Build the layout." not in listed(client, developer)
    assert outbox_send(email_id=pending.pk) == "withheld"


def test_a_notice_goes_only_to_whoever_may_see_the_ticket_and_a_page_to_operations_staff(acme, nord, consultant):
    outsider = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    developer = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    manager = factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER)
    ticket = acme.ticket()
    people = [consultant, outsider, developer, manager, acme.admin, nord.admin]
    assert audience(people, ticket=ticket, kind=NotificationKind.SLA_BREACH) == [consultant, manager, acme.admin]
    # The on-call rota spans customers: whoever is on call is paged, if they are operations staff.
    assert audience(people, ticket=ticket, kind=NotificationKind.ON_CALL_PAGE) == [consultant, outsider, manager]


def test_who_may_hear_is_exactly_who_may_see(acme, nord, consultant):
    """The inverse rule (`ticket_viewers_q`) agrees with `restrict` for every kind of person and ticket."""
    colleague = factories.UserFactory()
    factories.MembershipFactory(user=colleague, organisation=acme.organisation)
    watcher_who_left = factories.UserFactory()
    factories.MembershipFactory(user=watcher_who_left, organisation=acme.organisation)
    outsider = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    factories.TeamFactory(kind=TeamKind.OPERATIONS).members.add(outsider)
    inactive = factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER, is_active=False)
    both = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)  # staff, and a customer admin of Nord
    factories.MembershipFactory(user=both, organisation=nord.organisation, role=MembershipRole.CUSTOMER_ADMIN)
    people = [
        acme.requester, acme.admin, colleague, watcher_who_left, nord.requester, nord.admin, consultant, outsider,
        inactive, both, factories.StaffFactory(staff_role=StaffRole.ADMINISTRATOR),
    ]  # fmt: skip
    tickets = [acme.ticket(), acme.ticket(by=colleague), nord.ticket(), nord.ticket(by=nord.admin)]
    TicketWatcher.objects.create(ticket=tickets[0], user=watcher_who_left, organisation=acme.organisation)
    TicketWatcher.objects.create(ticket=tickets[1], user=nord.requester, organisation=acme.organisation)
    leave(watcher_who_left, acme)
    for ticket in tickets:
        hearing = set(User.objects.filter(ticket_viewers_q(ticket)).values_list("pk", flat=True))
        seeing = {p.pk for p in people if restrict(Ticket.objects.filter(pk=ticket.pk), p).exists()}
        assert hearing & {p.pk for p in people} == seeing, ticket.key


# session, user, unread count, the page of notifications (with their tickets)
LIST_QUERIES = 4


def _list_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("notifications:list")).status_code == 200
    return len(captured.captured_queries)


def test_the_list_runs_the_same_queries_for_a_member_and_one_who_left_for_few_and_many(client, acme, consultant):
    tickets = [acme.ticket(title=f"Request {n}") for n in range(3)]
    for ticket in tickets:
        ticket_reply(actor=consultant, ticket=ticket, body="Hello")
    small = _list_queries(client, acme.requester)
    for ticket in tickets * 20:
        ticket_reply(actor=consultant, ticket=ticket, body="Again")
    large = _list_queries(client, acme.requester)
    leave(acme.requester, acme)
    gone = _list_queries(client, acme.requester)
    assert (small, large, gone) == (LIST_QUERIES, LIST_QUERIES, LIST_QUERIES)
