"""Whether the receiving mail server vouches for a message's sender: its `Authentication-Results` (RFC 8601).

Anyone can write `From: anna@acme.example`. The receiving MTA checks SPF, DKIM and DMARC and records what it
found in an Authentication-Results header named by its authserv-id; only headers of the authserv-ids the
mail policy trusts count (a sender can add any header it likes, including one that claims a pass), and a
failure in any of them wins over a pass in another. Pure functions, no database.

A trusted header *fails* the sender when DMARC failed, or when neither SPF nor DKIM passed for the From
domain while one of them failed or passed for another domain (not aligned). It *passes* on DMARC pass or an
aligned SPF/DKIM pass. Otherwise (no results, only `none` or errors) it says nothing. Alignment is relaxed:
the same domain or a subdomain of it, without a public-suffix list; the MTA's DMARC result, when it gives
one, decides.
"""

import re
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32

HEADER = "Authentication-Results"
MAX_HEADERS = 20  # more is an attack, not a mail path; the first (newest) ones are read
MAX_HEADER_LENGTH = 65_536
FAILING = frozenset({"fail", "softfail", "policy"})
AUTHSERV_ID_RE = re.compile(r"^[a-z0-9]([a-z0-9._-]{0,251}[a-z0-9])?$", re.IGNORECASE)


@dataclass(frozen=True)
class MethodResult:
    """One `method=result` of a header, with its properties (`smtp.mailfrom`, `header.d`, …)."""

    method: str
    result: str
    properties: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.method}={self.result}"


@dataclass(frozen=True)
class AuthenticationResults:
    authserv_id: str
    results: tuple[MethodResult, ...]


@dataclass(frozen=True)
class Verdict:
    """What the trusted headers say of the sender: True (authenticated), False (failed), None (nothing)."""

    authenticated: bool | None
    authserv_id: str = ""
    results: str = ""


def _without_comments(value: str) -> str:
    """`value` with its (nested) comments replaced by a space and quoted strings kept; iterative, so a
    header of thousands of parentheses costs nothing more than its length."""
    out: list[str] = []
    depth, quoted, escaped = 0, False, False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
        elif char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
        elif quoted:
            out.append(char)
            quoted = char != '"'
        elif char == "(":
            depth += 1
            if depth == 1:
                out.append(" ")
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            quoted = char == '"'
            out.append(char)
    return "".join(out)


def _split(value: str, separator: str) -> list[str]:
    """`value` split at `separator` outside quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def parse_authentication_results(value: str) -> AuthenticationResults | None:
    """One header value read as RFC 8601 says, or None when it has no authserv-id."""
    text = " ".join(_without_comments(value[:MAX_HEADER_LENGTH]).split())
    text = re.sub(r"\s*=\s*", "=", text)
    first, *resinfos = _split(text, ";")
    tokens = first.split()
    if not tokens or not AUTHSERV_ID_RE.match(tokens[0]):
        return None
    results = []
    for resinfo in resinfos:
        words = resinfo.split()
        if not words or "=" not in words[0]:
            continue  # "none" (no results), or garbage
        method, result = words[0].split("=", 1)
        properties = {}
        for word in words[1:]:
            name, _sep, prop = word.partition("=")
            if _sep and name.lower() != "reason":
                properties[name.lower()] = prop.strip('"').lower()
        results.append(MethodResult(method.split("/", 1)[0].lower(), result.lower(), properties))
    return AuthenticationResults(authserv_id=tokens[0].lower(), results=tuple(results))


def authentication_headers(raw: bytes) -> list[str]:
    """The Authentication-Results header values of a raw message, newest (topmost) first."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    return [str(value) for value in headers.get_all(HEADER, [])[:MAX_HEADERS]]


def _domain(value: str) -> str:
    """The domain of `smtp.mailfrom=anna@acme.example`, `header.i=@acme.example` or `header.d=acme.example`."""
    return value.rsplit("@", 1)[-1].strip().strip(".").lower()


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment: the same domain, or one a subdomain of the other."""
    if not domain or not from_domain:
        return False
    return domain == from_domain or domain.endswith("." + from_domain) or from_domain.endswith("." + domain)


def _header_verdict(header: AuthenticationResults, from_domain: str) -> bool | None:
    dmarc = [r for r in header.results if r.method == "dmarc"]
    if any(r.result == "fail" for r in dmarc):
        return False
    if any(r.result == "pass" and aligned(_domain(r.properties.get("header.from", from_domain)), from_domain)
           for r in dmarc):  # fmt: skip
        return True
    checked = []
    for result in header.results:
        if result.method == "spf":
            domain = _domain(result.properties.get("smtp.mailfrom") or result.properties.get("smtp.helo", ""))
        elif result.method == "dkim":
            domain = _domain(result.properties.get("header.d") or result.properties.get("header.i", ""))
        else:
            continue
        if result.result == "pass" and aligned(domain, from_domain):
            return True
        checked.append(result.result)
    if any(result in FAILING or result == "pass" for result in checked):
        return False  # something failed, or passed only for another domain
    return None


def verdict(values: list[str], *, trusted: frozenset[str], from_address: str) -> Verdict:
    """What the headers of `trusted` authserv-ids say about `from_address`; a failure in any wins."""
    from_domain = _domain(from_address)
    found: list[tuple[AuthenticationResults, bool]] = []
    for value in values:
        header = parse_authentication_results(value)
        if header is None or header.authserv_id not in trusted:
            continue
        said = _header_verdict(header, from_domain)
        if said is not None:
            found.append((header, said))
    chosen = next((item for item in found if not item[1]), found[0] if found else None)
    if chosen is None:
        return Verdict(authenticated=None)
    header, said = chosen
    return Verdict(authenticated=said, authserv_id=header.authserv_id, results=", ".join(map(str, header.results)))
