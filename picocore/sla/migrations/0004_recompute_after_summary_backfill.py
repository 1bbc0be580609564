"""Make the "Breaching soon" columns exact on an upgraded installation.

`tickets.0007_ticket_sla_summary` filled `Ticket.sla_soon_at` from wall-clock hours (the calendars were not at
hand there): for a business-hours clock that is later than exact, so until a ticket's clocks were recomputed
the desk's "Breaching soon" left out tickets that belong in it. Installations that ran that migration keep
those values; this one reaches them and every installation upgrading later. It does not derive clocks itself
(a migration sees historical models, and the derivation is the SLA code's): it enqueues the real recompute,
`picocore.sla.tasks.recompute_organisation_clocks`, for each organisation with a running business-hours
clock, for the worker to run with the code of the release being installed. Idempotent: the recompute derives
from the history, so running it again (or on a fresh installation, with no tickets, not at all) changes
nothing.

A task backend that cannot hold a task for later (the immediate one) would run today's code inside the
migration, against a schema later migrations may still change: there nothing is enqueued and the operator is
told to run `picocore sla_recompute` after migrating.
"""

import sys

from django.db import migrations

UNFINISHED = ("new", "triaged", "in_progress", "waiting_on_customer", "waiting_on_third_party", "resolved")


def recompute_later(apps, schema_editor):
    SlaClock = apps.get_model("sla", "SlaClock")
    organisation_ids = sorted(
        set(
            SlaClock.objects.using(schema_editor.connection.alias)
            .filter(clock="business", due_at__isnull=False, ticket__status__in=UNFINISHED)
            .values_list("organisation_id", flat=True)
        )
    )
    if not organisation_ids:
        return
    from picocore.sla.tasks import recompute_organisation_clocks

    if not recompute_organisation_clocks.get_backend().supports_defer:
        sys.stderr.write(
            f"The SLA clocks of {len(organisation_ids)} organisation(s) need recomputing for exact "
            "“Breaching soon” lists: run `picocore sla_recompute` once the migrations are done.\n"
        )
        return
    for organisation_id in organisation_ids:
        recompute_organisation_clocks.enqueue(organisation_id)


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0003_slaclock_stopped_by"),
        ("tickets", "0009_ticket_next_step_reminded_for_and_more"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(recompute_later, migrations.RunPython.noop, elidable=True)]
