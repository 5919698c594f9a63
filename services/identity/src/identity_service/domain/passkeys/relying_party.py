"""Who the Relying Party is (WebAuthn §5.1.3 "rp.id", §7.1 steps 9 and 13): the RP ID is the
ISSUER's host, the accepted origins the ISSUER's origin; WEBAUTHN_RP_ID and
WEBAUTHN_ORIGINS override them (a gateway reached under another name).

Each origin's host must be the RP ID or end in "." + RP ID (a registrable suffix,
§5.1.3); an IP address is never an RP ID, so an IP ISSUER without an override leaves
passkeys unavailable rather than broken. The user handle (§5.4.3, `user.id`) is an HMAC
of the user id under a key of its own: opaque, stable and not personal data, and nothing
to store, since the handle an authenticator returns is checked by computing it again.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass

from authgate_common.same_origin import origin_of


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _host(origin: str) -> str:
    return (urllib.parse.urlsplit(origin).hostname or "").lower()


@dataclass(frozen=True)
class RelyingParty:
    rp_id: str
    origins: tuple[str, ...]
    handle_key: bytes

    def __post_init__(self) -> None:
        for origin in self.origins:
            host = _host(origin)
            if self.available and host != self.rp_id and not host.endswith("." + self.rp_id):
                raise ValueError(f"WebAuthn origin {origin} is not on the RP ID {self.rp_id}")

    @classmethod
    def for_issuer(cls, issuer: str, handle_key: bytes, rp_id: str = "",
                   origins: Sequence[str] = ()) -> RelyingParty:
        own = origin_of(issuer) or issuer
        accepted = [origin_of(o) or o for o in origins] or [own]
        return cls((rp_id or _host(own)).lower(), tuple(accepted), handle_key)

    @property
    def available(self) -> bool:
        return bool(self.rp_id) and not _is_ip(self.rp_id)

    @property
    def name(self) -> str:
        return self.rp_id

    def user_handle(self, user_id: str) -> bytes:
        return hmac.new(self.handle_key, user_id.encode(), hashlib.sha256).digest()

    def handle_matches(self, user_id: str, handle: bytes) -> bool:
        return hmac.compare_digest(self.user_handle(user_id), handle)
