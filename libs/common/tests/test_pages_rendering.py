"""Pages (authgate_common.pages): catalogues read from .po files and merged per locale,
the theme folder overriding templates, theme.css and messages, autoescape, the page's
language in <html lang> and Content-Language, and the security headers."""

from __future__ import annotations

import pathlib
import re
from typing import Any

import pytest
from authgate_common.http import HTML_SECURITY_HEADERS
from authgate_common.pages import SHARED_TEMPLATES, Pages
from authgate_common.pages.catalogs import load_translations
from authgate_common.pages.completeness import missing_translations
from authgate_common.settings import PagesSettings
from pydantic import ValidationError

PO_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def po(folder: pathlib.Path, locale: str, domain: str, entries: dict[str, str]) -> None:
    path = folder / locale / "LC_MESSAGES" / f"{domain}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in entries.items())
    path.write_text(PO_HEADER + body, encoding="utf-8")


@pytest.fixture
def service(tmp_path: pathlib.Path) -> pathlib.Path:
    package = tmp_path / "svc"
    (package / "templates").mkdir(parents=True)
    (package / "templates" / "hello.html").write_text(
        '{% extends "base.html" %}{% block title %}{{ _("Hello") }}{% endblock %}'
        '{% block content %}<h1>{{ _("Hello %(name)s", name=name) }}</h1><p>{{ note }}</p>'
        '{% endblock %}', encoding="utf-8")
    po(package / "translations", "de", "hello", {"Hello": "Hallo", "Hello %(name)s": "Hallo %(name)s"})
    return package


def text_of(page: Any) -> str:
    return bytes(page.body).decode()


def pages_of(package: pathlib.Path, theme: pathlib.Path | None = None) -> Pages:
    return Pages(package / "templates", package / "translations", theme)


def test_every_po_file_of_a_locale_is_merged_and_later_folders_win(tmp_path: pathlib.Path) -> None:
    po(tmp_path / "a", "de", "one", {"Yes": "Ja", "No": "Nein"})
    po(tmp_path / "a", "de", "two", {"Maybe": "Vielleicht"})
    po(tmp_path / "b", "de", "three", {"No": "Nö"})
    po(tmp_path / "b", "fr", "one", {"Yes": "Oui"})
    catalogs = load_translations([tmp_path / "a", tmp_path / "b", tmp_path / "missing"])
    assert sorted(catalogs) == ["de", "fr"]
    de = catalogs["de"]
    assert (de.gettext("Yes"), de.gettext("No"), de.gettext("Maybe")) == ("Ja", "Nö", "Vielleicht")
    assert de.gettext("Unknown") == "Unknown"


def test_a_page_is_rendered_in_the_chosen_language(service: pathlib.Path) -> None:
    pages = pages_of(service)
    assert "de" in pages.locales and pages.locale("de-CH") == "de"
    page = pages.render("hello.html", "de", name="Ada", note="x")
    assert '<html lang="de">' in text_of(page) and page.headers["content-language"] == "de"
    assert "<title>Hallo</title>" in text_of(page) and "<h1>Hallo Ada</h1>" in text_of(page)
    english = text_of(pages.render("hello.html", "en", name="Ada", note="x"))
    assert '<html lang="en">' in english and "<h1>Hello Ada</h1>" in english


def test_every_value_is_escaped_and_the_security_headers_are_set(service: pathlib.Path) -> None:
    page = pages_of(service).render("hello.html", "de", status_code=400, name="<b>x</b>",
                                    note='"><script>alert(1)</script>')
    body = text_of(page)
    assert "<script>" not in body and "<b>x" not in body and "&lt;b&gt;x&lt;/b&gt;" in body
    assert page.status_code == 400
    for name, value in HTML_SECURITY_HEADERS.items():
        assert page.headers[name] == value


def test_a_missing_variable_is_an_error_not_an_empty_string(service: pathlib.Path) -> None:
    with pytest.raises(Exception, match="note"):
        pages_of(service).render_text("hello.html", "en", name="Ada")


def test_translate_gives_plain_text_for_messages_defined_in_python(service: pathlib.Path) -> None:
    pages = pages_of(service)
    assert pages.translate("de", "Hello %(name)s", name="<b>") == "Hallo <b>"
    assert pages.translate("fr", "Hello") == "Hello"  # no catalogue: English


def test_a_theme_overrides_templates_css_and_messages(service: pathlib.Path, tmp_path: pathlib.Path) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "theme.css").write_text("body { background: #123456; }", encoding="utf-8")
    (theme / "hello.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>Themed {{ _("Hello") }}</p>{% endblock %}',
        encoding="utf-8")
    po(theme / "translations", "de", "brand", {"Hello": "Servus"})
    po(theme / "translations", "fr", "brand", {"Hello": "Bonjour"})
    pages = pages_of(service, theme)
    body = pages.render_text("hello.html", "de", name="Ada", note="")
    assert "#123456" in body and "<p>Themed Servus</p>" in body
    assert "fr" in pages.locales  # a theme can add a language
    plain = pages_of(service).render_text("hello.html", "de", name="Ada", note="")
    assert "#123456" not in plain and "Themed" not in plain


def test_messages_without_a_translation_are_listed(service: pathlib.Path) -> None:
    assert missing_translations(service, "de") == []
    (service / "templates" / "more.html").write_text('{{ _("Goodbye") }}', encoding="utf-8")
    (service / "messages.py").write_text('from authgate_common.pages import N_\nBYE = N_("Bye")\n',
                                         encoding="utf-8")
    missing = missing_translations(service, "de")
    assert len(missing) == 2 and "'Goodbye' (templates/more.html:1)" in missing
    assert "'Bye' (messages.py:2)" in missing


def test_the_shared_look_meets_the_contrast_it_promises() -> None:
    """WCAG 2.1 §1.4.3: 4.5:1 for text against the white page (theme.css's colours)."""
    text = (SHARED_TEMPLATES / "theme.css").read_text()

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    for colour in re.findall(r"(?<![-\w])color:\s*#([0-9a-fA-F]{6})", text):
        ratio = (1.0 + 0.05) / (luminance(colour) + 0.05)
        assert ratio >= 4.5, f"#{colour} on white is {ratio:.2f}:1"


def test_a_theme_dir_that_is_not_a_folder_is_refused(tmp_path: pathlib.Path) -> None:
    key = "k" * 40
    assert PagesSettings(_env_file=None, SECRET_KEY=key, THEME_DIR=str(tmp_path)).THEME_DIR  # type: ignore[call-arg]
    assert PagesSettings(_env_file=None, SECRET_KEY=key).THEME_DIR == ""  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="not a folder"):
        PagesSettings(_env_file=None, SECRET_KEY=key, THEME_DIR=str(tmp_path / "missing"))  # type: ignore[call-arg]
