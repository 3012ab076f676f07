"""Every text the pages show has its Vietnamese translation: extracted from the code as `pybabel`
would, compared with the catalogue in the repository (so a new string cannot ship untranslated)."""

from __future__ import annotations

import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import REPO

WEB = REPO / "web"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def extracted() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), METHODS, keywords={"_": None, "_l": None, "gettext": None, "lazy_gettext": None},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(lang: str, domain: str = "messages"):
    with (WEB / "translations" / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def test_every_text_of_the_pages_has_a_vietnamese_translation_with_the_same_placeholders():
    vi = catalogue("vi")
    missing = sorted(m for m in extracted() if not (vi.get(m) and vi.get(m).string))
    assert missing == []
    wrong = [m.id for m in vi if m.id and placeholders(m.id) != placeholders(m.string)]
    assert wrong == []


def test_the_catalogue_holds_no_text_the_code_no_longer_shows():
    stale = sorted(m.id for m in catalogue("vi") if m.id and m.id not in extracted())
    assert stale == []


def test_no_compiled_catalogue_is_kept_in_the_repository():
    assert sorted(p.name for p in WEB.rglob("*.mo")) == []
