"""The header's "Notifications" link says how many are unread, in one indexed query whatever their number."""

import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.core.clock import now
from picocore.notifications.models import Notification, NotificationKind
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def add_notifications(user, count: int, *, read: int = 0, ticket=None) -> None:
    Notification.objects.bulk_create(
        Notification(
            user=user,
            ticket=ticket,
            kind=NotificationKind.REPLY,
            key=f"test:{user.pk}:{Notification.objects.count()}:{n}",
            title=f"Note {n}",
            read_at=now() if n < read else None,
        )
        for n in range(count)
    )


def link(user) -> tuple[str, int]:
    """The rendered header link and how many queries it ran, for the person as a request gets them."""
    user = signed_in(user)
    with CaptureQueriesContext(connection) as captured:
        html = Template("{% load notifications %}{% notifications_link %}").render(Context({"user": user}))
    return html, len(captured.captured_queries)


def test_the_link_counts_only_unread_notifications_and_reads_accessibly(acme):
    add_notifications(acme.requester, 5, read=2)
    html, count = link(acme.requester)
    assert count == 1
    assert '<span class="badge unread-count">3</span>' in html
    assert '<span class="visually-hidden">Notifications, 3 unread</span>' in html
    assert '<span aria-hidden="true">' in html


def test_no_unread_shows_the_plain_link(acme):
    add_notifications(acme.requester, 2, read=2)
    html, _ = link(acme.requester)
    assert "unread" not in html
    assert re.sub(r"\s+", " ", html).strip() == '<a href="/notifications/" class="notifications-link">Notifications</a>'


def test_the_count_ignores_notifications_about_tickets_the_person_may_no_longer_see(acme, nord):
    ticket = nord.ticket()
    add_notifications(acme.requester, 2)
    add_notifications(acme.requester, 4, ticket=ticket)  # not theirs to see
    add_notifications(nord.requester, 7)  # someone else's
    html, _ = link(acme.requester)
    assert "Notifications, 2 unread" in html


def test_one_query_at_10_and_at_1000_notifications(acme):
    add_notifications(acme.requester, 10)
    small_html, small = link(acme.requester)
    add_notifications(acme.requester, 990)
    large_html, large = link(acme.requester)
    assert (small, large) == (1, 1)
    assert "Notifications, 10 unread" in small_html
    assert "Notifications, 1000 unread" in large_html


def test_the_count_reads_the_person_s_notifications_by_index_on_postgresql(acme):
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN output is PostgreSQL's")
    add_notifications(acme.requester, 3)
    from picocore.notifications.selectors import notification_unread_count

    requester = signed_in(acme.requester)
    with CaptureQueriesContext(connection) as captured:
        notification_unread_count(actor=requester)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + captured.captured_queries[0]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    # Through one of the indexes leading with the person (the inbox or the foreign key's): which one is the
    # planner's choice by its statistics.
    assert "Seq Scan on notifications_notification" not in plan
    assert "Index Cond: (user_id = " in plan


def test_the_count_looks_up_each_notification_s_ticket_instead_of_every_visible_ticket(acme):
    """The ticket's visibility is tested for the person's own notifications, by the ticket's primary key: its cost
    follows their notifications, not the number of tickets (the uncorrelated form read every ticket)."""
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN output is PostgreSQL's")
    ticket = acme.ticket()
    add_notifications(acme.requester, 3, ticket=ticket)
    from picocore.notifications.selectors import notification_unread_count

    requester = signed_in(acme.requester)  # as a request's user: read with what they reach
    with CaptureQueriesContext(connection) as captured:
        assert notification_unread_count(actor=requester) >= 3
    with connection.cursor() as cursor:
        # With a handful of rows any plan is cheap; what matters is the plan it can take at any size.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + captured.captured_queries[0]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    # Never a scan of every ticket. With the organisations named by id, a table of a few unanalysed rows may be
    # read once through the organisation's index instead of by each notification's ticket; at 100,000 tickets
    # PostgreSQL looks each one up by its primary key (bench/README.md, "Tenancy by organisation ids").
    assert "Seq Scan on tickets_ticket" not in plan
    by_ticket, by_organisation = "Index Cond: (id = notifications_notification.ticket_id)", "(organisation_id = "
    assert by_ticket in plan or by_organisation in plan


@pytest.mark.parametrize("page", ["portal", "desk"])
def test_portal_and_desk_headers_show_the_count(client, acme, consultant, page):
    user = acme.requester if page == "portal" else consultant
    add_notifications(user, 3)
    client.force_login(user)
    response = client.get(
        reverse("portal:home" if page == "portal" else "desk:queue", args=[] if page == "portal" else ["mine"])
    )
    assert response.status_code == 200
    assert "Notifications, 3 unread" in response.content.decode()


def test_the_count_follows_the_person_s_teams_and_role_from_page_to_page(acme, consultant, operations_team):
    """The count's conditions are built once per person and process, but what they depend on (teams,
    memberships, the person's role and whether they are active) is read by every request."""
    from picocore.notifications.selectors import notification_unread_count

    ticket = acme.ticket()
    Notification.objects.filter(user=consultant).update(read_at=now())  # the new-request notice
    add_notifications(consultant, 3, ticket=ticket)
    assert notification_unread_count(actor=signed_in(consultant)) == 3
    operations_team.organisations.remove(acme.organisation)  # the team no longer serves ACME
    assert notification_unread_count(actor=signed_in(consultant)) == 0
    operations_team.organisations.add(acme.organisation)
    assert notification_unread_count(actor=signed_in(consultant)) == 3
    consultant.staff_role = StaffRole.DEVELOPER  # developers see development work only
    consultant.save()
    assert notification_unread_count(actor=signed_in(consultant)) == 0
    consultant.staff_role, consultant.is_active = StaffRole.CONSULTANT, False
    consultant.save()
    assert notification_unread_count(actor=User.objects.get(pk=consultant.pk)) == 0  # no session lets them in
