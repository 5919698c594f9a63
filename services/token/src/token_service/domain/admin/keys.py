"""The admin API's signing keys: what ListSigningKeys shows the operator (never private
material), and the operator's rotation (RotateSigningKeys) with its rule: without `force`
the next key must have been published longer than verifiers cache the JWKS (OpenID
Connect Core §10.1.1), else nothing changes and the caller hears when it may (409,
Retry-After). Audited as `admin.key.rotated` with the acting client."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

from authgate_common.core.admin_api import Acting
from authgate_common.core.errors import RETRY_AFTER_KEY, OAuthError

from ..keys.signing_keys import KeyInfo, RotationOutcome, SigningKeys


class RotationNotDue(OAuthError):
    error, status_code, grpc_code = "rotation_not_due", 409, "FAILED_PRECONDITION"
    default_description = "The next key is not in every cached JWKS yet."


class KeyAdmin:
    def __init__(self, signing_keys: SigningKeys,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._keys = signing_keys
        self._now = now

    def list(self) -> list[KeyInfo]:
        """Oldest first: retired, current, next."""
        return self._keys.describe()

    def rotate(self, force: bool, by: Acting) -> RotationOutcome:
        outcome = self._keys.rotate(force, by)
        if not outcome.rotated:
            when = outcome.not_before or self._now()
            wait = max(1, math.ceil((when - self._now()).total_seconds()))
            raise RotationNotDue(
                f"The next key is not in every cached JWKS yet: rotation is allowed from "
                f"{when.isoformat(timespec='seconds')} (force=true rotates now).",
                metadata={RETRY_AFTER_KEY: str(wait)})
        return outcome
