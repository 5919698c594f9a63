"""The authorization service's pages (consent, error) and the language they are shown in:
the authorization request's `ui_locales` (OIDC Core §3.1.2.1), then Accept-Language
(RFC 9110 §12.5.4), then English (authgate_common.pages)."""

from __future__ import annotations

import pathlib
from collections.abc import Iterable

from authgate_common.pages import Pages
from fastapi import Request

PACKAGE = pathlib.Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
TRANSLATIONS = PACKAGE / "translations"


def authorization_pages(theme_dir: str = "") -> Pages:
    return Pages(TEMPLATES, TRANSLATIONS, theme_dir or None)


def request_locale(pages: Pages, request: Request, pairs: Iterable[tuple[str, str]] = ()) -> str:
    """The language for a page answering `request`, whose parameters are `pairs`."""
    ui_locales = next((value for key, value in pairs if key == "ui_locales"), None)
    return pages.locale(ui_locales, request.headers.get("accept-language"))
