"""Inbound e-mail: every message as it arrived, the mailboxes we poll, and the installation's rules for
senders we do not know."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now
from picocore.core.models import TimeStampedModel
from picocore.mail.authentication import AUTHSERV_ID_RE


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received, not yet processed")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    HELD = "held", _("Held for review")
    FAILED = "failed", _("Failed")


class Outcome(models.TextChoices):
    """What processing did with a message (or why it did nothing)."""

    REPLY = "reply", _("Added to a ticket")
    NEW_TICKET = "new_ticket", _("Created a ticket")
    FOLLOW_UP = "follow_up", _("Created a follow-up to a finished ticket")
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    BOUNCE = "bounce", _("Bounce or delivery report")
    LOOP = "loop", _("Sent by PicoCore itself")
    REJECTED = "rejected", _("Rejected sender")
    UNKNOWN_SENDER = "unknown_sender", _("Unknown sender")
    NO_ORGANISATION = "no_organisation", _("No organisation for the sender")
    NOT_ACCEPTED = "not_accepted", _("Not accepted by the ticket")
    BROKEN = "broken", _("Broken message")
    DUPLICATE = "duplicate", _("Same Message-ID as an earlier message, other content")
    UNAUTHENTICATED = "unauthenticated", _("Sender not authenticated (SPF, DKIM or DMARC failed)")
    FLOOD = "flood", _("Too many messages from one sender")


class Source(models.TextChoices):
    PIPE = "pipe", _("MTA pipe (picocore mail ingest)")
    LMTP = "lmtp", _("LMTP")
    SMTP = "smtp", _("SMTP")
    IMAP = "imap", _("IMAP mailbox")


class InboundMessage(models.Model):
    """One received e-mail, stored raw *before* anything else happens, exactly once per Message-ID (or per
    content hash when it has none), so a message delivered twice is processed once and none is ever lost.
    A message reusing a stored Message-ID with other content is stored too, once, linked by `duplicate_of`
    to the first, and held for review.

    `organisation`, `sender` and `ticket` are filled when processing decides them; `reason` says in words
    why a message was ignored, held or failed.
    """

    dedup_key = models.CharField(_("deduplication key"), max_length=80, unique=True, editable=False)
    message_id = models.CharField(_("Message-ID"), max_length=250, blank=True, db_index=True)
    content_hash = models.CharField(_("SHA-256 of the raw message"), max_length=64)
    raw = models.BinaryField(_("raw message"), editable=False)
    size = models.PositiveIntegerField(_("size in bytes"))
    source = models.CharField(_("received through"), max_length=10, choices=Source.choices)
    mailbox = models.ForeignKey(
        "mail.Mailbox", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    envelope_sender = models.CharField(_("envelope sender"), max_length=254, blank=True)
    recipients = models.JSONField(_("envelope recipients"), default=list, blank=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received"), default=now)
    status = models.CharField(_("status"), max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    body_text = models.TextField(_("full text"), blank=True, help_text=_("Everything the sender wrote, untrimmed."))
    body_html = models.TextField(_("sanitised HTML"), blank=True)
    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_emails"
    )
    event = models.ForeignKey("tickets.TicketEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name=_("same Message-ID as"),
        help_text=_("The earlier message with this Message-ID; this one has other content."),
    )
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-received_at"], name="inbound_status"),
            models.Index(fields=["from_address", "received_at"], name="inbound_sender_time"),
            models.Index(fields=["ticket", "received_at"], name="inbound_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} ← {self.from_address or '?'}"


class UnknownSenders(models.TextChoices):
    REJECT = "reject", _("Reject: record the message, create nothing, send no answer")
    HOLD = "hold", _("Hold for review by an administrator")
    CREATE_CONTACT = (
        "create_contact",
        _("Create a contact when the sender's domain is mapped to an organisation; hold otherwise"),
    )


class MailPolicy(models.Model):
    """The installation's rules for inbound mail: a single row (pk 1), edited in the admin."""

    SINGLETON_PK = 1

    unknown_senders = models.CharField(
        _("mail from unknown senders"), max_length=20, choices=UnknownSenders.choices, default=UnknownSenders.HOLD
    )
    request_type = models.ForeignKey(
        "catalog.RequestType",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("request type for e-mailed requests"),
        help_text=_(
            "Used when the sender's subscription offers it. Otherwise a new request by e-mail gets the first "
            "incident type the subscription offers (in catalogue order), else its first service request type."
        ),
    )
    max_messages_per_sender_per_hour = models.PositiveSmallIntegerField(
        _("hold a sender's messages beyond this many per hour"),
        default=30,
        help_text=_("A runaway auto-responder is held instead of filing ticket after ticket."),
    )
    trusted_authserv_ids = models.TextField(
        _("trusted Authentication-Results servers"),
        blank=True,
        help_text=_(
            "The authserv-id your receiving mail server writes into Authentication-Results headers (e.g. "
            "mx.example.com), one per line. Mail whose sender these servers could not authenticate (DMARC "
            "failed, or neither SPF nor DKIM passed for the sender's domain) is held for review, never filed "
            "as that person's message. Headers of other servers are ignored. Empty: no header is trusted."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("inbound mail policy")
        verbose_name_plural = _("inbound mail policy")

    def __str__(self) -> str:
        return str(_("Inbound mail policy"))

    def clean(self) -> None:
        ids = self.trusted_ids()
        if invalid := sorted(i for i in ids if not AUTHSERV_ID_RE.match(i)):
            message = _("Not an authserv-id: %(ids)s. Write one host name per line.") % {"ids": ", ".join(invalid)}
            raise ValidationError({"trusted_authserv_ids": message})
        self.trusted_authserv_ids = "\n".join(sorted(ids))

    def trusted_ids(self) -> frozenset[str]:
        """The trusted authserv-ids, lower case."""
        return frozenset(i.lower() for i in re.split(r"[\s,;]+", self.trusted_authserv_ids or "") if i)

    @classmethod
    def current(cls) -> "MailPolicy":
        """The installation's policy (its row is created by a migration); the defaults if the row is missing."""
        return cls.objects.filter(pk=cls.SINGLETON_PK).first() or cls(pk=cls.SINGLETON_PK)


domain_validator = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    _("Enter a domain like acme.example."),
    flags=re.IGNORECASE,
)


class DomainMapping(TimeStampedModel):
    """Mail from an unknown sender at `domain` may create a requester of `organisation` (when the policy
    says so). One domain belongs to one organisation."""

    domain = models.CharField(_("domain"), max_length=253, validators=[domain_validator])
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("sender domain")
        verbose_name_plural = _("sender domains")
        ordering = ["domain"]
        constraints = [models.UniqueConstraint(Lower("domain"), name="domainmapping_domain_unique")]

    def __str__(self) -> str:
        return f"{self.domain} → {self.organisation}"

    def clean(self) -> None:
        self.domain = (self.domain or "").strip().lower()


class RecipientMapping(TimeStampedModel):
    """Mail sent to `address` is for `organisation`: decides the organisation of a new ticket when the sender
    belongs to several (e.g. acme-support@… for ACME)."""

    address = models.EmailField(_("address"))
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("recipient address")
        verbose_name_plural = _("recipient addresses")
        ordering = ["address"]
        constraints = [models.UniqueConstraint(Lower("address"), name="recipientmapping_address_unique")]

    def __str__(self) -> str:
        return f"{self.address} → {self.organisation}"

    def clean(self) -> None:
        self.address = (self.address or "").strip().lower()


class Security(models.TextChoices):
    SSL = "ssl", _("TLS from the start (port 993)")
    STARTTLS = "starttls", _("STARTTLS (port 143)")
    PLAIN = "plain", _("Unencrypted (local servers only)")


class AfterStore(models.TextChoices):
    DELETE = "delete", _("Delete it")
    MARK_SEEN = "seen", _("Mark it as read (only unread messages are fetched)")
    MOVE = "move", _("Move it to another folder")


env_name_validator = RegexValidator(
    r"^[A-Z_][A-Z0-9_]*$", _("Use the name of an environment variable: capital letters, digits and _.")
)


class Mailbox(TimeStampedModel):
    """An IMAP mailbox `picocore mail fetch` polls. The password is never stored here: `password_env` names
    the environment variable of the fetching process that holds it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("IMAP server"), max_length=253)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(_("security"), max_length=10, choices=Security.choices, default=Security.SSL)
    username = models.CharField(_("user name"), max_length=254)
    password_env = models.CharField(
        _("password environment variable"),
        max_length=100,
        validators=[env_name_validator],
        help_text=_("e.g. PICOCORE_IMAP_SUPPORT_PASSWORD, set in the environment of `picocore mail fetch`."),
    )
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    after_store = models.CharField(
        _("once a message is stored"), max_length=10, choices=AfterStore.choices, default=AfterStore.DELETE
    )
    move_to = models.CharField(_("move to folder"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)

    class Meta:
        verbose_name = _("IMAP mailbox")
        verbose_name_plural = _("IMAP mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.after_store == AfterStore.MOVE and not self.move_to:
            raise ValidationError({"move_to": _("Name the folder to move stored messages to.")})
