"""The roles table and the migration adding `Ticket.shared`."""

import pytest
from django.db import connection

from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.roles import ROLES, Capability, may, roles_with


def test_every_role_has_a_row_and_only_customer_admins_manage_members_and_personal_data():
    assert sorted(ROLES) == sorted(MembershipRole.values)
    assert roles_with(Capability.MANAGE_MEMBERS) == [MembershipRole.CUSTOMER_ADMIN]
    assert roles_with(Capability.PERSONAL_DATA) == [MembershipRole.CUSTOMER_ADMIN]
    assert roles_with(Capability.SUBMIT) == sorted(
        [
            MembershipRole.APPROVER,
            MembershipRole.BILLING_CONTACT,
            MembershipRole.CUSTOMER_ADMIN,
            MembershipRole.REQUESTER,
        ]
    )
    assert roles_with(Capability.APPROVE_CHANGES) == [MembershipRole.APPROVER]
    assert may(MembershipRole.VIEWER, Capability.SEE_ALL_REQUESTS) is True
    assert may(MembershipRole.VIEWER, Capability.TAKE_PART) is False
    assert may(None, Capability.READ_CHANGES) is False


@pytest.mark.django_db
def test_the_tickets_table_keeps_its_triggers_after_the_shared_column():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite rebuilds tables; PostgreSQL adds columns in place")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets_ticket'")
        triggers = {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT name FROM pragma_table_info('tickets_ticket')")
        columns = {name for (name,) in cursor.fetchall()}
    assert "shared" in columns
    assert {
        "tickets_ticket_title_fts_insert",
        "tickets_ticket_title_fts_update",
        "tickets_ticket_title_fts_delete",
    } <= triggers
