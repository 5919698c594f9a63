"""POSTing a logout token to a client's backchannel_logout_uri (Back-Channel Logout 1.0
§2.5), as the core's LogoutPoster.

Form-encoded `logout_token`, a timeout on every phase of the call, redirects not
followed (a client's logout endpoint answers itself, §2.8), nothing read beyond the
status. 2xx is success (200, or 204 from frameworks that send it); 408, 425, 429 and
5xx, timeouts and network errors are worth retrying; any other answer is final.
"""

from __future__ import annotations

import httpx

from ..domain.backchannel.ports import DeliveryFailed

RETRYABLE_STATUS = frozenset({408, 425, 429})


class HttpLogoutPoster:
    def __init__(self, timeout_seconds: float) -> None:
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=False,
            headers={"User-Agent": "authgate-backchannel-logout"},
        )

    def post(self, uri: str, logout_token: str) -> None:
        try:
            resp = self._client.post(
                uri, data={"logout_token": logout_token}, headers={"Cache-Control": "no-store"}
            )
        except httpx.TimeoutException as exc:
            raise DeliveryFailed(f"timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"request failed ({type(exc).__name__})") from exc
        if 200 <= resp.status_code < 300:
            return
        retryable = resp.status_code >= 500 or resp.status_code in RETRYABLE_STATUS
        raise DeliveryFailed(f"answered HTTP {resp.status_code}", permanent=not retryable)

    def close(self) -> None:
        self._client.close()
