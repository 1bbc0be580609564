"""Reading what a person typed into a search (`picocore.core.fulltext`): no database."""

from hypothesis import given
from hypothesis import strategies as st

from picocore.core.fulltext import Highlighter, TextQuery
from picocore.core.fulltext.query import MAX_TERMS, one_edit_away


def test_words_and_phrases_are_read_in_one_case():
    query = TextQuery.parse('Import  "Product Feed" failed, import!')
    assert (query.words, query.phrases) == (("import", "failed"), (("product", "feed"),))
    assert query.fts5() == '"import" AND "failed" AND "product feed"'
    assert query.tsquery() == "'import' & 'failed' & ('product' <-> 'feed')"


def test_a_quoted_single_word_is_a_word_and_an_unpaired_quote_is_ignored():
    assert TextQuery.parse('"import"').words == ("import",)
    assert TextQuery.parse('import "feed').words == ("import", "feed")


def test_the_title_only_form_names_the_column_or_the_weight():
    query = TextQuery.parse("import")
    assert (query.fts5(column="title"), query.tsquery(weight="A")) == ('title : ("import")', "'import':A")


def test_the_last_word_typed_so_far_finds_what_it_begins():
    typing = TextQuery.parse("supplier imp", prefix_last=True)
    assert (typing.fts5(), typing.tsquery()) == ('"supplier" AND "imp"*', "'supplier' & 'imp':*")
    # A finished word (a space after it) is matched whole.
    assert TextQuery.parse("supplier imp ", prefix_last=True).fts5() == '"supplier" AND "imp"'


def test_a_typo_is_forgiven_only_in_words_of_four_letters_or_more():
    query = TextQuery.parse("improt csv")
    assert query.forgivable and not TextQuery.parse("csv to").forgivable
    fuzzy = query.fuzzier()
    assert "'import'" in fuzzy.tsquery() and '"import"' in fuzzy.fts5()
    assert fuzzy.fts5().endswith(' AND "csv"') and not fuzzy.forgivable


def test_one_edit_away_holds_swaps_deletions_replacements_and_insertions():
    edits = one_edit_away("improt")
    assert {"import", "impot", "imprt", "improts", "impromt"} <= edits and "improt" not in edits


def test_nothing_searchable_is_an_empty_query_and_never_more_than_the_limit():
    assert not TextQuery.parse(' "" !!! ')
    many = TextQuery.parse(" ".join(f"word{i}" for i in range(30)))
    assert len(many.words) == MAX_TERMS


@given(st.text())
def test_any_input_gives_query_strings_without_operators_of_their_own(text):
    query = TextQuery.parse(text, prefix_last=True).fuzzier()
    for word in query.terms:
        assert word.isalnum() and word == word.casefold()
    # Every quote in the FTS5 string is one the code wrote around a term.
    assert query.fts5().count('"') % 2 == 0
    assert "'" not in "".join(query.terms)


def test_the_snippet_escapes_the_text_and_marks_the_words_found():
    marker = Highlighter(TextQuery.parse("improt"))
    text = "Before <b>it</b> " + "filler " * 40 + "the nightly Import of products & prices failed " + "tail " * 40
    snippet = marker.snippet(text)
    assert "<mark>Import</mark> of products &amp; prices" in snippet
    assert snippet.startswith("…") and snippet.endswith("…") and "<b>" not in snippet
    assert Highlighter(TextQuery.parse("imported")).mark("Importing <x>") == "<mark>Importing</mark> &lt;x&gt;"
