"""The session service's pages (sign-out, end-session confirm/signed-out/refused) and the
language they are shown in: the request's `ui_locales` (OIDC RP-Initiated Logout 1.0 §2;
OIDC Core §3.1.2.1), then Accept-Language (RFC 9110 §12.5.4), then English
(authgate_common.pages.request_locale)."""

from __future__ import annotations

import pathlib

from authgate_common.pages import Pages, request_locale

PACKAGE = pathlib.Path(__file__).resolve().parent.parent

__all__ = ["PACKAGE", "session_pages", "request_locale"]


def session_pages(theme_dir: str = "") -> Pages:
    return Pages.of_package(PACKAGE, theme_dir)
