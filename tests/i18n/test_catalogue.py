"""The Danish catalogue is complete: a fresh extraction of every marked string (templates and Python) leaves
no entry untranslated or fuzzy, placeholders survive translation, and the committed .mo is the .po compiled.

The extraction is the real one (`manage.py makemessages -l da`, run on a copy of the application so the
working tree is not touched): a string added anywhere without its Danish translation fails here, naming it.
GNU gettext (xgettext, msgmerge, msguniq, msgattrib) must be installed: the test fails, not skips, without it.
"""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

PACKAGE = Path(settings.PACKAGE_DIR)
PO = PACKAGE / "locale" / "da" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msguniq", "msgattrib")
HOW_TO_FIX = (
    "run `make messages`, translate every empty or fuzzy entry in picocore/locale/da/LC_MESSAGES/django.po "
    "(and remove the `#, fuzzy` line), then `make compile-messages`"
)


def _entry_name(entry: polib.POEntry) -> str:
    where = ", ".join(sorted({path for path, _line in entry.occurrences}))
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{context}{entry.msgid!r} ({where})"


def _translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


@pytest.fixture(scope="module")
def fresh_catalogue(tmp_path_factory: pytest.TempPathFactory) -> polib.POFile:
    missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"GNU gettext is needed to extract the strings to translate, but {', '.join(missing)} is not on PATH. "
            "Install it (Debian: `apt-get install gettext`; .ci/run does so) and run the tests again.",
            pytrace=False,
        )
    root = tmp_path_factory.mktemp("extraction")
    copy = root / "picocore"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"))
    mp = pytest.MonkeyPatch()
    mp.chdir(root)
    try:
        with override_settings(LOCALE_PATHS=[copy / "locale"]):
            call_command("makemessages", locale=["da"], verbosity=0)
    finally:
        mp.undo()
    return polib.pofile(str(copy / "locale" / "da" / "LC_MESSAGES" / "django.po"))


def test_every_extracted_string_has_a_danish_translation(fresh_catalogue):
    entries = [e for e in fresh_catalogue if not e.obsolete]
    assert len(entries) > 500  # the extraction really ran over templates and Python
    untranslated = [_entry_name(e) for e in entries if not all(_translations(e))]
    assert not untranslated, f"{len(untranslated)} untranslated, {HOW_TO_FIX}:\n" + "\n".join(untranslated)


def test_no_translation_is_fuzzy(fresh_catalogue):
    fuzzy = [_entry_name(e) for e in fresh_catalogue if not e.obsolete and "fuzzy" in e.flags]
    assert not fuzzy, f"{len(fuzzy)} fuzzy (a guess by msgmerge, not a translation), {HOW_TO_FIX}:\n" + "\n".join(fuzzy)
    assert not polib.pofile(str(PO)).metadata_is_fuzzy


PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{(\w*)\}")


def _placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def test_translations_keep_their_placeholders():
    wrong = []
    for entry in polib.pofile(str(PO)):
        if not ({"python-format", "python-brace-format"} & set(entry.flags)):
            continue
        expected = _placeholders(entry.msgid_plural or entry.msgid)
        for text in _translations(entry):
            found = _placeholders(text)
            # A singular may say "1" in words instead of %(n)s; any other difference is a mistake.
            if found != expected and not (entry.msgid_plural and set(found) <= set(expected)):
                wrong.append(f"{_entry_name(entry)}: {expected} became {found} in {text!r}")
    assert not wrong, "placeholders changed:\n" + "\n".join(wrong)


def _catalogue(entries) -> dict[tuple[str | None, str], list[str]]:
    return {
        (e.msgctxt, e.msgid): _translations(e)
        for e in entries
        if e.msgid and not e.obsolete and "fuzzy" not in e.flags and all(_translations(e))
    }


def test_the_committed_mo_is_the_po_compiled(fresh_catalogue):
    compiled = _catalogue(polib.mofile(str(MO)))
    source = _catalogue(polib.pofile(str(PO)))
    stale = sorted(f"{msgid!r}" for key, value in source.items() if compiled.get(key) != value for _, msgid in [key])
    extra = sorted(f"{msgid!r}" for key in compiled.keys() - source.keys() for _, msgid in [key])
    assert not stale and not extra, (
        "picocore/locale/da/LC_MESSAGES/django.mo is out of date with django.po: run `make compile-messages` "
        f"and commit both.\nChanged or missing in the .mo: {stale}\nOnly in the .mo: {extra}"
    )
    # What is served is what a fresh extraction asks for.
    unserved = [
        f"{msgid!r}" for key, _ in _catalogue(fresh_catalogue).items() if key not in compiled for _, msgid in [key]
    ]
    assert not unserved, f"extracted but not in the committed .mo, {HOW_TO_FIX}: {unserved}"


def test_msgfmt_accepts_the_catalogue(fresh_catalogue, tmp_path):
    """What `make compile-messages` will say: format strings consistent, header complete."""
    import subprocess

    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(PO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
