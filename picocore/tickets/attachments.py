"""Checks every uploaded file against the installation's limits before anything is stored."""

import errno
import logging
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from picocore.core.errors import ValidationError
from picocore.core.text import shorten_filename
from picocore.core.uploads import UNUSABLE_NAME

logger = logging.getLogger(__name__)

# A stored name fits the `filename` column (200 characters) and, inside its directory, every file system's
# 255-byte limit on a name, however many bytes its letters take.
NAME_MAX_BYTES = 150

# File types people send to a service desk. Executables, scripts and HTML (which a browser would run)
# are refused; the content type is derived from the extension, never taken from the client.
ALLOWED_EXTENSIONS = frozenset(
    {
        "png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff", "heic",
        "pdf", "txt", "log", "csv", "tsv", "json", "xml", "yaml", "yml", "md", "eml", "msg",
        "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf",
        "zip", "gz", "7z",
    }
)  # fmt: skip


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile[bytes]
    filename: str
    content_type: str
    size: int


def check_uploads(files: list[UploadedFile[bytes]]) -> list[CheckedUpload]:
    """The uploads with safe names and derived content types; raises ValidationError on the `attachments`
    field naming each file that breaks a limit. Either all files pass or none is accepted."""
    errors: list[str] = []
    limit = settings.PICOCORE_ATTACHMENT_MAX_BYTES
    per_message = settings.PICOCORE_ATTACHMENTS_PER_MESSAGE
    if len(files) > per_message:
        errors.append(f"At most {per_message} files can be attached at once; you chose {len(files)}.")
    checked = []
    for upload in files:
        original = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        name = _usable_name(original)
        if name is None:
            errors.append(
                _("A file without a usable name (“.”, “..” or no name at all) was chosen.")
                + " "
                + _("Rename it and attach it again.")
            )
            continue
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension not in ALLOWED_EXTENSIONS:
            errors.append(
                f"“{original}” is a type of file we do not accept. "
                "Send images, PDFs, office documents, text, CSV, JSON, XML or ZIP files."
            )
            continue
        size = upload.size or 0
        if size > limit:
            errors.append(f"“{original}” is {filesizeformat(size)}; files can be at most {filesizeformat(limit)}.")
            continue
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        checked.append(CheckedUpload(file=upload, filename=name, content_type=content_type, size=size))
    if errors:
        raise ValidationError("Some files could not be attached.", field_errors={"attachments": errors})
    return checked


def _usable_name(original: str) -> str | None:
    """The name a file is stored and shown under, shortened by bytes keeping its extension; None when nothing
    of the name can be kept."""
    if original == UNUSABLE_NAME or original.strip() in {"", ".", ".."}:
        return None
    try:
        safe = get_valid_filename(original)
    except SuspiciousFileOperation:  # nothing but characters a file name may not hold
        return None
    name = shorten_filename(safe, max_bytes=NAME_MAX_BYTES)
    return name if name.strip(". ") else None


class StorageUnavailable(ValidationError):
    """The attachment store cannot take files now (full, read-only, gone): nothing was saved; try later."""

    status_code = 503


def store_files(storage: Storage, save: Callable[[Callable[[str], None]], None]) -> None:
    """Run `save(record)` (which writes files through `storage`, calling `record(name)` for each one written);
    on a storage failure delete the files already written and raise StorageUnavailable, so the caller's
    transaction rolls back with nothing half-saved on disk either."""
    written: list[str] = []
    try:
        save(written.append)
    except OSError as error:
        for name in written:
            try:
                storage.delete(name)
            except OSError:  # the store is failing: the row that would reference it was never committed
                logger.warning("Could not remove the partly saved attachment %s", name)
        logger.error("The attachment store refused a file: %s", error)
        full = error.errno in (errno.ENOSPC, errno.EDQUOT)
        reason = _("The attachment store is full.") if full else _("The attachment store cannot be written to.")
        raise StorageUnavailable(
            reason,
            field_errors={
                "attachments": [
                    reason + " " + _("Nothing was saved: please try again later, or send it without the files.")
                ]
            },
        ) from error
