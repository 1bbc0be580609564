"""Reading what a monitoring system posts: bytes in, a list of `Incoming` alerts out, or a ValidationError saying
what is wrong — nothing in between. No database access here.

Three formats, one per `SourceKind`:

- **Prometheus Alertmanager**, webhook version 4: `{"version": "4", "status", "receiver", "groupKey",
  "groupLabels", "commonLabels", "commonAnnotations", "externalURL", "truncatedAlerts", "alerts": [{"status":
  "firing"|"resolved", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}]}`. An alert
  without `fingerprint` (Alertmanager before 0.19) is identified by its labels, as Alertmanager itself does.
- **PagerDuty Events API v2**: `{"routing_key", "event_action": "trigger"|"acknowledge"|"resolve",
  "dedup_key", "payload": {"summary", "source", "severity": "critical"|"error"|"warning"|"info", "timestamp",
  "component", "group", "class", "custom_details"}, "client", "client_url", "links", "images"}`. The payload's
  `severity`, `source`, `component`, `group` and `class` are the alert's labels (what mapping rules match);
  `custom_details` become its annotations. A trigger without `dedup_key` is identified by its source,
  component, group, class and summary, so that its repeats are counted instead of filing incident after incident;
  acknowledge and resolve need the `dedup_key`.
- **Generic JSON**: one alert, a list of them, or `{"alerts": [...]}`; each alert is
  `{"fingerprint": "…", "status": "firing"|"resolved"|"acknowledged", "summary": "…", "labels": {…},
  "annotations": {…}, "starts_at": "<ISO 8601>", "ends_at": "<ISO 8601>", "url": "…"}`. Only `labels` or
  `fingerprint` is required (without `fingerprint` the labels identify the alert); `status` defaults to firing.

Whatever the format: the body is JSON in UTF-8 (or the charset its content type declares); at most
`MAX_BODY_BYTES` and `MAX_ALERTS` alerts; a fingerprint or dedup key is at most `FINGERPRINT_MAX_LENGTH`
characters; label and annotation values are text (numbers and booleans are written as text). NUL characters are
removed and unpaired surrogates (which no database can store) replaced by U+FFFD, everywhere.
"""

import codecs
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from django.utils.translation import gettext as _

from picocore.alerts.choices import AlertState, SourceKind
from picocore.alerts.models import FINGERPRINT_MAX_LENGTH
from picocore.core.errors import ValidationError

MAX_BODY_BYTES = 1024 * 1024
MAX_ALERTS = 1000
SUMMARY_MAX_LENGTH = 500
LABEL_KEY_MAX_LENGTH = 200
LABEL_VALUE_MAX_LENGTH = 2000
ANNOTATION_VALUE_MAX_LENGTH = 20_000
URL_MAX_LENGTH = 2000
PAGERDUTY_SEVERITIES = ("critical", "error", "warning", "info")
# Go's zero time: what Alertmanager sends as `endsAt` of an alert that has not ended.
_ZERO_TIME_PREFIX = "0001-01-01"
_SURROGATE = re.compile("[\ud800-\udfff]")


class PayloadTooLarge(ValidationError):
    """A body over `MAX_BODY_BYTES`: kept (cut to the limit), refused."""

    status_code = 413


@dataclass(frozen=True)
class Incoming:
    """One alert as a payload states it: `state` is firing, acknowledged or resolved."""

    fingerprint: str
    state: str
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    url: str = ""


