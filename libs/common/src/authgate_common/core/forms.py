"""The one reader of OAuth form bodies (RFC 6749 §3.1, §3.2, §4.1.3; RFC 6750 §2.2).

The body must be application/x-www-form-urlencoded UTF-8, and "parameters MUST NOT
be included more than once" (RFC 6749 §3.1, §3.2): a repeated one is refused rather
than letting one copy silently win. A NUL character is refused too. Every form POST of
every service reads its body here.
"""

from __future__ import annotations

import urllib.parse

from .errors import InvalidRequest

FORM_TYPE = "application/x-www-form-urlencoded"


def is_form(content_type: str | None) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == FORM_TYPE


def parse_form(content_type: str | None, body: bytes,
               repeatable: frozenset[str] = frozenset()) -> dict[str, str]:
    """The form's parameters. A name in `repeatable` (RFC 8707 `resource`) may repeat: its
    values arrive joined by NUL, which no value may hold (resource_indicators.split_repeated)."""
    if not is_form(content_type):
        raise InvalidRequest(f"The request body must be {FORM_TYPE}.")
    try:
        text = body.decode("utf-8")
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=False,
                                       encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequest("The request body is not valid UTF-8 form data.") from exc
    params: dict[str, str] = {}
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            raise InvalidRequest("The request body contains a NUL character.")
        if name in params:
            if name not in repeatable:
                raise InvalidRequest("A parameter was included more than once.")
            params[name] += "\x00" + value
            continue
        params[name] = value
    return params
