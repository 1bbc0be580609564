from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(choices=[('created', 'Created'), ('changed', 'Changed'), ('deleted', 'Deleted'), ('signed_in', 'Signed in'), ('sign_in_failed', 'Sign-in failed'), ('token_used', 'API token used'), ('redacted', 'Personal data redacted')], max_length=20, verbose_name='action'),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='sequence',
            field=models.PositiveBigIntegerField(null=True, verbose_name='sequence'),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='text_digest',
            field=models.CharField(default='', max_length=64, verbose_name='text digest'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='auditentry',
            name='previous_hash',
            field=models.CharField(default='', max_length=64, verbose_name='previous hash'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='auditentry',
            name='hash',
            field=models.CharField(default='', max_length=64, verbose_name='hash'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='auditentry',
            name='redacted_in',
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name='redacted in entry'),
        ),
        migrations.CreateModel(
            name='AuditChainHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sequence', models.PositiveBigIntegerField(default=0)),
                ('hash', models.CharField(max_length=64)),
            ],
            options={
                'verbose_name': 'audit chain head',
                'constraints': [models.CheckConstraint(condition=models.Q(('pk', 1)), name='audit_chain_head_single')],
            },
        ),
    ]
