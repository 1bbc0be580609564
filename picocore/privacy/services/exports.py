"""Personal-data exports: asked for on a page, built by the worker, downloaded by the person who asked.

Guarantees: the actor's right is checked here (`permissions.may_export`); asking is audited; asking again while
an export of the same person and scope is queued, running or failed returns that one (a failed one is queued
again), so a double submit or a retry never makes two. The build is idempotent: a ready export is not built
again, and a build interrupted half-way starts over (the zip is written to a temporary file, stored only when
complete). A ready export can be downloaded for `EXPORT_LIFETIME`; afterwards its file is deleted.
"""

import datetime as dt
import logging
import tempfile
from uuid import UUID

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.core.clock import now
from picocore.core.errors import NotFound, ValidationError
from picocore.core.tasks import enqueue_on_commit
from picocore.privacy import permissions
from picocore.privacy.choices import OPEN_EXPORT_STATUSES, ExportStatus
from picocore.privacy.exporting import items_to_write, write_zip
from picocore.privacy.models import PersonalDataExport
from picocore.tenancy.models import User

logger = logging.getLogger(__name__)

EXPORT_LIFETIME = dt.timedelta(days=7)
# The progress is written at most once per this many items: a page reading it sees it move, the build does not
# spend its time writing it.
PROGRESS_STEP = 25


def _scope(organisation_id: int | None) -> str:
    return "all" if organisation_id is None else f"org:{organisation_id}"


def _enqueue(export: PersonalDataExport) -> None:
    from picocore.privacy.tasks import build_personal_data_export

    enqueue_on_commit(build_personal_data_export, export.pk)


def export_start(*, actor: User, subject_id: int, organisation_id: int | None) -> PersonalDataExport:
    """Queue an export of the person's data (of `organisation_id`; None: of every organisation) for the actor, or
    return the one already on its way (a failed one queued again). NotFound for a person the actor may not
    export."""
    subject = User.objects.filter(pk=subject_id).first()
    if subject is None or not permissions.may_export(actor, subject, organisation_id):
        raise NotFound(_("There is no such person."))
    scope = _scope(organisation_id)
    with transaction.atomic():
        open_export = (
            PersonalDataExport.objects.select_for_update()
            .filter(requested_by=actor, subject=subject, scope=scope, status__in=OPEN_EXPORT_STATUSES)
            .first()
        )
        if open_export is not None:
            if open_export.status == ExportStatus.FAILED:
                _requeue(open_export)
            return open_export
        try:
            with transaction.atomic():
                export = PersonalDataExport.objects.create(
                    subject=subject, requested_by=actor, organisation_id=organisation_id, scope=scope
                )
        except IntegrityError:  # a parallel request made it first: that one is the export
            return PersonalDataExport.objects.get(
                requested_by=actor, subject=subject, scope=scope, status__in=OPEN_EXPORT_STATUSES
            )
        audit_record(
            actor=actor,
            action=AuditAction.CREATED,
            instance=export,
            changes={"subject": {"before": None, "after": subject.pk}, "scope": {"before": None, "after": scope}},
        )
        _enqueue(export)
    return export


def _requeue(export: PersonalDataExport) -> None:
    export.status, export.error, export.done = ExportStatus.QUEUED, "", 0
    export.save(update_fields=["status", "error", "done"])
    _enqueue(export)


def export_retry(*, actor: User, export_uid: UUID) -> PersonalDataExport:
    """Queue a failed export of the actor's again (the same export: no second one); one not failed is left as it
    is. NotFound for an export that is not the actor's."""
    with transaction.atomic():
        export = permissions.exports_of(actor).select_for_update().filter(uid=export_uid).first()
        if export is None:
            raise NotFound(_("There is no such export."))
        if export.status == ExportStatus.FAILED:
            _requeue(export)
        elif export.status in (ExportStatus.READY, ExportStatus.EXPIRED):
            raise ValidationError(_("This export was built already; start a new one to get fresh data."))
    return export


def export_build(*, export_id: int) -> bool:
    """Build the export's zip (the worker's part); True when it was built now. A ready, failed, expired or
    missing export is left alone; a failure is recorded on the export, to be retried from its page."""
    with transaction.atomic():
        export = PersonalDataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
            return False
        export.status, export.started_at, export.done = ExportStatus.RUNNING, now(), 0
        export.attempts += 1
        export.total = items_to_write(export)
        export.save(update_fields=["status", "started_at", "done", "attempts", "total"])
    written = 0

    def progress(count: int) -> None:
        nonlocal written
        written += count
        if written % PROGRESS_STEP == 0:
            PersonalDataExport.objects.filter(pk=export.pk).update(done=written)

    try:
        with tempfile.TemporaryFile() as target:
            write_zip(export, target, progress=progress)
            target.seek(0)
            stored = export.file.storage.save(
                export.file.field.generate_filename(export, f"personal-data-{export.subject_id}.zip"),
                File(target),
            )
    except Exception as error:
        logger.exception("The personal data export %s failed", export.pk)
        PersonalDataExport.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(
            status=ExportStatus.FAILED, error=type(error).__name__[:300], finished_at=now()
        )
        return False
    finished = now()
    PersonalDataExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.READY, file=stored, done=written, finished_at=finished,
        expires_at=finished + EXPORT_LIFETIME,
    )  # fmt: skip
    return True


def export_download(*, actor: User, export_uid: UUID) -> PersonalDataExport:
    """The ready, unexpired export of the actor's with this reference; NotFound for anything else (another's,
    expired, not built yet), so the link tells nobody else that it exists."""
    export = permissions.exports_of(actor).filter(uid=export_uid, status=ExportStatus.READY).first()
    if export is None or export.expires_at is None or export.expires_at <= now() or not export.file:
        raise NotFound(_("There is no such export."))
    return export


def exports_expire(moment: dt.datetime | None = None) -> int:
    """Delete the files of exports whose download expired and mark them expired; returns how many. Idempotent."""
    moment = moment or now()
    expired = 0
    for export in PersonalDataExport.objects.filter(status=ExportStatus.READY, expires_at__lte=moment):
        if export.file.name:
            export.file.storage.delete(export.file.name)
        PersonalDataExport.objects.filter(pk=export.pk).update(status=ExportStatus.EXPIRED, file="")
        expired += 1
    return expired
