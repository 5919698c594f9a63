"""The `scope` request parameter (RFC 6749 §3.3): space-delimited, case-sensitive tokens."""

from __future__ import annotations

from authgate_common.core.errors import InvalidScope

MAX_SCOPES = 32
SCOPE_CHARS = frozenset(chr(c) for c in range(0x21, 0x7F)) - {'"', "\\"}


def parse_scope(value: str | None) -> list[str] | None:
    """The requested scopes in order without repeats; None when the parameter is absent
    or empty, which RFC 6749 §3.3 and §6 treat as "what was granted / the default"."""
    if value is None or not value.strip():
        return None
    scopes = list(dict.fromkeys(value.split(" ")))
    scopes = [s for s in scopes if s]
    if len(scopes) > MAX_SCOPES or any(not set(s) <= SCOPE_CHARS for s in scopes):
        raise InvalidScope("The scope parameter is malformed.")
    return scopes
