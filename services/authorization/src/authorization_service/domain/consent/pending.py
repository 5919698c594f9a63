"""The authorization request waiting for the user's decision, carried in the consent form.

Nothing is stored server-side while the page is open: the verified request travels in
the form as a signed value (see ..signed), valid for a few minutes and bound to the
session it was shown in, so a form lifted from one session is useless in another.
The CSRF token of the form is an HMAC of the session id (OWASP CSRF Prevention Cheat
Sheet, "signed double-submit / HMAC token"): a page on another site cannot compute it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from authgate_common.core.crypto import constant_time_equal, keyed_hash

from ..signed import Signer


@dataclass(frozen=True)
class PendingRequest:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str
    nonce: str
    code_challenge: str
    code_challenge_method: str
    sid: str
    issued_at: int  # seconds since the epoch
    response_mode: str = "query"  # query or form_post (authorize/check_response_mode.py)
    resources: tuple[str, ...] = ()  # RFC 8707 (authorize/check_resource.py)


class PendingRequests:
    def __init__(self, key: bytes, ttl_seconds: int) -> None:
        self._signer = Signer(key)
        self._ttl = ttl_seconds

    def seal(self, pending: PendingRequest) -> str:
        return self._signer.sign(asdict(pending))

    def open(self, sealed: str, now: datetime) -> PendingRequest | None:
        """The request when the seal is ours and not expired, else None."""
        data = self._signer.verify(sealed)
        if data is None:
            return None
        try:
            pending = PendingRequest(**{**data, "scopes": tuple(data["scopes"]),
                                        "resources": tuple(data.get("resources", ()))})
        except (TypeError, KeyError):
            return None
        age = now.timestamp() - pending.issued_at
        # A little slack backwards: replicas' clocks differ by a second or two.
        return pending if -30 <= age <= self._ttl else None


class CsrfTokens:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def for_sid(self, sid: str) -> str:
        return keyed_hash(self._key, "consent-form:" + sid)

    def matches(self, sid: str, token: str) -> bool:
        return bool(token) and constant_time_equal(self.for_sid(sid), token)
