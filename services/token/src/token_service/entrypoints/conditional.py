"""Cacheable public documents (discovery, JWKS): `Cache-Control: public, max-age`
(RFC 9111 §5.2.2.1), a strong `ETag` (RFC 9110 §8.8.3) and `304 Not Modified` when
`If-None-Match` names it (RFC 9110 §13.1.2, §15.4.5)."""

from __future__ import annotations

import hashlib

from fastapi.responses import Response


def strong_etag(body: str) -> str:
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def none_match(header: str | None, etag: str) -> bool:
    """True when If-None-Match lists this entity tag (weak comparison, as §13.1.2 says)."""
    if not header:
        return False
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


def cacheable_json(body: str, etag: str, max_age: int, if_none_match: str | None) -> Response:
    # A 304 repeats the validator and freshness headers (RFC 9110 §15.4.5), with no body.
    headers = {"Cache-Control": f"public, max-age={max_age}", "ETag": etag}
    if none_match(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
