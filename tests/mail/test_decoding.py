"""Real-world decoding end to end: each corpus message as the mailer that produces it writes it (legacy
Chinese charsets, mislabelled Latin-1, raw 8-bit headers, NFD file names, an empty text part, forwards,
unnamed and uuencoded files, a multipart without boundaries, broken display names, NUL), run through the
whole pipeline to its final state, with the decoded text asserted exactly. Runs on SQLite and PostgreSQL."""

import pytest

from picocore.mail.addresses import reply_address_for
from picocore.mail.models import InboundMessage, InboundStatus, Outcome
from picocore.tenancy.choices import MembershipRole
from picocore.tickets.choices import Channel, EventKind
from picocore.tickets.models import Ticket
from tests import factories

pytestmark = pytest.mark.django_db

CSV = "varenummer;pris\r\nBLÅ-42;129,00\r\nFROST-7;89,50\r\n".encode("cp1252")
LOG = b"2026-03-18 10:01:12 ERROR payment terminal timeout\n2026-03-18 10:04:40 ERROR payment terminal timeout\n"


@pytest.fixture
def wang(world):
    """Wang Rong, ACME's buyer in Shenzhen, a customer admin (who may write on every ACME ticket)."""
    user = factories.UserFactory(email="wang.rong@acme.example", full_name="王镕")
    factories.MembershipFactory(user=user, organisation=world.acme.organisation, role=MembershipRole.CUSTOMER_ADMIN)
    return user


def created(message: InboundMessage, key: str) -> Ticket:
    """The ticket `message` created, after checking it was filed as a new e-mailed ticket called `key`."""
    assert (message.status, message.outcome, message.ticket.key) == (InboundStatus.PROCESSED, Outcome.NEW_TICKET, key)
    assert message.ticket.channel == Channel.EMAIL
    assert message.reason == f"Created {key} for {message.ticket.organisation.name}."
    return message.ticket


def replied(message: InboundMessage, ticket: Ticket, method: str) -> str:
    """The body of the reply `message` added to `ticket`, after checking how it was threaded."""
    assert (message.status, message.outcome, message.ticket) == (InboundStatus.PROCESSED, Outcome.REPLY, ticket)
    assert message.reason == f"Added to {ticket.key} (matched by {method})."
    assert message.event.kind == EventKind.PUBLIC_REPLY
    return message.event.body


def files(ticket: Ticket) -> list[tuple[str, str, int]]:
    return list(ticket.attachments.order_by("id").values_list("filename", "content_type", "size"))


# -- charsets -------------------------------------------------------------------------------------------------


def test_an_outlook_express_gb2312_mail_is_read_as_gbk(world, wang, deliver):
    """Outlook Express labels GBK text "gb2312"; 镕 exists only in GBK."""
    ticket = created(deliver("outlook_express_gb2312.eml"), "ACME-2")
    assert (ticket.title, ticket.requester) == ("价格导入失败：王镕的订单", wang)
    assert ticket.description == (
        "您好，\n\n自从周一起，价格表导入一直失败，商品“冰霜系列”的图片也不见了。\n请尽快处理。\n\n王镕\nACME 采购部"
    )


def test_an_unknown_gb2312_label_and_a_raw_gbk_subject_are_read_as_gbk(world, wang, deliver):
    message = deliver("webmail_iso_gb2312.eml")
    assert replied(message, world.ticket, "references") == "测试环境也一样，图片还是缺失。\n\n王镕"
    assert (message.subject, message.sender) == ("回复: [ACME-1] 产品图片缺失", wang)


def test_iso_2022_jp_from_outlook_keeps_the_nec_and_ibm_characters_windows_writes(world, deliver):
    """Outlook writes ISO-2022-JP as Windows' CP50220: ① and ㈱ (NEC row 13), 髙 (an IBM extension)."""
    takahashi = factories.UserFactory(email="takahashi@acme.example", full_name="Takahashi Ken")
    factories.MembershipFactory(user=takahashi, organisation=world.acme.organisation)
    ticket = created(deliver("outlook_iso2022jp_nec.eml"), "ACME-2")
    assert (ticket.title, ticket.requester) == ("【至急】価格インポートの不具合①（㈱ACME）", takahashi)
    assert ticket.description == (
        "サポートご担当者様\n\nいつもお世話になっております。\n本日より価格インポートが失敗しています。\n\n"
        "①商品画像が表示されない\n②価格が０円になる\n\nご確認をお願いいたします。\n\n㈱ACME 購買部\n髙橋 健"
    )


