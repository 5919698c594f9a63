"""The authorization service's pages (consent, error) and the language they are shown in:
the authorization request's `ui_locales` (OIDC Core §3.1.2.1), then Accept-Language
(RFC 9110 §12.5.4), then English (authgate_common.pages.request_locale)."""

from __future__ import annotations

import pathlib

from authgate_common.pages import Pages, request_locale

PACKAGE = pathlib.Path(__file__).resolve().parent.parent

__all__ = ["PACKAGE", "authorization_pages", "request_locale"]


def authorization_pages(theme_dir: str = "") -> Pages:
    return Pages.of_package(PACKAGE, theme_dir)