def clean_text(text: str) -> str:
    """`text` as a database stores it: NUL removed, unpaired surrogates (from JSON's `\\ud800` escapes) replaced."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def decode_body(body: bytes, content_type: str) -> str:
    """The body as text: in the charset the content type names (UTF-8 when it names none, the JSON default), with
    a leading byte order mark dropped. Bytes that are not in that charset are a ValidationError naming the first."""
    message = Message()
    message["content-type"] = content_type or "application/json"
    charset = str(message.get_param("charset") or "utf-8").strip().lower()
    try:
        codec = codecs.lookup(charset)
    except LookupError:
        raise ValidationError(
            _("The content type names the charset “%(charset)s”, which is unknown; send UTF-8.")
            % {"charset": clean_text(charset)[:40]}
        ) from None
    try:
        text = body.decode(codec.name)
    except UnicodeDecodeError as error:
        raise ValidationError(
            _("The body is not valid %(charset)s: byte 0x%(byte)02x at position %(position)s cannot be read.")
            % {"charset": codec.name.upper(), "byte": body[error.start], "position": error.start}
        ) from None
    return text.removeprefix("\ufeff")


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(
            _("The body is not JSON: %(reason)s (line %(line)s, column %(column)s).")
            % {"reason": error.msg, "line": error.lineno, "column": error.colno}
        ) from None
    except RecursionError:
        raise ValidationError(_("The body is not JSON a person could read: it is nested too deeply.")) from None


def parse(kind: str, body: bytes, content_type: str = "application/json") -> list[Incoming]:
    """The alerts of one payload of `kind` (a `SourceKind`); ValidationError (PayloadTooLarge for a body over
    the limit) with a message naming what is wrong, and where, otherwise."""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(
            _("The body is %(size)s bytes; at most %(limit)s are accepted.")
            % {"size": len(body), "limit": MAX_BODY_BYTES}
        )
    if not body.strip():
        raise ValidationError(_("The body is empty; send the alerts as JSON."))
    data = _load_json(decode_body(body, content_type))
    parser = _PARSERS.get(kind)
    if parser is None:
        raise ValidationError(_("This integration's source is not known."))
    alerts = parser(data)
    if len(alerts) > MAX_ALERTS:
        raise ValidationError(
            _("The payload holds %(count)s alerts; at most %(limit)s are accepted at once.")
            % {"count": len(alerts), "limit": MAX_ALERTS}
        )
    return alerts


# --- shared checks -------------------------------------------------------------------------------------------


def _where(where: str, message: str) -> ValidationError:
    return ValidationError(f"{where}: {message}" if where else message)


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _where(where, _("expected a JSON object."))
    return value


def _optional_text(data: Mapping[str, Any], key: str, where: str, *, max_length: int | None = None) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _where(where, _("“%(key)s” must be text.") % {"key": key})
    text = clean_text(value).strip()
    if max_length is not None and len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


def _fingerprint(value: Any, where: str, name: str) -> str:
    if not isinstance(value, str):
        raise _where(where, _("“%(name)s” must be text.") % {"name": name})
    text = clean_text(value).strip()
    if not text:
        raise _where(where, _("“%(name)s” is empty.") % {"name": name})
    if len(text) > FINGERPRINT_MAX_LENGTH:
        raise _where(
            where,
            _("“%(name)s” is %(length)s characters long; at most %(limit)s are accepted.")
            % {"name": name, "length": len(text), "limit": FINGERPRINT_MAX_LENGTH},
        )
    return text


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return None


def _labels(value: Any, where: str, name: str, *, value_max: int, nested: bool = False) -> dict[str, str]:
    """A JSON object of text values (numbers and booleans written as text; `nested` values as compact JSON)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _where(where, _("“%(name)s” must be a JSON object of names and values.") % {"name": name})
    labels: dict[str, str] = {}
    for key, item in value.items():
        key_text = clean_text(key).strip()
        if not key_text or len(key_text) > LABEL_KEY_MAX_LENGTH:
            raise _where(
                where,
                _("“%(name)s” holds a name that is empty or longer than %(limit)s characters.")
                % {"name": name, "limit": LABEL_KEY_MAX_LENGTH},
            )
        text = _scalar_text(item)
        if text is None and item is not None and nested:
            text = json.dumps(item, ensure_ascii=False, sort_keys=True)
        if text is None:
            if item is None:
                continue
            raise _where(
                where, _("the value of “%(key)s” in “%(name)s” must be text.") % {"key": key_text[:60], "name": name}
            )
        text = clean_text(text)
        labels[key_text] = text if len(text) <= value_max else text[: value_max - 1] + "…"
    return labels


def _time(value: Any, where: str, name: str) -> dt.datetime | None:
    """An RFC 3339 / ISO 8601 time with its offset (Go's zero time and absent values are None)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _where(where, _("“%(name)s” must be a time as text.") % {"name": name})
    if value.startswith(_ZERO_TIME_PREFIX):
        return None
    # Python reads at most six digits of a second's fraction; Go writes nine.
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip())
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _where(
            where, _("“%(name)s” is not a time like 2025-01-15T09:30:00Z: %(value)s") % {"name": name,
                                                                                       "value": value[:60]}
        ) from None  # fmt: skip
    if moment.tzinfo is None:
        raise _where(where, _("“%(name)s” needs its UTC offset (e.g. Z or +01:00).") % {"name": name})
    return moment


def _given_or_labels_fingerprint(given: Any, labels: Mapping[str, str], where: str) -> str:
    """The alert's own `fingerprint` when it gives one (checked as `_fingerprint` does), else one of its labels."""
    if given is None or given == "":
        if not labels:
            raise _where(where, _("an alert needs its “fingerprint” or its “labels”."))
        return labels_fingerprint(labels)
    return _fingerprint(given, where, "fingerprint")