def test_utf_8_from_a_php_form_labelled_iso_8859_1_is_read_as_utf_8(world, deliver):
    ticket = created(deliver("php_form_mislabelled_latin1.eml"), "ACME-2")
    assert ticket.title == "Kontaktformular: Bestilling på æøå-varer fejler"
    assert ticket.description == (
        "Navn: Anna Andersen\nE-mail: anna@acme.example\n\nBesked:\n"
        "Når en kunde bestiller »Blåbærgrød« eller »Ærø-øl«, fejler checkout med “Ugyldig vare”.\n"
        "Det gælder alle varer med æ, ø eller å i navnet."
    )


def test_latin_1_from_eudora_labelled_utf_8_is_read_as_latin_1(world, deliver):
    ticket = created(deliver("eudora_latin1_labelled_utf8.eml"), "ACME-2")
    assert (ticket.title, ticket.requester) == ("Fakturaen for marts", world.bo)
    assert ticket.description == (
        "Fakturaen for marts nævner 12 timer à 950 kr., men vi har kun bestilt 10. Kan I rette den før den 15.?\n\nBo"
    )


# -- headers and file names -----------------------------------------------------------------------------------


def test_raw_8_bit_headers_of_a_scanner_keep_their_letters(world, deliver):
    message = deliver("scanner_raw_8bit_headers.eml")
    ticket = created(message, "ACME-2")
    assert ticket.title == "Scannet billede: skilt på Hofjägeralle"
    assert ticket.description == (
        "Skiltet ved butikken på Hofjägeralle viser stadig de gamle priser.\nSe det scannede billede."
    )
    assert files(ticket) == [("Hofjägeralle.jpg", "image/jpeg", 91)]
    assert ticket.attachments.get().file.read().startswith(b"\xff\xd8\xff\xe0")


def test_an_nfd_file_name_from_apple_mail_keeps_its_accents(world, deliver):
    ticket = created(deliver("apple_mail_nfd_filename.eml"), "ACME-2")
    assert files(ticket) == [("Hofjägeralle_butik.jpg", "image/jpeg", 91)]
    assert ticket.description == "Here is the photo of the shelf labels."


@pytest.mark.parametrize(
    ("name", "sender_name"),
    [("notes_unquoted_comma_name.eml", "Andersen, Anna"), ("phone_address_as_name.eml", "bo@acme.example")],
)
def test_a_display_name_with_a_comma_or_an_at_sign_still_yields_the_sender(world, deliver, name, sender_name):
    message = deliver(name, REPLY_ADDRESS=reply_address_for(world.ticket))
    if name.startswith("notes"):
        assert replied(message, world.ticket, "token") == (
            "The images are back on staging. Production still shows the placeholders.\n\nAnna"
        )
        assert (message.sender, message.from_address) == (world.anna, "anna@acme.example")
    else:
        ticket = created(message, "ACME-2")
        assert (ticket.title, ticket.description) == (
            "Kassen nede i Aarhus", "Kassen i Aarhus-butikken starter ikke efter opdateringen i nat.",
        )  # fmt: skip
        assert (message.sender, message.from_address) == (world.bo, "bo@acme.example")


def test_nul_in_the_subject_body_and_file_name_never_reaches_the_database(world, deliver):
    message = deliver("export_script_nul.eml")
    ticket = created(message, "ACME-2")
    assert (message.subject, ticket.title) == ("Eksport med NUL-tegn", "Eksport med NUL-tegn")
    assert (message.body_text, ticket.description) == ("Eksporten skrev NUL-tegn midt i linjen.",) * 2
    assert files(ticket) == [("eksport.csv", "text/csv", 17)]


# -- structure ------------------------------------------------------------------------------------------------


def test_an_empty_text_part_does_not_hide_the_html_text_of_a_newsletter(world, deliver):
    message = deliver("newsletter_empty_text_part.eml")
    ticket = created(message, "ACME-2")
    assert (ticket.title, ticket.requester) == ("[TEST] Frost-nyheder marts", world.bo)
    assert ticket.description == (
        "Nyt i Frost-serien\n\n"
        "Hej Bo, produktbillederne i vores nyhedsbrev vises ikke – kan I se, om billed-linkene fra webshoppen "
        "virker?\n\nSe hele serien <https://shop.acme.example/frost>\n\n"
        "Du modtager denne e-mail, fordi du er tilmeldt ACME's nyhedsbrev. Afmeld <https://news.acme.example/u/8f2c>"
    )
    assert "news.acme.example/o/8f2c.gif" not in message.body_html  # the tracking pixel is gone


