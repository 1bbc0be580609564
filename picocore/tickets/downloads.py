"""Serving an attachment the caller has already been allowed to see."""

from django.http import FileResponse

from picocore.tickets.models import Attachment


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file as a download (never rendered inline, never sniffed, never cached by shared caches)."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
