"""Uploads are limited while they stream, and files whose names cannot be kept are reported, not dropped.

A body larger than any acceptable message is refused before it is read; a file that grows past the per-file
limit stops the upload there. Both end in a 400 page saying what the limits are (`UploadTooLarge`), never a
body read whole first, never a 500. Django's parser silently skips a file whose name sanitises to nothing
("." , "..", "/"): ours keeps such a file under `UNUSABLE_NAME`, so the form can say so.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# A name Django's sanitising can never produce (it removes every non-printable character).
UNUSABLE_NAME = "\u200b"
# Room for the form's other fields and the multipart framing beside the largest acceptable files.
FORM_FIELDS_ALLOWANCE = 1024 * 1024


def request_body_limit() -> int:
    """The largest body a form with files may have: every allowed file at its largest, plus the fields."""
    return settings.PICOCORE_ATTACHMENT_MAX_BYTES * settings.PICOCORE_ATTACHMENTS_PER_MESSAGE + FORM_FIELDS_ALLOWANCE


class UploadTooLarge(RequestDataTooBig):
    """A body or file over the limits; `message` says which limit, for the 400 page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LimitedUploadHandler(FileUploadHandler):
    """First of the upload handlers: refuses an oversized body at once and stops a file at its limit."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > request_body_limit():
            raise UploadTooLarge(
                _("What you sent is %(size)s; a message can carry at most %(count)s files of %(limit)s each.")
                % {
                    "size": filesizeformat(content_length),
                    "count": settings.PICOCORE_ATTACHMENTS_PER_MESSAGE,
                    "limit": filesizeformat(settings.PICOCORE_ATTACHMENT_MAX_BYTES),
                }
            )
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        limit = settings.PICOCORE_ATTACHMENT_MAX_BYTES
        if self.received > limit:
            shown = "" if self.file_name == UNUSABLE_NAME else self.file_name
            raise UploadTooLarge(
                _("“%(name)s” is larger than %(limit)s, the most a file can be.")
                % {"name": shown, "limit": filesizeformat(limit)}
            )
        return raw_data

    def file_complete(self, file_size):
        return None


class NamingMultiPartParser(MultiPartParser):
    """Django's parser, except that a file whose name sanitises to nothing is kept as `UNUSABLE_NAME`."""

    def sanitize_file_name(self, file_name):
        return super().sanitize_file_name(file_name) or UNUSABLE_NAME


class UploadMiddleware:
    """Parses every request's files with `NamingMultiPartParser` (before the CSRF check reads the body)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.multipart_parser_class = NamingMultiPartParser
        return self.get_response(request)
