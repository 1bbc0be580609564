"""Parsing and trimming, without a database: charsets, encodings, machine-written mail, reply trimming, HTML.
Property-based tests show the parser never raises, whatever bytes arrive."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from picocore.mail.body import readable, unflow
from picocore.mail.charsets import decode_bytes, resolve_charset
from picocore.mail.content import QUOTE_MARK, html_to_text, sanitise_html, split_reply, title_from_subject
from picocore.mail.headers import decode_header_value, mailbox
from picocore.mail.parsing import parse_message
from picocore.mail.uuencode import UuFile, split_uuencoded
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


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("GB2312", "gb18030"), ("gbk", "gb18030"), ("x-gbk", "gb18030"), ("iso-gb2312", "gb18030"),
        ("\"gb_2312-80\"", "gb18030"), ("cp936", "gb18030"), ("ISO-8859-1", "cp1252"), ("us-ascii", "cp1252"),
        ("latin_1", "cp1252"), ("iso-8859-9", "cp1254"), ("tis-620", "cp874"), ("big5", "big5hkscs"),
        ("shift_jis", "cp932"), ("ks_c_5601-1987", "cp949"), ("euc-kr", "cp949"), ("csUTF8", "utf-8"),
        ("utf8mb4", "utf-8"), ("windows1252", "cp1252"), ("x-mac-cyrillic", "mac-cyrillic"),
        ("iso-2022-jp", "iso2022_jp_ext"), ("koi8-r", "koi8-r"), ("", None), ("unknown-8bit", None),
        ("x-no-such-charset", None), ("undefined", None), ("unicode_escape", None), ("base64", None),
        ("utf-8\x00", "utf-8"),
    ],
)  # fmt: skip
def test_charset_labels_resolve_to_their_whatwg_superset(label, codec):
    assert resolve_charset(label) == codec


@pytest.mark.parametrize(
    ("data", "charset", "text"),
    [
        ("王镕".encode("gbk"), "gb2312", "王镕"),  # 镕 is GBK, not GB2312
        ("价格".encode("gbk"), "iso-gb2312", "价格"),
        ("①".encode("cp932"), "shift_jis", "①"),  # an NEC special character, Windows-31J only
        ("똠".encode("cp949"), "euc-kr", "똠"),  # a Windows-949 extension
        ("İstanbul €".encode("cp1254"), "iso-8859-9", "İstanbul €"),
        ("Blåbærgrød".encode(), "iso-8859-1", "Blåbærgrød"),  # a PHP form's UTF-8 declared Latin-1
        ("Blåbærgrød".encode(), "windows-1252", "Blåbærgrød"),
        ("中文".encode(), "gb2312", "中文"),  # UTF-8 read as GBK lands in the private use area
        (b"\x80 \x81", "", "€ \x81"),  # WHATWG Windows-1252: an undefined byte keeps its number
        ("王镕".encode("gbk") + b"\xff", "gb2312", "王镕\ufffd"),  # one broken byte, not mojibake
        (b"\x1b$B-!-j|b\x1b(B No. \x1b(I1\x1b(B", "iso-2022-jp", "①㈱髙 No. ｱ"),  # Windows' CP50220
        ("情報".encode("iso2022_jp"), "ISO-2022-JP", "情報"),
        ("情報".encode("iso2022_jp_ext") + b"\x1b$(D0!\x1b(B", "iso-2022-jp", "情報丂"),  # JIS X 0212
    ],
)
def test_decode_bytes_reads_legacy_charsets_as_browsers_do(data, charset, text):
    assert decode_bytes(data, charset) == text


def test_raw_8_bit_headers_are_read_in_the_charset_of_the_body():
    raw = "From: 王镕 <wang@acme.example>\nSubject: 价格导入失败\nContent-Type: text/plain; charset=gb2312\n\nx"
    parsed = parse_message(raw.encode("gbk"))
    assert (parsed.subject, parsed.from_name, parsed.from_address) == ("价格导入失败", "王镕", "wang@acme.example")


def test_raw_8_bit_and_nfd_file_names_keep_their_letters():
    raw = (
        "From: a@acme.example\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n"
        '--b\nContent-Type: image/jpeg\nContent-Disposition: attachment; filename="Hofjägeralle.jpg"\n\ny\n'
        "--b\nContent-Type: image/jpeg\nContent-Disposition: attachment; filename*=utf-8''Hofja%CC%88geralle.jpg\n\n"
        "y\n--b--\n"
    ).encode()
    assert [part.filename for part in parse_message(raw).parts] == ["Hofjägeralle.jpg", "Hofjägeralle.jpg"]


def test_an_rfc_2231_file_name_is_read_in_its_charsets_superset():
    raw = (
        b"From: a@acme.example\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n"
        b"--b\nContent-Type: text/plain; name*=gb2312''%CD%F5%E9%46.txt\nContent-Disposition: attachment\n\ny\n"
        b"--b\nContent-Type: text/plain\nContent-Disposition: attachment; filename*=''Gr%C3%BC%C3%9Fe.txt\n\ny\n--b--\n"
    )
    assert [part.filename for part in parse_message(raw).parts] == ["王镕.txt", "Grüße.txt"]


def test_html_without_a_declared_charset_is_read_in_the_charset_its_meta_names():
    html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><p>王镕</p>'
    parsed = parse_message(b"From: a@acme.example\nContent-Type: text/html\n\n" + html.encode("gbk"))
    assert (parsed.text, parsed.html) == ("王镕", "<p>王镕</p>")


@pytest.mark.parametrize(
    ("value", "pair"),
    [
        ("Doe, John <john@x.example>", ("Doe, John", "john@x.example")),
        ("john@x.example <John@X.example>", ("john@x.example", "john@x.example")),
        ('"Doe, John" <john@x.example>', ("Doe, John", "john@x.example")),
        ("john@x.example", ("", "john@x.example")),
        ("Anna <anna@acme.example> (work)", ("Anna", "anna@acme.example")),
        ("undisclosed-recipients:;", ("", "")),
    ],
)
def test_a_sender_is_found_whatever_the_display_name_holds(value, pair):
    assert mailbox(value) == pair


def test_recipients_with_unquoted_commas_are_all_found():
    raw = b"From: a@acme.example\nTo: Support, PicoCore <support+x@p.example>, bo@acme.example <bo@acme.example>\n\nx"
    assert parse_message(raw).to == ["support+x@p.example", "bo@acme.example"]


def test_nul_is_stripped_at_decode_time_from_every_text():
    raw = (
        b"From: =?utf-8?Q?An=00na?= <anna@acme.example>\nSubject: =?utf-8?Q?a=00b?=\n"
        b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\x00y\n"
        b"--b\nContent-Type: text/html\n\n<p>h\x00i</p>\n"
        b"--b\nContent-Type: text/csv\nContent-Disposition: attachment; filename*=utf-8''a%00b.csv\n\n1\n--b--\n"
    )
    parsed = parse_message(raw)
    assert (parsed.from_name, parsed.subject, parsed.text, parsed.html) == ("Anna", "ab", "xy", "<p>hi</p>")
    assert [part.filename for part in parsed.parts] == ["ab.csv"]


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


FORWARDED = "From: Shop <shop@acme.example>\nSubject: Order failed\n\nOrder 1042 failed."


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # Thunderbird puts the signature above the forwarded message.
        (f"See below.\n\n-- \nAnna\n\n-------- Forwarded Message --------\n{FORWARDED}",
         f"See below.\n\n--\nAnna\n\n-------- Forwarded Message --------\n{FORWARDED}"),
        # Gmail wraps a forward in its quote markup.
        (f"See below.\n{QUOTE_MARK}\n---------- Forwarded message ---------\n{FORWARDED}",
         f"See below.\n\n---------- Forwarded message ---------\n{FORWARDED}"),
        (f"See below.\n\nSent from my iPhone\n\nBegin forwarded message:\n\n{FORWARDED}",
         f"See below.\n\nSent from my iPhone\n\nBegin forwarded message:\n\n{FORWARDED}"),
    ],
)  # fmt: skip
def test_a_forward_after_a_signature_or_a_quote_mark_is_kept_whole(text, shown):
    assert split_reply(text, subject="Order 1042") == (shown, False)


@pytest.mark.parametrize("prefix", ["VB", "I", "ENC", "PD", "Doorst", "[Shop] Fwd", "Fw"])
def test_a_forward_is_recognised_by_its_subject_in_every_outlook_language(prefix):
    text = "See below.\n\n________________________________\nFrån: Shop\nSkickat: den 18 mars 2026\n\nOrder failed."
    assert split_reply(text, subject=f"{prefix}: Order failed") == (text, False)
    assert split_reply(text, subject="SV: Order failed") == ("See below.", True)


def test_a_signature_before_a_quoted_reply_still_cuts_there():
    text = "Fine.\n\n-- \nAnna\n\nOn Mon, 2 Mar 2026 at 16:05, Support <s@p.example> wrote:\n> old"
    assert split_reply(text) == ("Fine.", True)


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


# -- structure ------------------------------------------------------------------------------------------------


def test_an_empty_text_part_beside_html_gives_way_to_the_html():
    for container in ("alternative", "mixed", "related"):
        raw = (
            f"From: a@acme.example\nContent-Type: multipart/{container}; boundary=b\n\n"
            "--b\nContent-Type: text/plain\n\n \n\n--b\nContent-Type: text/html\n\n<p>Hello <b>there</b></p>\n--b--\n"
        ).encode()
        parsed = parse_message(raw)
        assert (parsed.text, parsed.html) == ("Hello there", "<p>Hello <b>there</b></p>"), container


@pytest.mark.parametrize(
    ("content_type", "name"),
    [("image/jpg", "image-1.jpg"), ("image/pjpeg", "image-1.jpg"), ("image/x-png", "image-1.png"),
     ("application/pdf", "attachment-1.pdf"), ("application/x-pdf", "attachment-1.pdf"),
     ("application/octet-stream", "attachment-1.bin"), ('application/pdf; name="Scan"', "Scan.pdf")],
)  # fmt: skip
def test_unnamed_parts_are_named_by_their_content_type(content_type, name):
    raw = (
        "From: a@acme.example\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n"
        f"--b\nContent-Type: {content_type}\nContent-Transfer-Encoding: base64\n\nAAAA\n--b--\n"
    ).encode()
    assert [part.filename for part in parse_message(raw).parts] == [name]


def test_uuencoded_files_are_decoded_in_the_text_and_in_their_own_part():
    block = "begin 644 a.txt\n#86)C\n`\nend"
    assert split_uuencoded(f"Here:\n\n{block}\n\nBo") == ("Here:\n\n\nBo", [UuFile("a.txt", b"abc")])
    assert split_uuencoded("begin 644 a.txt\n#86)C\nno end") == ("begin 644 a.txt\n#86)C\nno end", [])
    raw = (
        b"From: a@acme.example\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n"
        b"--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: x-uuencode\n\n"
        b"begin 644 log.txt\n#86)C\n\nend\n--b--\n"  # a blank line where "`" belongs: email gives up on it
    )
    parts = parse_message(raw).parts
    assert [(part.filename, part.content_type, part.data) for part in parts] == [("log.txt", "text/plain", b"abc")]


@pytest.mark.parametrize(
    ("body", "text", "html"),
    [
        ("Just text here.\n", "Just text here.", ""),
        ("<html><body><p>Just <b>HTML</b></p></body></html>\n", "Just HTML", "<p>Just <b>HTML</b></p>"),
    ],
)
def test_a_multipart_without_its_boundaries_is_read_as_text_when_it_reads_as_text(body, text, html):
    for content_type in ("multipart/mixed; boundary=never-there", "multipart/alternative"):
        parsed = parse_message(f"From: a@acme.example\nContent-Type: {content_type}\n\n{body}".encode())
        assert (parsed.broken, parsed.text, parsed.html) == ("", text, html), content_type


def test_a_multipart_without_its_boundaries_is_held_when_it_does_not_read_as_text():
    base64_blob = "\n".join(["QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ego="] * 5)
    for body in ("--other\nContent-Type: text/plain\n\nx\n--other--\n", base64_blob, "\x01\x02\x03 binary", ""):
        parsed = parse_message(f"From: a@acme.example\nContent-Type: multipart/mixed; boundary=b\n\n{body}".encode())
        assert parsed.broken.startswith("The MIME structure is broken (the boundary “b” never appears)"), body
    assert readable("Hello,\nplease look.") and not readable(" \n ")


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


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=200),
    st.one_of(
        st.none(),
        st.text(max_size=40),
        st.sampled_from(
            ["undefined", "base64", "zlib", "rot13", "unicode_escape", "idna", "utf-8\x00", "gb2312", "utf-16", "hz"]
        ),
    ),
)
def test_decode_bytes_never_raises_whatever_the_label(data, label):  # fmt: skip
    assert isinstance(decode_bytes(data, label), str)
    resolve_charset(label)


@given(st.text(max_size=500))
def test_split_reply_never_returns_empty_text_for_text_with_content(text):
    shown, _trimmed = split_reply(text)
    assert bool(shown.strip()) == bool(text.replace("\u2063", "").strip())


def test_every_corpus_message_parses_without_unexpected_defects():
    names = ["apple_mail_attachments.eml", "gmail_new_request.eml", "gmail_reply_references.eml",
             "html_only_reply.eml", "outlook_out_of_office.eml", "outlook_reply_token.eml",
             "outlook_windows1252.eml", "thunderbird_latin1.eml", "thunderbird_stranger_key.eml",
             "android_unnamed_parts.eml", "apple_mail_nfd_filename.eml", "eudora_latin1_labelled_utf8.eml",
             "export_script_nul.eml", "gmail_forward_retyped_subject.eml", "newsletter_empty_text_part.eml",
             "notes_unquoted_comma_name.eml", "outlook_express_gb2312.eml", "outlook_express_uuencode.eml",
             "outlook_forward_swedish.eml", "pegasus_x_uuencode.eml", "phone_address_as_name.eml",
             "php_form_mislabelled_latin1.eml", "scanner_raw_8bit_headers.eml", "outlook_iso2022jp_nec.eml",
             "thunderbird_forward_signature.eml", "webmail_iso_gb2312.eml"]  # fmt: skip
    for name in names:
        parsed = parse_message(corpus(name, REPLY_ADDRESS="support@picocore.example"))
        assert (parsed.broken, parsed.defects) == ("", []), name