def labels_fingerprint(labels: Mapping[str, str], *extra: str) -> str:
    """An identity for an alert that brings none: the SHA-256 of its sorted labels (and `extra`)."""
    canonical = json.dumps([sorted(labels.items()), list(extra)], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", errors="replace")).hexdigest()


def summary_of(labels: Mapping[str, str], annotations: Mapping[str, str]) -> str:
    """What the alert says in one line: its `summary` annotation, else `description`, else `message`, else the
    `alertname` label, else its labels."""
    for text in (
        annotations.get("summary"),
        annotations.get("description"),
        annotations.get("message"),
        labels.get("alertname"),
    ):
        if text and text.strip():
            return _one_line(text)
    return _one_line(", ".join(f"{key}={value}" for key, value in sorted(labels.items())))


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_MAX_LENGTH else text[: SUMMARY_MAX_LENGTH - 1].rstrip() + "…"


# --- Prometheus Alertmanager ---------------------------------------------------------------------------------


def parse_alertmanager(data: Any) -> list[Incoming]:
    """Alertmanager's webhook, version 4 only (the only version Alertmanager has sent since 0.4)."""
    payload = _object(data, "")
    version = payload.get("version")
    if version != "4":
        raise ValidationError(
            _("This is not an Alertmanager webhook of version 4 (its “version” is %(version)s).")
            % {"version": json.dumps(version)[:20] if version is not None else _("missing")}
        )
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise ValidationError(_("“alerts” must be a list of alerts."))
    parsed = []
    for index, item in enumerate(alerts):
        where = _("alerts[%(index)s]") % {"index": index}
        alert = _object(item, where)
        status = alert.get("status")
        if status not in (AlertState.FIRING, AlertState.RESOLVED):
            raise _where(where, _("“status” must be “firing” or “resolved”."))
        labels = _labels(alert.get("labels"), where, "labels", value_max=LABEL_VALUE_MAX_LENGTH)
        annotations = _labels(alert.get("annotations"), where, "annotations", value_max=ANNOTATION_VALUE_MAX_LENGTH)
        fingerprint = _given_or_labels_fingerprint(alert.get("fingerprint"), labels, where)
        parsed.append(
            Incoming(
                fingerprint=fingerprint,
                state=str(status),
                labels=labels,
                annotations=annotations,
                summary=summary_of(labels, annotations),
                starts_at=_time(alert.get("startsAt"), where, "startsAt"),
                ends_at=_time(alert.get("endsAt"), where, "endsAt") if status == AlertState.RESOLVED else None,
                url=_optional_text(alert, "generatorURL", where, max_length=URL_MAX_LENGTH),
            )
        )
    return parsed


# --- PagerDuty Events API v2 ---------------------------------------------------------------------------------

_PAGERDUTY_ACTIONS = {
    "trigger": AlertState.FIRING,
    "acknowledge": AlertState.ACKNOWLEDGED,
    "resolve": AlertState.RESOLVED,
}


def parse_pagerduty(data: Any) -> list[Incoming]:
    """One PagerDuty v2 event (a list of them is refused: PagerDuty takes one event per request)."""
    event = _object(data, "")
    routing_key = event.get("routing_key")
    if not isinstance(routing_key, str) or not routing_key.strip():
        raise ValidationError(_("“routing_key” is required (any text: this intake's address names the integration)."))
    action = event.get("event_action")
    if action not in _PAGERDUTY_ACTIONS:
        raise ValidationError(_("“event_action” must be “trigger”, “acknowledge” or “resolve”."))
    state = _PAGERDUTY_ACTIONS[action]
    dedup_key = event.get("dedup_key")
    if action != "trigger":
        if dedup_key is None or dedup_key == "":
            raise ValidationError(_("“dedup_key” is required to %(action)s an alert.") % {"action": action})
        return [Incoming(fingerprint=_fingerprint(dedup_key, "", "dedup_key"), state=state)]
    payload = _object(event.get("payload"), "payload")
    summary = payload.get("summary")
    if not isinstance(summary, str) or not clean_text(summary).strip():
        raise ValidationError(_("payload: “summary” is required."))
    if not isinstance(payload.get("source"), str) or not clean_text(payload["source"]).strip():
        raise ValidationError(_("payload: “source” is required."))
    severity = payload.get("severity")
    if severity not in PAGERDUTY_SEVERITIES:
        raise ValidationError(_("payload: “severity” must be one of critical, error, warning, info."))
    labels = {"severity": str(severity)}
    for key in ("source", "component", "group", "class"):
        if text := _optional_text(payload, key, "payload", max_length=LABEL_VALUE_MAX_LENGTH):
            labels[key] = text
    annotations = _labels(payload.get("custom_details"), "payload", "custom_details",
                          value_max=ANNOTATION_VALUE_MAX_LENGTH, nested=True)  # fmt: skip
    if isinstance(payload.get("custom_details"), str):  # PagerDuty also takes plain text details
        annotations = {"details": clean_text(payload["custom_details"])[:ANNOTATION_VALUE_MAX_LENGTH]}
    summary_text = _one_line(clean_text(summary))
    annotations.setdefault("summary", summary_text)
    if dedup_key is None or dedup_key == "":
        fingerprint = labels_fingerprint({k: v for k, v in labels.items() if k != "severity"}, summary_text)
    else:
        fingerprint = _fingerprint(dedup_key, "", "dedup_key")
    return [
        Incoming(
            fingerprint=fingerprint,
            state=state,
            labels=labels,
            annotations=annotations,
            summary=summary_text,
            starts_at=_time(payload.get("timestamp"), "payload", "timestamp"),
            url=_optional_text(event, "client_url", "", max_length=URL_MAX_LENGTH),
        )
    ]


def _pagerduty_with_list_check(data: Any) -> list[Incoming]:
    if isinstance(data, list):
        raise ValidationError(_("PagerDuty events come one per request; this body is a list."))
    return parse_pagerduty(data)


# --- generic JSON --------------------------------------------------------------------------------------------

_GENERIC_STATES = (AlertState.FIRING, AlertState.ACKNOWLEDGED, AlertState.RESOLVED)


def parse_generic(data: Any) -> list[Incoming]:
    """PicoCore's own shape: one alert, a list, or {"alerts": [...]} (see the module's description)."""
    if isinstance(data, dict) and "alerts" in data:
        data = data["alerts"]
        if not isinstance(data, list):
            raise ValidationError(_("“alerts” must be a list of alerts."))
    items = data if isinstance(data, list) else [data]
    parsed = []
    for index, item in enumerate(items):
        where = _("alert %(number)s") % {"number": index + 1} if isinstance(data, list) else ""
        alert = _object(item, where)
        status = alert.get("status", AlertState.FIRING)
        if status not in _GENERIC_STATES:
            raise _where(where, _("“status” must be “firing”, “acknowledged” or “resolved”."))
        labels = _labels(alert.get("labels"), where, "labels", value_max=LABEL_VALUE_MAX_LENGTH)
        annotations = _labels(alert.get("annotations"), where, "annotations", value_max=ANNOTATION_VALUE_MAX_LENGTH,
                              nested=True)  # fmt: skip
        fingerprint = _given_or_labels_fingerprint(alert.get("fingerprint"), labels, where)
        summary = _optional_text(alert, "summary", where)
        parsed.append(
            Incoming(
                fingerprint=fingerprint,
                state=str(status),
                labels=labels,
                annotations=annotations,
                summary=_one_line(summary) if summary else summary_of(labels, annotations),
                starts_at=_time(alert.get("starts_at"), where, "starts_at"),
                ends_at=_time(alert.get("ends_at"), where, "ends_at"),
                url=_optional_text(alert, "url", where, max_length=URL_MAX_LENGTH),
            )
        )
    if not parsed:
        raise ValidationError(_("The payload holds no alert."))
    return parsed


_PARSERS: dict[str, Callable[[Any], list[Incoming]]] = {
    SourceKind.ALERTMANAGER: parse_alertmanager,
    SourceKind.PAGERDUTY: _pagerduty_with_list_check,
    SourceKind.GENERIC: parse_generic,
}
