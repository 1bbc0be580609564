"""Checks every uploaded file against the installation's limits before anything is stored."""

import mimetypes
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename

from picocore.core.errors import ValidationError

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
    file: UploadedFile
    filename: str
    content_type: str
    size: int


def check_uploads(files: list[UploadedFile]) -> list[CheckedUpload]:
    """The uploads with safe names and derived content types; raises ValidationError on the `attachments`
    field naming each file that breaks a limit. Either all files pass or none is accepted."""
    errors: list[str] = []
    limit = settings.PICOCORE_ATTACHMENT_MAX_BYTES
    per_message = settings.PICOCORE_ATTACHMENTS_PER_MESSAGE
    if len(files) > per_message:
        errors.append(f"At most {per_message} files can be attached at once; you chose {len(files)}.")
    checked = []
    for upload in files:
        original = (upload.name or "file").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        name = get_valid_filename(original)[:200] or "file"
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
