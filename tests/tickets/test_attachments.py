import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from picocore.core.errors import ValidationError
from picocore.tickets.attachments import check_uploads
from picocore.tickets.models import Attachment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def upload(name: str, size: int = 10) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"x" * size)


def test_accepts_allowed_types_within_the_limit(settings):
    settings.PICOCORE_ATTACHMENT_MAX_BYTES = 100
    checked = check_uploads([upload("log.TXT", 100), upload("report.pdf")])
    assert [(c.filename, c.content_type, c.size) for c in checked] == [
        ("log.TXT", "text/plain", 100),
        ("report.pdf", "application/pdf", 10),
    ]


def test_refuses_a_file_over_the_limit(settings):
    settings.PICOCORE_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as error:
        check_uploads([upload("big.png", 101)])
    assert error.value.field_errors["attachments"] == ["“big.png” is 101\xa0bytes; files can be at most 100\xa0bytes."]


@pytest.mark.parametrize("name", ["run.exe", "page.html", "script.js", "noextension", "image.svg"])
def test_refuses_dangerous_or_unknown_types(name):
    with pytest.raises(ValidationError) as error:
        check_uploads([upload(name)])
    assert "is a type of file we do not accept" in error.value.field_errors["attachments"][0]


def test_refuses_too_many_files(settings):
    settings.PICOCORE_ATTACHMENTS_PER_MESSAGE = 2
    with pytest.raises(ValidationError) as error:
        check_uploads([upload("a.txt"), upload("b.txt"), upload("c.txt")])
    assert error.value.field_errors["attachments"] == ["At most 2 files can be attached at once; you chose 3."]


def test_path_components_are_stripped():
    [checked] = check_uploads([upload("../../etc/passwd.txt")])
    assert checked.filename == "passwd.txt"


def test_one_bad_file_rejects_the_whole_submission(acme, settings):
    settings.PICOCORE_ATTACHMENT_MAX_BYTES = 50
    with pytest.raises(ValidationError):
        acme.ticket(files=[upload("ok.png"), upload("huge.png", 51)])
    assert (Ticket.objects.count(), TicketEvent.objects.count(), Attachment.objects.count()) == (0, 0, 0)
