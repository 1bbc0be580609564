"""Serving an article's file to someone already allowed to read the article."""

from django.http import FileResponse

from picocore.knowledge.models import ArticleAttachment


def attachment_response(attachment: ArticleAttachment) -> FileResponse:
    """The file as a download (never rendered inline, never sniffed, never cached by shared caches)."""
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.filename,
        content_type=attachment.content_type,
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
