"""E-mail both ways, seen in the browser: the consultant's public reply reaches Anna's mailbox (a real SMTP
server on loopback), and Anna's answer by e-mail appears on the consultant's ticket page."""

import re
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from playwright.sync_api import Page, expect

from picocore.mail.services import mail_receive

pytestmark = pytest.mark.browser

REPLY = "Could you send us the log of last night's image export?"
ANSWER = "Here is what the export log says: permission denied on /assets/frozen."


def test_reply_by_mail_in_both_directions(page: Page, sign_in, smtp_sink, console_errors):
    sign_in(page, "consultant@picocore.example")
    page.goto("/desk/tickets/ACME-1/")
    page.get_by_label("Public reply — the customer sees this").fill(REPLY)
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent to the customer.")).to_be_visible()

    to_anna = [m for m in map(lambda raw: message_from_bytes(raw, policy=policy.default), smtp_sink.messages)
               if m["To"] == "anna@acme.example"]  # fmt: skip
    assert len(to_anna) == 1
    sent = to_anna[0]
    assert sent["Subject"] == "[ACME-1] Re: Product images missing on the webshop"
    assert REPLY in sent.get_body(("plain",)).get_content()
    assert sent["Auto-Submitted"] == "auto-generated"

    answer = EmailMessage()
    answer["From"] = "Anna Jensen <anna@acme.example>"
    answer["To"] = sent["Reply-To"]
    answer["Subject"] = "Re: " + sent["Subject"]
    answer["Message-ID"] = "<anna-answer-1@mail.acme.example>"
    answer["In-Reply-To"] = sent["Message-ID"]
    answer["References"] = sent["Message-ID"]
    answer.set_content(f"{ANSWER}\n\nBest regards,\nAnna\n\nOn Fri, PicoCore wrote:\n> {REPLY}\n")
    receipt = mail_receive(raw=answer.as_bytes(), source="test", recipients=[sent["Reply-To"]])
    assert receipt.created

    page.reload()
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text(ANSWER)
    expect(timeline.locator(".event").last).to_contain_text("Anna Jensen")
    expect(timeline.locator(".event").last).not_to_contain_text(re.compile(r"PicoCore wrote"))
    assert console_errors == []