def test_unnamed_parts_are_named_by_their_content_type(world, deliver):
    message = deliver("android_unnamed_parts.eml")
    ticket = created(message, "ACME-2")
    assert files(ticket) == [("image-1.jpg", "image/jpeg", 91), ("attachment-2.pdf", "application/pdf", 125)]
    assert ticket.description == "Her er billedet af pallen og følgesedlen."
    assert "not_attached" not in message.data


def test_a_file_uuencoded_in_the_text_by_outlook_express_is_attached(world, deliver):
    ticket = created(deliver("outlook_express_uuencode.eml"), "ACME-2")
    assert ticket.description == "Hej,\n\nher er den nye prisfil til importen.\n\nBo"
    assert files(ticket) == [("priser.csv", "text/csv", len(CSV))]
    assert ticket.attachments.get().file.read() == CSV


def test_an_x_uuencode_part_from_pegasus_mail_is_decoded_and_named_by_its_begin_line(world, deliver):
    ticket = created(deliver("pegasus_x_uuencode.eml"), "ACME-2")
    assert ticket.description == "Kassen på Hofjägeralle melder fejl ved hver betaling. Loggen er vedhæftet.\n\nBo"
    assert files(ticket) == [("kasse.txt", "text/plain", len(LOG))]
    assert ticket.attachments.get().file.read() == LOG


def test_a_multipart_without_its_boundaries_is_read_as_its_text(world, deliver):
    message = deliver("php_multipart_without_boundary.eml")
    ticket = created(message, "ACME-2")
    assert ticket.description == (
        "Rapporteret af: Bo Berg\nSide: /lager/optælling\n\n"
        "Lageroptællingen gemmer ikke antal over 999 – feltet nulstilles ved gem."
    )
    assert message.data["defects"] == ["MultipartInvariantViolationDefect", "StartBoundaryNotFoundDefect"]


# -- forwards -------------------------------------------------------------------------------------------------


def test_a_swedish_outlook_forward_is_kept_whole(world, deliver):
    message = deliver("outlook_forward_swedish.eml")
    ticket = created(message, "NORD-1")
    assert (ticket.title, ticket.requester) == ("Exporten misslyckades", world.nils)
    assert ticket.description == (
        "Hej,\n\nvi får det här felet från webshoppen varje natt sedan i måndags. Kan ni titta på det?\n\nNils\n\n"
        "________________________________\nFrån: Webbshop Nord <noreply@shop.nord.example>\n"
        "Skickat: den 18 mars 2026 03:00\nTill: Nils Nordmann <nils@nord.example>\nÄmne: Exporten misslyckades\n\n"
        "Nattlig export till prisportalen misslyckades: timeout efter 300 sekunder (jobb 7731)."
    )
    assert message.data["trimmed"] is False


def test_a_thunderbird_forward_below_the_signature_is_kept_whole_on_the_ticket(world, deliver):
    message = deliver("thunderbird_forward_signature.eml", REPLY_ADDRESS=reply_address_for(world.ticket))
    assert replied(message, world.ticket, "token") == (
        "Here is what the webshop sent us this morning.\n\n--\nAnna Andersen\nACME Ltd\n\n"
        "-------- Forwarded Message --------\nSubject: \tBilleder kunne ikke hentes\n"
        "Date: \tThu, 19 Mar 2026 06:00:02 +0100\nFrom: \tACME Webshop <noreply@shop.acme.example>\n"
        "To: \tanna@acme.example\n\nBilledsynkronisering: 14 af 120 produktbilleder kunne ikke hentes (HTTP 404)."
    )


def test_a_gmail_forward_with_a_retyped_subject_is_kept_whole(world, deliver):
    ticket = created(deliver("gmail_forward_retyped_subject.eml"), "ACME-2")
    assert ticket.title == "Orders 1042, 1043 and 1047 not synced"
    assert ticket.description == (
        "Can you check this? It came in overnight.\n\n---------- Forwarded message ---------\n"
        "From: ACME Webshop <noreply@shop.acme.example>\nDate: Fri, 20 Mar 2026 at 03:00\n"
        "Subject: Order sync failed\nTo: <anna@acme.example>\n\nOrder sync failed for 3 orders: 1042, 1043, 1047."
    )
