"""Uploads under real-world faults: an oversized body is refused while it streams, files whose names cannot be
kept are reported, long multi-byte names are shortened by bytes keeping their extension, and a full or
read-only attachment store gives a clear message with nothing half-saved."""

import errno
import os
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test.client import BOUNDARY, encode_multipart

from picocore.tickets.models import Attachment, Ticket
from tests.portal.support import body, field_errors, incident_form, page, state, upload

pytestmark = pytest.mark.django_db

RAW_MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
UNUSABLE = "A file without a usable name (“.”, “..” or no name at all) was chosen. Rename it and attach it again."


def with_raw_file(fields: dict, filename: str, content: bytes) -> bytes:
    """A multipart body whose file part carries `filename` exactly as given (the test client would clean it)."""
    form = encode_multipart(BOUNDARY, fields)
    assert form.endswith(f"--{BOUNDARY}--\r\n".encode())
    part = (
        (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="attachments"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )
    return form[: -len(f"--{BOUNDARY}--\r\n")] + part + f"--{BOUNDARY}--\r\n".encode()


@pytest.fixture
def received(monkeypatch) -> list[int]:
    """The bytes of file content that reached storage handlers after the limiting one."""
    sizes: list[int] = []
    original = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        sizes.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    return sizes


@pytest.fixture
def small_limits(settings):
    settings.PICOCORE_ATTACHMENT_MAX_BYTES = 100_000
    settings.PICOCORE_ATTACHMENTS_PER_MESSAGE = 2
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every file goes through the temporary-file handler


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, acme, small_limits, received):
    client.force_login(acme.requester)
    before = state()
    big = upload("export.csv", b"x" * 3_000_000)  # over 2 × 100 kB + the form's allowance
    response = client.post(f"/portal/new/{acme.incident.slug}/", incident_form(acme, attachments=[big]))
    assert response.status_code == 400
    assert "Too large to send" in page(response)
    assert "What you sent is 2.9\xa0MB; a message can carry at most 2 files of 97.7\xa0KB each." in page(response)
    assert sum(received) == 0
    assert state() == before


def test_a_file_over_the_limit_stops_the_upload_there(client, acme, small_limits, received):
    client.force_login(acme.requester)
    before = state()
    big = upload("export.csv", b"x" * 1_100_000)  # the body is within the limit; the file is not
    response = client.post(f"/portal/new/{acme.incident.slug}/", incident_form(acme, attachments=[big]))
    assert response.status_code == 400
    assert "“export.csv” is larger than 97.7\xa0KB, the most a file can be." in page(response)
    assert sum(received) <= 100_000  # the chunk that went over was never handed on
    assert state() == before


@pytest.mark.parametrize("filename", [".", "..", "\u202e", "/", "..\\.."])
def test_a_file_without_a_usable_name_is_reported_not_dropped(client, acme, filename):
    client.force_login(acme.requester)
    before = state()
    data = with_raw_file(incident_form(acme), filename, b"2025-01-15 import failed\n")
    response = client.post(f"/portal/new/{acme.incident.slug}/", data, content_type=RAW_MULTIPART)
    assert response.status_code == 400
    assert field_errors(response, "attachments") == [UNUSABLE]
    assert state() == before


def test_a_file_input_left_empty_is_no_file(client, acme):
    client.force_login(acme.requester)
    data = with_raw_file(incident_form(acme), "", b"")
    response = client.post(f"/portal/new/{acme.incident.slug}/", data, content_type=RAW_MULTIPART)
    assert response.status_code == 302
    assert Ticket.objects.get().attachments.count() == 0


@pytest.mark.parametrize("letters", [90, 120, 150])
@pytest.mark.parametrize("letter", ["ä", "語", "𠀀"])
def test_a_long_multi_byte_name_is_shortened_by_bytes_keeping_its_extension(client, acme, letters, letter):
    client.force_login(acme.requester)
    name = letter * letters + ".pdf"
    response = client.post(
        f"/portal/new/{acme.incident.slug}/", incident_form(acme, attachments=[upload(name, b"%PDF-1.4\n")])
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    fits = 146 // len(letter.encode())
    assert attachment.filename == letter * min(letters, fits) + ".pdf"
    assert len(attachment.filename.encode()) <= 150
    stored = Path(attachment.file.path)
    assert stored.name == attachment.filename
    assert stored.read_bytes() == b"%PDF-1.4\n"
    assert len(attachment.file.name) <= Attachment._meta.get_field("file").max_length
    download = client.get(f"/portal/requests/ACME-1/files/{attachment.pk}/")
    assert body(download) == b"%PDF-1.4\n"


class FailingStorage(FileSystemStorage):
    """Writes the first file, then fails as a full or read-only disk does."""

    def __init__(self, error_number: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.error_number = error_number
        self.written: list[str] = []

    def _save(self, name, content):
        if self.written:
            raise OSError(self.error_number, os.strerror(self.error_number))
        saved = super()._save(name, content)
        self.written.append(saved)
        return saved


@pytest.mark.parametrize(
    ("error_number", "reason"),
    [(errno.ENOSPC, "The attachment store is full."), (errno.EROFS, "The attachment store cannot be written to.")],
)
def test_a_failing_store_gives_a_clear_message_and_saves_nothing(client, acme, consultant, monkeypatch, settings,
                                                                  error_number, reason):  # fmt: skip
    storage = FailingStorage(error_number, location=settings.MEDIA_ROOT)
    monkeypatch.setattr(Attachment._meta.get_field("file"), "storage", storage)
    files = [upload("one.txt", b"first"), upload("two.txt", b"second")]
    message = f"{reason} Nothing was saved: please try again later, or send it without the files."

    client.force_login(acme.requester)
    before = state()
    response = client.post(f"/portal/new/{acme.incident.slug}/", incident_form(acme, attachments=files))
    assert response.status_code == 400
    assert field_errors(response, "attachments") == [message]
    assert state() == before
    assert [storage.exists(name) for name in storage.written] == [False]  # the first file was removed again

    ticket = acme.ticket()
    before = state()
    storage.written.clear()
    files = [upload("one.txt", b"first"), upload("two.txt", b"second")]
    response = client.post("/portal/requests/ACME-1/reply/", {"body": "Logs attached.", "attachments": files})
    assert response.status_code == 400
    assert field_errors(response, "attachments") == [message]
    assert state() == before
    assert ticket.events.count() == 1
    assert [storage.exists(name) for name in storage.written] == [False]

    client.force_login(consultant)
    storage.written.clear()
    files = [upload("one.txt", b"first"), upload("two.txt", b"second")]
    response = client.post("/desk/tickets/ACME-1/note/", {"body": "Trace attached.", "attachments": files})
    assert response.status_code == 503
    assert message in page(response)
    assert state() == before
    assert [storage.exists(name) for name in storage.written] == [False]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_store_directory_gives_a_clear_message(client, acme, settings, tmp_path):
    store = tmp_path / "media"
    store.mkdir()
    store.chmod(0o555)
    settings.MEDIA_ROOT = str(store)
    client.force_login(acme.requester)
    before = state()
    try:
        response = client.post(
            f"/portal/new/{acme.incident.slug}/", incident_form(acme, attachments=[upload("one.txt", b"x")])
        )
    finally:
        store.chmod(0o755)
    assert response.status_code == 400
    assert field_errors(response, "attachments") == [
        "The attachment store cannot be written to. Nothing was saved: please try again later, or send it "
        "without the files."
    ]
    assert state() == before
