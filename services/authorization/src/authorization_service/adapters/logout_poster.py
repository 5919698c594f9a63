"""POSTing a logout token to a client's backchannel_logout_uri (Back-Channel Logout 1.0
§2.5), as the core's LogoutPoster.

Form-encoded `logout_token`, a timeout on every phase of the call, redirects not
followed (a client's logout endpoint answers itself, §2.8), nothing read beyond the
status. 2xx is success (200, or 204 from frameworks that send it); 408, 425, 429 and
5xx, timeouts and network errors are worth retrying; any other answer is final.

Where it connects is checked when it connects: httpcore's network backend is wrapped so
that the host is resolved once, every address it resolves to is checked against the
TargetPolicy, and the socket goes to a checked address, while TLS (SNI and the
certificate check) and the Host header keep the name. A name that resolves to a
loopback or private address, or is re-pointed there after registration (DNS
rebinding), is refused: DeliveryRefused, never retried. Proxies from the environment
are ignored, so the connection is always the checked one.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable

import httpcore
import httpx

from ..domain.backchannel.ports import DeliveryFailed, DeliveryRefused
from ..domain.backchannel.targets import TargetPolicy

RETRYABLE_STATUS = frozenset({408, 425, 429})
# host, port -> the addresses it resolves to (tests inject their own).
Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class TargetRefused(Exception):
    """Raised inside the transport; httpx passes exceptions it does not know through."""


class CheckedBackend(httpcore.NetworkBackend):
    """httpcore's own sync backend, connecting only to addresses the policy allows."""

    def __init__(self, policy: TargetPolicy, resolver: Resolver = resolve,
                 backend: httpcore.NetworkBackend | None = None) -> None:
        self._policy = policy
        self._resolve = resolver
        self._backend = backend or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None) -> httpcore.NetworkStream:
        try:
            addresses = self._resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        # Every address is checked, not only the one used: a name is refused as a whole.
        for address in addresses:
            if why := self._policy.refusal(address.split("%", 1)[0]):
                named = "" if address == host else f"{host} resolves to "
                raise TargetRefused(f"refused: {named}{why}")
        *others, last = addresses
        for address in others:  # as socket.create_connection would: the next on failure
            try:
                return self._backend.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
        return self._backend.connect_tcp(last, port, timeout, local_address, socket_options)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
                            ) -> httpcore.NetworkStream:
        raise TargetRefused("refused: a unix socket")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class CheckedTransport(httpx.HTTPTransport):
    """httpx's transport over a pool whose connections go through CheckedBackend. httpx
    0.28 takes no network backend, so the pool it built is replaced by one alike that does."""

    def __init__(self, backend: httpcore.NetworkBackend, limits: httpx.Limits = httpx.Limits()) -> None:
        super().__init__(trust_env=False, limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend)


class HttpLogoutPoster:
    def __init__(self, timeout_seconds: float, policy: TargetPolicy, *, resolver: Resolver = resolve,
                 network_backend: httpcore.NetworkBackend | None = None) -> None:
        """`resolver` and `network_backend` (what connects to a checked address): tests'."""
        self._policy = policy
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=False,
            trust_env=False,
            transport=CheckedTransport(CheckedBackend(policy, resolver, network_backend)),
            headers={"User-Agent": "authgate-backchannel-logout"},
        )

    def post(self, uri: str, logout_token: str) -> None:
        if why := self._policy.scheme_refusal(httpx.URL(uri).scheme):
            raise DeliveryRefused(f"refused: {why}")
        try:
            resp = self._client.post(
                uri, data={"logout_token": logout_token}, headers={"Cache-Control": "no-store"}
            )
        except TargetRefused as exc:
            raise DeliveryRefused(str(exc)) from exc
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
