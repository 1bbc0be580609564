"""Posting to addresses that people give us (webhook subscriptions, status-page webhook subscribers) without
letting them aim the server at itself or at the network behind it (server-side request forgery).

A target is refused when any address its host name resolves to is not a global unicast address: loopback,
private, shared, link-local (where cloud metadata services listen), multicast, reserved or unspecified, IPv4
mapped into IPv6 included. `settings.PICOCORE_OUTBOUND_PRIVATE_TARGETS` lifts this for the demo and the tests,
whose receivers listen on loopback.

The check is made twice: `target_refusal` when an address is saved (a message the person can act on), and on
every connection `OPENER` makes, against the very addresses it connects to — so a name that resolves to a
public address when saved and to a private one later (DNS rebinding) is refused as well. `OPENER` follows no
redirect (a redirect is an answer, reported like any other) and uses no proxy from the environment."""

import http.client
import ipaddress
import socket
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _


class TargetRefused(OSError):
    """The target resolves to an address the server must not post to; raised instead of connecting."""


def _private_allowed() -> bool:
    return bool(getattr(settings, "PICOCORE_OUTBOUND_PRIVATE_TARGETS", False))


def is_private(address: str) -> bool:
    """Whether `address` (an IPv4 or IPv6 literal, maybe with an IPv6 zone) is anything but global unicast."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _resolve(host: str, port: int) -> list[tuple[Any, ...]]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def guarded_connection(
    address: tuple[str, int], timeout: float | None = None, source_address: tuple[str, int] | None = None
) -> socket.socket:
    """`socket.create_connection` that resolves the host once, refuses it when any of its addresses is
    private (unless allowed), and connects only to the addresses it checked."""
    host, port = address
    found = _resolve(host, port)
    if not _private_allowed():
        for *_, sockaddr in found:
            if is_private(str(sockaddr[0])):
                raise TargetRefused(f"{host} resolves to {sockaddr[0]}, which is not a public address")
    failure: OSError | None = None
    for family, kind, proto, _canonical, sockaddr in found:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not None:
                sock.settimeout(timeout)
            if source_address is not None:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            failure = error
    raise failure or OSError(f"{host} resolves to no address")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = guarded_connection


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = guarded_connection


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: the caller sees it as an HTTPError with its 3xx status."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


OPENER = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _GuardedHTTPHandler(), _GuardedHTTPSHandler(), _NoRedirects()
)


def target_refusal(url: str) -> str | None:
    """Why `url` may not be a target (a sentence for the person who gave it), or None. A name that does not
    resolve now is not refused here: the connection checks it again when it does."""
    if _private_allowed():
        return None
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname
    if not host:
        return _("Give the address of a host.")
    try:
        found = _resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError, ValueError):
        return None
    if any(is_private(str(sockaddr[0])) for *_, sockaddr in found):
        return _("This address leads into a private network (%(host)s); give one reachable from the internet.") % {
            "host": host
        }
    return None
