"""Which language a page is shown in: the first of the request's `ui_locales` (OIDC Core
§3.1.2.1, space-separated BCP 47 tags in order of preference) that authgate has, then the
best of `Accept-Language` (RFC 9110 §12.5.4, q-values), then English.

A tag matches a language exactly or by its primary subtag ("de-AT" → "de"); an unknown
or malformed tag is skipped, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

DEFAULT_LOCALE = "en"
_TAG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_MAX_TAGS = 20


def _match(tag: str, available: Sequence[str]) -> str | None:
    if not _TAG.match(tag):
        return None
    tag = tag.lower()
    lowered = {a.lower().replace("_", "-"): a for a in available}
    if tag in lowered:
        return lowered[tag]
    return lowered.get(tag.split("-", 1)[0])


def _accept_language(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for i, item in enumerate(header.split(",")[:_MAX_TAGS]):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        m = re.match(r"^\s*q=([01](?:\.\d{0,3})?)\s*$", params) if params else None
        if params and m is None:
            continue
        if m:
            q = float(m.group(1))
        if q > 0 and tag.strip() and tag.strip() != "*":
            weighted.append((-q, i, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(ui_locales: str | None, accept_language: str | None, available: Sequence[str]) -> str:
    for tag in (ui_locales or "").split()[:_MAX_TAGS]:
        found = _match(tag, available)
        if found:
            return found
    for tag in _accept_language(accept_language or ""):
        found = _match(tag, available)
        if found:
            return found
    return DEFAULT_LOCALE
