"""Which requests an organisation's requesters see becomes one of three settings instead of a yes/no:
requesters who saw all of the organisation's requests still do; those who saw only their own still do."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    Organisation = apps.get_model("tenancy", "Organisation")
    Organisation.objects.filter(requesters_see_all=True).update(request_visibility="organisation")
    Organisation.objects.filter(requesters_see_all=False).update(request_visibility="own")


def backwards(apps, schema_editor):
    Organisation = apps.get_model("tenancy", "Organisation")
    # "Own and shared" was no setting before: its requesters saw their own requests.
    Organisation.objects.update(requesters_see_all=False)
    Organisation.objects.filter(request_visibility="organisation").update(requesters_see_all=True)


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0002_user_language")]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="request_visibility",
            field=models.CharField(
                choices=[
                    ("own", "Own requests only"),
                    ("shared", "Own requests and those shared with the organisation"),
                    ("organisation", "All of the organisation's requests"),
                ],
                default="own",
                help_text=(
                    "Which of the organisation's requests its requesters, approvers and billing contacts see in the "
                    "portal; customer admins and viewers always see all of them."
                ),
                max_length=20,
                verbose_name="requests a requester sees",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="organisation", name="requesters_see_all"),
        migrations.AlterField(
            model_name="membership",
            name="role",
            field=models.CharField(
                choices=[
                    ("requester", "Requester"),
                    ("customer_admin", "Customer admin"),
                    ("approver", "Approver"),
                    ("billing_contact", "Billing contact"),
                    ("viewer", "Viewer"),
                ],
                max_length=20,
                verbose_name="role",
            ),
        ),
    ]
