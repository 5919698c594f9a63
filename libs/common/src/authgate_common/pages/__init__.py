"""The HTML pages every service shows people (login, second factor, consent, account,
errors): Jinja2 templates with autoescape, gettext catalogs (Babel), and a theme folder an
operator can override them with.

Lookup order for a template: the operator's theme folder (THEME_DIR), then the service's
own templates, then the shared ones here (`base.html`, `theme.css`). A theme overrides a
page by placing a file of the same name; `theme.css` alone restyles every page.

Messages are gettext `_()` calls in templates and Python. English is the source language;
every other language is one folder of `.po` files per service (`translations/<locale>/
LC_MESSAGES/*.po`: each file a domain, all merged), read at start-up, so nothing compiled
is generated or committed. A theme may add `translations/` of its own, which win.
The language is chosen by `ui_locales` (OIDC Core §3.1.2.1), then `Accept-Language`
(RFC 9110 §12.5.4), then English (pages/locale.py).
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import jinja2
from babel.support import NullTranslations, Translations
from fastapi.responses import HTMLResponse

from ..http import HTML_SECURITY_HEADERS
from .catalogs import load_translations
from .locale import DEFAULT_LOCALE, negotiate

SHARED = pathlib.Path(__file__).parent
SHARED_TEMPLATES = SHARED / "templates"
SHARED_TRANSLATIONS = SHARED / "translations"


class Pages:
    """Renders a service's pages in the language a person reads."""

    def __init__(self, templates: pathlib.Path, translations: pathlib.Path | None = None,
                 theme_dir: str | pathlib.Path | None = None,
                 globals: Mapping[str, Any] | None = None) -> None:
        """`globals`: variables every template of the service sees (e.g. which features are
        on, so a page links only to what exists)."""
        theme = pathlib.Path(theme_dir) if theme_dir else None
        folders = [theme] if theme else []
        folders += [templates, SHARED_TEMPLATES]
        self._loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(f)) for f in folders])
        catalog_dirs = [SHARED_TRANSLATIONS] + ([translations] if translations else [])
        if theme is not None and (theme / "translations").is_dir():
            catalog_dirs.append(theme / "translations")
        self._translations = load_translations(catalog_dirs)
        self.locales: tuple[str, ...] = (DEFAULT_LOCALE, *sorted(self._translations))
        self._envs: dict[str, jinja2.Environment] = {}
        self.globals: Mapping[str, Any] = dict(globals or {})

    @classmethod
    def of_package(cls, package: pathlib.Path, theme_dir: str = "",
                   globals: Mapping[str, Any] | None = None) -> Pages:
        """A service's pages: its package's `templates/` and `translations/`, under the theme."""
        return cls(package / "templates", package / "translations", theme_dir or None, globals)

    def locale(self, ui_locales: str | None = None, accept_language: str | None = None) -> str:
        """The language to answer in (a tag from `self.locales`)."""
        return negotiate(ui_locales, accept_language, self.locales)

    def gettext(self, locale: str) -> NullTranslations:
        return self._translations.get(locale) or NullTranslations()

    def translate(self, locale: str, message: str, **variables: str) -> str:
        """`message` (an English msgid, marked with N_ where it is defined) in `locale`, as
        plain text: a template escapes it like any other value. Prefer this to `_(variable)`
        in a template, whose newstyle gettext marks the result as safe HTML."""
        text = self.gettext(locale).gettext(message)
        return text % variables if variables else text

    def environment(self, locale: str) -> jinja2.Environment:
        env = self._envs.get(locale)
        if env is None:
            env = jinja2.Environment(loader=self._loader, autoescape=True, auto_reload=False,
                                     undefined=jinja2.StrictUndefined, trim_blocks=True,
                                     lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
            translations: Any = self.gettext(locale)
            env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
            env.globals.update(self.globals)
            env.globals["locale"] = locale
            self._envs[locale] = env
        return env

    def render_text(self, template: str, locale: str, **context: Any) -> str:
        return self.environment(locale).get_template(template).render(**context)

    def render(self, template: str, locale: str, *, status_code: int = 200,
               headers: Mapping[str, str] | None = None, **context: Any) -> HTMLResponse:
        """An HTML answer: never cached or framed (HTML_SECURITY_HEADERS, unless `headers`
        replaces them), in `locale`, which Content-Language names."""
        merged = dict(HTML_SECURITY_HEADERS if headers is None else headers)
        merged["Content-Language"] = locale
        return HTMLResponse(self.render_text(template, locale, **context), status_code=status_code,
                            headers=merged)


class _HasHeaders(Protocol):
    @property
    def headers(self) -> Mapping[str, str]: ...


def request_locale(pages: Pages, request: _HasHeaders, pairs: Iterable[tuple[str, str]] = ()) -> str:
    """The language for a page answering `request`, whose parameters are `pairs`: their
    `ui_locales`, then the request's Accept-Language."""
    ui_locales = next((value for key, value in pairs if key == "ui_locales"), None)
    return pages.locale(ui_locales, request.headers.get("accept-language"))


def N_(message: str) -> str:
    """Marks an English message for the catalogues (babel's extractor: `-k N_`) where it is
    defined; it is translated where it is shown (Pages.translate)."""
    return message


def template_names(pages: Pages) -> Sequence[str]:
    """Every template a service can render (for tests: each page in each language)."""
    return pages.environment(DEFAULT_LOCALE).list_templates(extensions=["html"])


__all__ = ["N_", "Pages", "Translations", "template_names"]
