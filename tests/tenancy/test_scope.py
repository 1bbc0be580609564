"""What a person reaches is read once per request and decides every page of it; the next request reads it again.

`picocore.tenancy.scope` names the organisations a person sees by id. These tests hold it to the rules a page
sees: the union of several memberships, requesters who see all or only their own, consultants through the
teams that serve an organisation, and any change to those taking effect at the next request, not later.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.tenancy.backends import ReachBackend
from picocore.tenancy.choices import MembershipRole, RequestVisibility, StaffRole
from picocore.tenancy.models import Membership, Organisation, User
from picocore.tenancy.scope import customer_restrict, reach, restrict, serves, staff_restrict
from picocore.tickets.models import Ticket
from tests import factories
from tests.conftest import make_customer, signed_in

pytestmark = pytest.mark.django_db


def keys(tickets) -> set[str]:
    return set(tickets.values_list("key", flat=True))


def test_a_person_in_several_organisations_sees_exactly_the_union(acme, nord, operations_team):
    third = make_customer("SYD", operations_team)
    tickets = {c.organisation.key_prefix: c.ticket(by=c.admin).key for c in (acme, nord, third)}
    freelancer = factories.UserFactory(full_name="Frida Freelancer")
    for customer in (acme, nord):
        factories.MembershipFactory(user=freelancer, organisation=customer.organisation,
                                    role=MembershipRole.CUSTOMER_ADMIN)  # fmt: skip
    assert keys(restrict(Ticket.objects.all(), signed_in(freelancer))) == {tickets["ACME"], tickets["NORD"]}
    assert keys(customer_restrict(Ticket.objects.all(), signed_in(freelancer))) == {tickets["ACME"], tickets["NORD"]}
    assert reach(signed_in(freelancer)).member_of == {acme.organisation.pk, nord.organisation.pk}


def test_a_requester_sees_all_where_requesters_may_and_only_their_own_elsewhere(acme, nord):
    colleague = factories.UserFactory(full_name="Colleague")
    both = factories.UserFactory(full_name="Both")
    for customer in (acme, nord):
        factories.MembershipFactory(user=both, organisation=customer.organisation, role=MembershipRole.REQUESTER)
        factories.MembershipFactory(user=colleague, organisation=customer.organisation, role=MembershipRole.REQUESTER)
    Organisation.objects.filter(pk=nord.organisation.pk).update(request_visibility=RequestVisibility.ORGANISATION)
    own = {acme.ticket(by=both).key, nord.ticket(by=both).key}
    others_in_acme = {acme.ticket(by=colleague).key, acme.ticket(by=acme.admin).key}
    others_in_nord = {nord.ticket(by=colleague).key, nord.ticket(by=nord.admin).key}

    assert keys(restrict(Ticket.objects.all(), signed_in(both))) == own | others_in_nord
    assert others_in_acme.isdisjoint(keys(customer_restrict(Ticket.objects.all(), signed_in(both))))
    Organisation.objects.filter(pk=acme.organisation.pk).update(request_visibility=RequestVisibility.ORGANISATION)
    assert keys(restrict(Ticket.objects.all(), signed_in(both))) == own | others_in_acme | others_in_nord


def test_a_membership_removed_between_two_requests_takes_effect_at_the_next(client, acme):
    ticket = acme.ticket()
    client.force_login(acme.requester)
    path = f"/portal/requests/{ticket.key}/"
    assert client.get(path).status_code == 200
    Membership.objects.filter(user=acme.requester, organisation=acme.organisation).delete()
    assert client.get(path).status_code in (403, 404)  # no organisation left: the portal has nothing for them
    assert keys(restrict(Ticket.objects.all(), signed_in(acme.requester))) == set()


def test_losing_one_of_two_memberships_hides_that_organisation_at_the_next_request(client, acme, nord):
    freelancer = factories.UserFactory(full_name="Frida Freelancer")
    for customer in (acme, nord):
        factories.MembershipFactory(user=freelancer, organisation=customer.organisation,
                                    role=MembershipRole.CUSTOMER_ADMIN)  # fmt: skip
    acme_key, nord_key = acme.ticket(by=acme.admin).key, nord.ticket(by=nord.admin).key
    client.force_login(freelancer)
    assert [client.get(f"/portal/requests/{key}/").status_code for key in (acme_key, nord_key)] == [200, 200]
    Membership.objects.filter(user=freelancer, organisation=nord.organisation).delete()
    assert [client.get(f"/portal/requests/{key}/").status_code for key in (acme_key, nord_key)] == [200, 404]


def test_consultants_of_a_team_that_stops_serving_an_organisation_lose_it_at_the_next_request(
    client, acme, nord, consultant, operations_team
):
    acme_key, nord_key = acme.ticket().key, nord.ticket().key
    client.force_login(consultant)
    assert [client.get(f"/desk/tickets/{key}/").status_code for key in (acme_key, nord_key)] == [200, 200]
    operations_team.organisations.remove(nord.organisation)
    assert [client.get(f"/desk/tickets/{key}/").status_code for key in (acme_key, nord_key)] == [200, 404]
    fresh = signed_in(consultant)
    assert keys(staff_restrict(Ticket.objects.all(), fresh)) == {acme_key}
    assert (serves(fresh, acme.organisation.pk), serves(fresh, nord.organisation.pk)) == (True, False)
    operations_team.organisations.add(nord.organisation)
    assert client.get(f"/desk/tickets/{nord_key}/").status_code == 200


def test_service_managers_see_every_organisation_without_reading_any(acme, nord):
    manager = signed_in(factories.StaffFactory(full_name="Mona Manager", staff_role=StaffRole.SERVICE_MANAGER))
    expected = {acme.ticket().key, nord.ticket().key}
    with CaptureQueriesContext(connection) as captured:
        tickets = staff_restrict(Ticket.objects.all(), manager)
    assert len(captured) == 0 and keys(tickets) == expected
    assert reach(manager).served is None


def test_the_reach_is_read_once_per_user_object_and_with_the_session_s_user(acme, consultant):
    acme.ticket()
    plain = User.objects.get(pk=acme.requester.pk)  # not read by the session's backend: one query, once
    with CaptureQueriesContext(connection) as captured:
        for _ in range(3):
            restrict(Ticket.objects.all(), plain)
            customer_restrict(Ticket.objects.all(), plain)
    assert len(captured) == 1
    for user in (acme.requester, consultant):
        fresh = signed_in(user)
        with CaptureQueriesContext(connection) as captured:
            restrict(Ticket.objects.all(), fresh)
            staff_restrict(Ticket.objects.all(), fresh)
            serves(fresh, acme.organisation.pk)
        assert len(captured) == 0


def test_the_filters_name_the_organisations_by_id(acme, nord, consultant):
    requester_sql = str(customer_restrict(Ticket.objects.all(), signed_in(acme.requester)).query)
    consultant_sql = str(staff_restrict(Ticket.objects.all(), signed_in(consultant)).query)
    assert "tenancy_membership" not in requester_sql and f"IN ({acme.organisation.pk})" in requester_sql
    assert "tenancy_team" not in consultant_sql
    served = sorted((acme.organisation.pk, nord.organisation.pk))
    assert f"IN ({served[0]}, {served[1]})" in consultant_sql


def test_someone_with_no_organisation_sees_nothing_and_runs_no_query(acme):
    acme.ticket()
    nobody = signed_in(factories.UserFactory(full_name="Nobody"))
    with CaptureQueriesContext(connection) as captured:
        assert list(restrict(Ticket.objects.all(), nobody)) == []
        assert list(staff_restrict(Ticket.objects.all(), nobody)) == []
    assert len(captured) == 0


def test_a_failed_password_is_checked_once(acme, monkeypatch, rf):
    from django.contrib.auth import authenticate
    from django.contrib.auth.backends import ModelBackend

    checked = []
    original = User.check_password
    monkeypatch.setattr(User, "check_password", lambda self, raw: checked.append(raw) or original(self, raw))
    acme.requester.set_password("right")
    acme.requester.save()
    assert authenticate(rf.post("/accounts/login/"), email=acme.requester.email, password="wrong") is None
    assert checked == ["wrong"]
    user = authenticate(rf.post("/accounts/login/"), email=acme.requester.email, password="right")
    assert user == acme.requester and user.backend == "picocore.tenancy.backends.ReachBackend"
    assert issubclass(ReachBackend, ModelBackend)


def test_the_session_s_user_is_read_by_sql_compiled_once_with_the_same_reach_as_the_orm_reads(
    acme, nord, consultant, operations_team
):
    """The statement reading a session's user with their reach is built once per process; what it reads is what
    `with_reach` through the ORM reads, for each kind of person, and an id naming nobody (or no id) is no one."""
    from picocore.tenancy.scope import with_reach

    Membership.objects.create(user=acme.admin, organisation=nord.organisation, role=MembershipRole.REQUESTER)
    for person in (acme.requester, acme.admin, consultant):
        read = ReachBackend().get_user(str(person.pk))
        assert read is not None and read.pk == person.pk
        assert reach(read) == reach(with_reach(User.objects.filter(pk=person.pk)).get())
        with CaptureQueriesContext(connection) as captured:
            assert ReachBackend().get_user(person.pk) is not None
        assert len(captured) == 1
    assert ReachBackend().get_user(10**9) is None
    assert ReachBackend().get_user("not an id") is None
    assert ReachBackend().get_user(None) is None
