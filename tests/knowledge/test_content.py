"""The article text helpers: sanitising hostile HTML, plain text, personal data, diffs and version ranges."""

import pytest

from picocore.knowledge.content import (
    DiffLine,
    applies_to_product,
    diff,
    find_terms,
    plain_text,
    sanitise,
    split_product,
    version_in_range,
)

HOSTILE = [
    ("<script>alert(1)</script><p>Hi</p>", "<p>Hi</p>"),
    ("<p onclick=\"alert(1)\" style=\"color:red\">Hi</p>", "<p>Hi</p>"),
    ("<style>p{display:none}</style><p>Hi</p>", "<p>Hi</p>"),
    ("<img src=x onerror=alert(1)>Hi", "Hi"),
    ("<a href=\"javascript:alert(1)\">x</a>", "<a rel=\"noopener noreferrer\">x</a>"),
    ("<a href=\"https://example.test/\" target=\"_blank\" onmouseover=\"x()\">x</a>",
     "<a href=\"https://example.test/\" rel=\"noopener noreferrer\">x</a>"),
    ("<a href=\"https://example.test/\" rel=\"opener\">x</a>",
     "<a href=\"https://example.test/\" rel=\"noopener noreferrer\">x</a>"),
    ("<iframe src=\"https://evil.test/\">inside</iframe><p>ok</p>", "<p>ok</p>"),
    ("<svg><script>alert(1)</script></svg>ok", "ok"),
    ("<form action=\"/x\"><input name=a><button>Go</button></form>", "Go"),
    ("<!-- secret --><p>ok</p>", "<p>ok</p>"),
    ("<p>a\x00b</p>", "<p>ab</p>"),
    ("<p><b>unclosed", "<p><b>unclosed</b></p>"),
    ("<div class=\"x\" id=\"y\"><h2>Title</h2></div>", "<div><h2>Title</h2></div>"),
    ("<object data=\"x.swf\">fallback</object>ok", "ok"),
    ("<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>", ""),
]  # fmt: skip


@pytest.mark.parametrize(("given", "kept"), HOSTILE)
def test_hostile_html_is_sanitised(given, kept):
    assert sanitise(given) == kept


def test_formatting_and_tables_are_kept():
    html = (
        '<h2>Steps</h2><ol start="2"><li><strong>Open</strong> <code>Import</code></li></ol>'
        '<table><thead><tr><th scope="col">A</th></tr></thead><tbody><tr><td colspan="2">1</td></tr></tbody></table>'
        '<pre>log</pre><p><a href="mailto:ops@example.test" title="Mail">ops</a></p>'
    )
    assert sanitise(html) == html.replace('title="Mail">', 'title="Mail" rel="noopener noreferrer">')


def test_plain_text_of_sanitised_html():
    assert plain_text(sanitise("<h2>Steps</h2><p>Open <b>Import</b>.</p><ul><li>one</li><li>two</li></ul>")) == (
        "Steps\n\nOpen Import.\n\n- one\n- two"
    )


def test_personal_data_is_found_with_its_context():
    found = find_terms(
        "Anna Jensen from Acme Foods reported it; mail anna@acme.example.",
        [("name", "Anna Jensen"), ("e-mail", "ANNA@acme.example"), ("customer", "Acme Foods"), ("short", "An")],
    )
    assert [(f.label, f.term, f.places) for f in found] == [
        ("name", "Anna Jensen", (("", "Anna Jensen", " from Acme Foods reported it; mail anna@"),)),
        ("e-mail", "ANNA@acme.example", (("ensen from Acme Foods reported it; mail ", "anna@acme.example", "."),)),
        ("customer", "Acme Foods", (("Anna Jensen from ", "Acme Foods", " reported it; mail anna@acme.example."),)),
    ]


def test_diff_lists_lines_added_and_removed():
    assert diff("a\nb\nc", "a\nc\nd") == [
        DiffLine("same", "a"), DiffLine("removed", "b"), DiffLine("same", "c"), DiffLine("added", "d"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("version", "low", "high", "inside"),
    [
        ("7", "7", "7", True), ("7.2", "7", "7", True), ("8", "7", "7", False), ("6.9", "7", "", False),
        ("7.0.1", "6", "7.0", True), ("7.1", "6", "7.0", False), ("", "", "", True), ("", "7", "", False),
        ("13", "10", "13", True), ("9", "10", "13", False),
    ],
)  # fmt: skip
def test_version_ranges(version, low, high, inside):
    assert version_in_range(version, low, high) is inside


def test_products_match_by_name_and_version():
    assert split_product("Akeneo 7") == ("Akeneo", "7")
    assert split_product("Sitecore XM") == ("Sitecore XM", "")
    assert split_product("Umbraco v13.2") == ("Umbraco", "13.2")
    assert applies_to_product(product="akeneo", version_from="6", version_to="7", solution_product="Akeneo 7")
    assert not applies_to_product(product="Akeneo", version_from="8", version_to="", solution_product="Akeneo 7")
    assert not applies_to_product(product="Umbraco", version_from="", version_to="", solution_product="Akeneo 7")
    assert applies_to_product(product="Sitecore XM", version_from="", version_to="", solution_product="Sitecore XM")
    assert not applies_to_product(product="", version_from="", version_to="", solution_product="Akeneo 7")
