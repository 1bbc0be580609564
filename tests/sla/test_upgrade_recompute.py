"""Upgrading makes "Breaching soon" exact: `tickets.0007` backfilled `sla_soon_at` from wall-clock hours, which
for a business-hours clock is later than exact; `sla.0004` enqueues the real recompute for each organisation
with a running business-hours clock, and the worker's run of it restores the exact columns."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from picocore.sla.tasks import recompute_organisation_clocks
from picocore.tickets.models import Ticket
from tests.sla.conftest import CPH, set_targets

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("picocore.tickets.migrations.0007_ticket_sla_summary").backfill
recompute_later = importlib.import_module(
    "picocore.sla.migrations.0004_recompute_after_summary_backfill"
).recompute_later
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class SchemaEditor:
    """What the migration's function reads of the schema editor: the connection it migrates."""

    connection = connection


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=CPH)  # 23 Nov 2026 is a Monday


@pytest.fixture
def long_ticket(acme, office, clock):
    """A P2 answered within 32 business hours (Mon–Fri 08–16), warned at 90 %, "soon" with 8 business hours left;
    created Monday 09:00: due Friday 09:00, soon from Thursday 09:00, warned from Thursday 13:48."""
    contract = acme.organisation.contracts.get()
    contract.calendar = office
    contract.save()
    contract.tier.warn_at_percent = 90
    contract.tier.save()
    set_targets(contract.tier, p2_first_response=32 * 60)
    ticket = acme.ticket()
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.sla_due_at, stored.sla_soon_at, stored.sla_warn_at) == (at(27, 9), at(26, 9), at(26, 13, 48))
    return ticket


def soon_at(ticket: Ticket) -> dt.datetime | None:
    return Ticket.objects.get(pk=ticket.pk).sla_soon_at


def breaching_soon_now() -> list[int]:
    from picocore.core.clock import now

    return list(Ticket.objects.filter(sla_soon_at__lte=now()).values_list("pk", flat=True))


def test_the_old_backfill_left_business_clocks_out_of_breaching_soon(long_ticket, clock):
    backfill(apps, SchemaEditor)
    assert soon_at(long_ticket) == at(26, 13, 48)  # the warning: 8 wall-clock hours before Friday 09:00 is later
    clock.set(at(26, 10))
    assert breaching_soon_now() == []  # 7 business hours left, yet not listed


@override_settings(TASKS=DATABASE_TASKS)
def test_the_upgrade_enqueues_the_recompute_and_the_worker_makes_the_columns_exact(long_ticket, clock):
    backfill(apps, SchemaEditor)
    recompute_later(apps, SchemaEditor)
    [queued] = DBTaskResult.objects.all()
    assert (queued.task_path, queued.args_kwargs, queued.status) == (
        "picocore.sla.tasks.recompute_organisation_clocks",
        {"args": [long_ticket.organisation_id], "kwargs": {}},
        "READY",
    )
    assert soon_at(long_ticket) == at(26, 13, 48)  # nothing changes before the worker runs it
    assert recompute_organisation_clocks.call(*queued.args_kwargs["args"]) == 1
    assert soon_at(long_ticket) == at(26, 9)
    clock.set(at(26, 10))
    assert breaching_soon_now() == [long_ticket.pk]
    # Idempotent: run again (a retry), the columns stay exact.
    assert recompute_organisation_clocks.call(long_ticket.organisation_id) == 1
    assert soon_at(long_ticket) == at(26, 9)


@override_settings(TASKS=DATABASE_TASKS)
def test_nothing_is_enqueued_without_a_running_business_hours_clock(acme, clock):
    """A fresh installation (no tickets), or tickets whose clocks count around the clock: the backfill was exact."""
    recompute_later(apps, SchemaEditor)
    set_targets(acme.organisation.contracts.get().tier, p2_first_response_24x7=120)
    acme.ticket()  # queues its notifications' task
    recompute_later(apps, SchemaEditor)
    assert not DBTaskResult.objects.filter(task_path=recompute_organisation_clocks.module_path).exists()


def test_a_backend_that_cannot_hold_a_task_runs_nothing_inside_the_migration_and_says_what_to_do(long_ticket, capsys):
    backfill(apps, SchemaEditor)
    recompute_later(apps, SchemaEditor)  # the tests' immediate backend
    assert soon_at(long_ticket) == at(26, 13, 48)
    assert capsys.readouterr().err == (
        "The SLA clocks of 1 organisation(s) need recomputing for exact “Breaching soon” lists: run "
        "`picocore sla_recompute` once the migrations are done.\n"
    )
