"""Parsing and trimming, without a database: charsets, encodings, machine-written mail, reply trimming, HTML.
Property-based tests show the parser never raises, whatever bytes arrive."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from picocore.mail.content import html_to_text, sanitise_html, split_reply, title_from_subject
from picocore.mail.parsing import decode_bytes, decode_header_value, parse_message, unflow
from tests.mail.conftest import corpus


def message(headers: str, body: str = "Hello\n") -> bytes:
    return f"From: Anna <anna@acme.example>\nTo: support@picocore.example\n{headers}\n\n{body}".encode()


# -- machine-written mail -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ("Auto-Submitted: auto-replied", "auto_reply"),
        ("Auto-Submitted: auto-generated", "auto_reply"),
        ("Precedence: bulk", "auto_reply"),
        ("Precedence: auto_reply", "auto_reply"),
        ("X-Autoreply: yes", "auto_reply"),
        ("X-Autorespond: vacation", "auto_reply"),
        ("Subject: Automatic reply: [ACME-1] Images", "auto_reply"),
        ("Subject: Out of Office: back on Monday", "auto_reply"),
        ("X-Failed-Recipients: gone@acme.example", "bounce"),
        ("Return-Path: <>", "bounce"),
        ("Content-Type: multipart/report; report-type=disposition-notification; boundary=x", "bounce"),
    ],
)
def test_machine_written_mail_is_recognised(headers, kind):
    parsed = parse_message(message(headers))
    assert parsed.automatic is not None and parsed.automatic.kind == kind


def test_a_bounce_is_recognised_by_its_sender_and_by_an_empty_envelope_sender():
    assert parse_message(b"From: MAILER-DAEMON@mx.example\n\nx").automatic.kind == "bounce"
    assert parse_message(message(""), envelope_sender="<>").automatic.kind == "bounce"
    assert parse_message(message(""), envelope_sender=None).automatic is None  # unknown (IMAP): not a bounce


@pytest.mark.parametrize(
    "headers", ["Auto-Submitted: no", "Subject: Out of office laptop is broken", "Precedence: first-class", ""]
)
def test_a_person_writing_is_not_mistaken_for_a_machine(headers):
    assert parse_message(message(headers)).automatic is None


# -- charsets and encodings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "charset", "text"),
    [
        ("Grüße".encode(), "utf-8", "Grüße"),
        ("Grüße".encode("latin-1"), "iso-8859-1", "Grüße"),
        (b"It\x92s \x80 5 \x96 ok", "iso-8859-1", "It’s € 5 – ok"),  # Outlook's "latin-1" is Windows-1252
        (b"It\x92s", "windows-1252", "It’s"),
        ("æøå".encode(), "us-ascii", "æøå"),  # mislabelled UTF-8
        ("æøå".encode("cp1252"), "", "æøå"),  # undeclared 8-bit
        ("æøå".encode(), "x-no-such-charset", "æøå"),
        (b"caf\xe9", "utf-8", "café"),  # mislabelled Windows-1252
        (b"\x81\x8d", "utf-8", "\x81\x8d"),  # nothing fits: every byte still becomes a character
    ],
)
def test_decode_bytes_follows_what_clients_really_send(data, charset, text):
    assert decode_bytes(data, charset) == text


@pytest.mark.parametrize(
    ("header", "text"),
    [
        ("=?UTF-8?B?UHJpc2ltcG9ydCBmZWpsZXIgcMOlIMOmw7jDpS12YXJlcg==?=", "Prisimport fejler på æøå-varer"),
        ("=?ISO-8859-1?Q?Gr=F6=DFe?= und =?ISO-8859-1?Q?K=FCsse?=", "Größe und Küsse"),
        ("=?utf-8?q?two?= =?utf-8?q?_words?=", "two words"),
        ("SV: =?Windows-1252?Q?Faktura_=96_300_=80?=", "SV: Faktura – 300 €"),
        ("Re:\n  folded\tsubject", "Re: folded subject"),
        ("=?x-unknown?Q?caf=E9?=", "café"),
        ("=?utf-8?B?not base64!?=", "=?utf-8?B?not base64!?="),
    ],
)
def test_rfc_2047_headers_are_decoded(header, text):
    assert decode_header_value(header) == text


def test_raw_8_bit_utf_8_headers_are_read_as_text():
    parsed = parse_message("From: Søren <soren@acme.example>\nSubject: Prisfil på vej\n\nx".encode())
    assert (parsed.subject, parsed.from_name, parsed.from_address) == ("Prisfil på vej", "Søren", "soren@acme.example")


def test_format_flowed_paragraphs_are_joined():
    text = "A long line that \ncontinues here.\n> quoted and \n> continued\n-- \nSig"
    assert unflow(text) == "A long line that continues here.\n> quoted and continued\n-- \nSig"
    assert unflow("joined \nwith delsp", delsp=True) == "joinedwith delsp"


# -- reply trimming -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Fine now.\n\nOn Mon, 2 Mar 2026 at 16:05, Support <s@p.example> wrote:\n> old", "Fine now."),
        ("Fine now.\n\nOn Mon, 2 Mar 2026 at 16:05, Support <\ns@p.example> wrote:\n\n> old", "Fine now."),
        ("Fine now.\n\nOn 2 Mar 2026, at 16:05, Support <s@p.example> wrote:\n\n> old", "Fine now."),
        ("Fine now.\n\nAm 02.03.2026 um 16:05 schrieb Support:\n> alt", "Fine now."),
        ("Fint.\n\nDen man. 2. mar. 2026 kl. 16.05 skrev Support <s@p.example>:\n> gammel", "Fint."),
        ("Fine now.\n\nSupport wrote:\n> old", "Fine now."),
        ("Fine.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n\nold", "Fine."),
        ("Fine.\n________________________________\nFrom: Support <s@p.example>\nSent: Monday\nTo: me\n\nold", "Fine."),
        ("Fint.\n\nFra: Support <s@p.example>\nSendt: 2. marts 2026 16:05\nTil: mig\nEmne: x\n\ngammel", "Fint."),
        ("Fine.\n\n-- \nAnna Andersen\n+45 1234", "Fine."),
        ("Fine.\n\nSent from my iPhone\n\n> old", "Fine."),
        ("Fine.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>", "Fine."),
        ("> Does staging fail too?\nYes.\n> And production?\nNo.\n>\n> Thanks", "> Does staging fail too?\nYes.\n"
                                                                            "> And production?\nNo."),
        ("Just text,\nno quote.", "Just text,\nno quote."),
        ("> only a quote\n> nothing new", "> only a quote\n> nothing new"),
    ],
)  # fmt: skip
def test_split_reply_cuts_what_the_mail_client_added(text, shown):
    assert split_reply(text)[0] == shown


def test_split_reply_keeps_a_forwarded_message():
    text = "Please look at this.\n\n---------- Forwarded message ---------\nFrom: Shop\nDate: Mon\n\nOrder failed."
    assert split_reply(text) == (text, False)
    outlook = "See below.\n\n________________________________\nFrom: Shop\nSent: Monday\n\nOrder failed."
    assert split_reply(outlook, subject="FW: Order failed") == (outlook, False)
    assert split_reply(outlook, subject="RE: Order failed") == ("See below.", True)


def test_html_is_turned_into_text_and_quotes_are_marked():
    html = (
        "<p>Yes,&nbsp;<b>both</b>.</p><ul><li>one</li><li>two</li></ul><pre>a  b\nc</pre>"
        '<div class="gmail_quote">On Mon, X wrote:<blockquote>old<br>text</blockquote></div>'
    )
    assert html_to_text(html) == "Yes, both.\n\n- one\n- two\n\na  b\nc\n\nOn Mon, X wrote:\n> old\n> text"
    assert split_reply(html_to_text(html, mark_quotes=True)) == ("Yes, both.\n\n- one\n- two\n\na  b\nc", True)


def test_sanitised_html_keeps_formatting_and_drops_everything_active():
    html = (
        '<p style="x" onclick="y()">Hi <a href="javascript:x()">a</a> <a href="https://e.example">b</a>'
        '<img src="cid:123"><script>bad()</script><iframe src="https://e.example"></iframe></p>'
    )
    rel = 'rel="noopener noreferrer nofollow"'
    assert sanitise_html(html) == f'<p>Hi <a {rel}>a</a> <a href="https://e.example" {rel}>b</a></p>'


@pytest.mark.parametrize(
    ("subject", "title"),
    [("Re: Fwd: AW: SV: [ACME-1] Images", "[ACME-1] Images"), ("RE[2]: x", "x"), ("Results", "Results"), ("", "")],
)
def test_title_from_subject(subject, title):
    assert title_from_subject(subject) == title


# -- properties -----------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_parsing_never_raises_on_arbitrary_bytes(raw):
    parsed = parse_message(raw)
    assert isinstance(parsed.text, str) and isinstance(parsed.broken, str)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([b"\n", b"--b\n", b"Content-Type: multipart/mixed; boundary=b\n", b"x" * 10,
                                 b"Content-Transfer-Encoding: base64\n", b"=?utf-8?B?w6Y=?=", b"\xff\xfe", b"\n\n"]),
                max_size=40))  # fmt: skip
def test_parsing_never_raises_on_mangled_mime(chunks):
    raw = b"From: a@b.example\n" + b"".join(chunks)
    assert isinstance(parse_message(raw).text, str)


@given(st.text(max_size=500))
def test_split_reply_never_returns_empty_text_for_text_with_content(text):
    shown, _trimmed = split_reply(text)
    assert bool(shown.strip()) == bool(text.replace("\u2063", "").strip())


def test_every_corpus_message_parses_without_unexpected_defects():
    names = ["apple_mail_attachments.eml", "gmail_new_request.eml", "gmail_reply_references.eml",
             "html_only_reply.eml", "outlook_out_of_office.eml", "outlook_reply_token.eml",
             "outlook_windows1252.eml", "thunderbird_latin1.eml", "thunderbird_stranger_key.eml"]  # fmt: skip
    for name in names:
        parsed = parse_message(corpus(name, REPLY_ADDRESS="support@picocore.example"))
        assert (parsed.broken, parsed.defects) == ("", []), name
