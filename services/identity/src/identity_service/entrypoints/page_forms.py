"""Form posts of the sign-in and account pages: the body read by the one form reader
(authgate_common.core.forms), and the CSRF check of the login pages' signed
double-submit cookie (domain/login_csrf.py, entrypoints/cookies.py)."""

from __future__ import annotations

import urllib.parse
from typing import Annotated

import segno
from authgate_common.core.forms import parse_form
from fastapi import Depends, Request
from markupsafe import Markup

QR_SCALE = 4


async def _form(request: Request) -> dict[str, str]:
    return parse_form(request.headers.get("content-type"), await request.body())


FormFields = Annotated[dict[str, str], Depends(_form)]


def locale_query(request: Request, sep: str = "?") -> str:
    """`?ui_locales=…` when this page was asked for in a language: its forms and links keep
    it, so the page after a post speaks the same language (empty otherwise)."""
    wanted = request.query_params.get("ui_locales", "")[:64]
    return f"{sep}{urllib.parse.urlencode({'ui_locales': wanted})}" if wanted else ""


def qr_svg(uri: str, title: str) -> Markup:
    """The QR code of `uri` as inline SVG markup (no image request: the page's CSP allows
    none); dark on white whatever the theme, so cameras read it."""
    svg = segno.make(uri, error="m").svg_inline(scale=QR_SCALE, dark="#000", light="#fff", title=title)
    return Markup(svg)  # noqa: S704 — segno's own markup; `title` is escaped by segno
