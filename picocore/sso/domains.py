"""E-mail domains as the single sign-on code compares them: lower case, no trailing dot, IDNA-encoded."""

import re

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})+$")


def normalise_domain(text: str) -> str | None:
    """The domain in the form it is stored and looked up in, or None when `text` is not a domain name with at
    least two labels (an address, a URL, a bare name, a NUL byte…)."""
    candidate = text.strip().lower().rstrip(".")
    try:
        candidate = candidate.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return candidate if _DOMAIN.match(candidate) else None


def email_domain(email: str) -> str | None:
    """The normalised domain of an e-mail address, or None when it has none."""
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return None
    return normalise_domain(domain)
