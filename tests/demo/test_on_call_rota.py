"""The demo has an on-call rota, so a P1 outside business hours pages someone one can sign in as."""

import datetime as dt

import pytest

from picocore.demo.data import ROTA_WEEKS, load_demo
from picocore.notifications.models import Notification, NotificationKind
from picocore.sla.escalation import on_call_at, page_new_p1
from picocore.sla.services import policy_for
from picocore.tenancy.models import Team
from picocore.tickets.models import Ticket

pytestmark = pytest.mark.django_db

LOADED = dt.datetime(2026, 11, 25, 21, 30, tzinfo=dt.UTC)  # a Wednesday evening in Copenhagen


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: LOADED)
    load_demo()


def test_someone_of_the_operations_team_is_on_call_at_every_hour_for_half_a_year(demo):
    operations = Team.objects.get(name="Operations")
    moment = LOADED - dt.timedelta(days=2)  # the Monday before 08:00 belongs to the previous week's shift
    on_call = set()
    while moment < LOADED + dt.timedelta(weeks=ROTA_WEEKS - 1):
        people = on_call_at(moment, team_id=operations.pk)
        assert len(people) == 1, moment
        on_call.add(people[0].email)
        moment += dt.timedelta(hours=1)
    assert on_call == {"consultant@picocore.example", "manager@picocore.example"}


def test_a_demo_p1_at_night_pages_whoever_is_on_call(demo):
    ticket = Ticket.objects.filter(organisation__slug="acme-foods").select_related("team").first()
    ticket.priority = 1
    policy = policy_for(ticket=ticket, at=LOADED)
    assert page_new_p1(ticket=ticket, at=LOADED, calendar=policy.calendar) == 1
    page = Notification.objects.get(kind=NotificationKind.ON_CALL_PAGE, ticket=ticket)
    assert page.user == on_call_at(LOADED, team_id=ticket.team_id)[0]
