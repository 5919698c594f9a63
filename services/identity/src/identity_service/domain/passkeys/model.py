"""A registered passkey (WebAuthn §4 "public key credential source", as the Relying Party
keeps it: §7.1 step 27) and the `amr` values a use of it earns (RFC 8176 §2).

The backup-eligible flag (BE, §6.1) is fixed when the credential is created: a
backup-eligible passkey may be synced to other devices ("swk"), one that is not stays on
its authenticator ("hwk"). "user" records that the authenticator verified the user (UV);
a passkey with UV is two factors on its own (something you have, something you know or
are), so it earns "mfa" alone; after a password any passkey does.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from authgate_common.core.acr import AMR_HARDWARE_KEY, AMR_MFA, AMR_SOFTWARE_KEY, AMR_USER_VERIFIED
from authgate_common.core.errors import InvalidRequest

from ..text import is_display_text

MAX_NAME = 64
DEFAULT_NAME = "Passkey"


@dataclass(frozen=True)
class Passkey:
    id: str
    user_id: str
    credential_id: bytes
    public_key: bytes  # COSE_Key (RFC 9052 §7), as the authenticator sent it
    sign_count: int
    transports: tuple[str, ...]
    backup_eligible: bool
    backed_up: bool
    name: str
    created_at: datetime
    last_used_at: datetime | None = None


def passkey_amr(passkey: Passkey, user_verified: bool, prior: Sequence[str] = ()) -> list[str]:
    """The methods this use adds to a sign-in that already used `prior`."""
    amr = [AMR_SOFTWARE_KEY if passkey.backup_eligible else AMR_HARDWARE_KEY]
    if user_verified:
        amr.append(AMR_USER_VERIFIED)
    if user_verified or prior:
        amr.append(AMR_MFA)
    return amr


def passkey_name(value: str | None, fallback: str = DEFAULT_NAME) -> str:
    """A name a person gave a passkey: trimmed, NFC, readable text of 1-64 characters."""
    if value is None or not value.strip():
        return fallback
    name = unicodedata.normalize("NFC", value.strip())
    if len(name) > MAX_NAME or not is_display_text(name):
        raise InvalidRequest(f"A passkey's name is 1 to {MAX_NAME} readable characters.")
    return name
