"""Chain the entries written before the trail was chained, oldest (lowest id) first, and set the head."""

from django.db import migrations

from picocore.audit.chain import GENESIS, hash_of, text_digest

BATCH = 2_000


def chain(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    sequence, previous, last_id = 0, GENESIS, 0
    while True:
        batch = list(
            AuditEntry.objects.filter(pk__gt=last_id).select_related("content_type").order_by("pk")[:BATCH]
        )
        if not batch:
            break
        for entry in batch:
            sequence += 1
            entry.sequence = sequence
            entry.text_digest = text_digest(entry.object_repr, entry.changes)
            entry.previous_hash = previous
            entry.hash = hash_of(entry)
            previous = entry.hash
        AuditEntry.objects.bulk_update(batch, ["sequence", "text_digest", "previous_hash", "hash"])
        last_id = batch[-1].pk
    AuditChainHead.objects.update_or_create(pk=1, defaults={"sequence": sequence, "hash": previous})


def unchain(apps, schema_editor):
    apps.get_model("audit", "AuditChainHead").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_chain_fields'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [migrations.RunPython(chain, unchain)]
