"""Every URL pattern of the project, walked from the root URL configuration, and the pages' forms as a browser
would find them in the HTML (action, method, field names and the values offered)."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl

from django.urls import URLPattern, URLResolver, get_resolver

EXCLUDED_PREFIXES = ("admin/", "static/")
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its name (`namespace:name`), its route with `<converter:name>` parameters."""

    name: str
    route: str

    @property
    def parameters(self) -> list[tuple[str, str]]:
        """(converter, name) of each path parameter, in order."""
        return [(m["converter"] or "str", m["name"]) for m in PARAMETER.finditer(self.route)]

    def path(self, values: dict[str, str]) -> str:
        """The path with each parameter replaced by its (already percent-encoded) value."""
        return "/" + PARAMETER.sub(lambda m: values[m["name"]], self.route)


def project_routes() -> list[Route]:
    """Every pattern under the root URL configuration, but the admin's and static files'."""
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(EXCLUDED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                found.append(Route(name=f"{namespace}{pattern.name}", route=route))

    walk(get_resolver().url_patterns, "", "")
    return found


@dataclass
class FoundForm:
    action: str
    method: str
    fields: dict[str, set[str]] = field(default_factory=dict)  # name → values the page offers


class FormFinder(HTMLParser):
    """The forms of a page: each input, select and textarea by name, with the values the page offers."""

    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: list[FoundForm] = []
        self.links: list[FoundForm] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "a" and "?" in values.get("href", ""):
            # A link's query string is a form too: "Next page" carries `after`, the portal's pages `page`.
            target, _, query = values["href"].partition("?")
            link = FoundForm(action=target or self.page_path, method="GET")
            for name, value in parse_qsl(query, keep_blank_values=True):
                link.fields.setdefault(name, set()).add(value)
            self.links.append(link)
        elif tag == "form":
            action = values.get("action") or self.page_path
            self.forms.append(FoundForm(action=action.split("?")[0], method=values.get("method", "get").upper()))
        elif not self.forms:
            return
        elif tag in ("input", "textarea", "select", "button") and values.get("name"):
            offered = self.forms[-1].fields.setdefault(values["name"], set())
            if "value" in values:
                offered.add(values["value"])
            if tag == "select":
                self._select = values["name"]
        elif tag == "option" and self._select is not None and "value" in values:
            self.forms[-1].fields[self._select].add(values["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def page_forms(page: str, page_path: str) -> list[FoundForm]:
    """The page's forms, and its links with a query string as GET forms."""
    finder = FormFinder(page_path)
    finder.feed(page)
    return finder.forms + finder.links
