"""Where a request came from: the one rule for the client's address.

Services are reachable only through Envoy (use_remote_address: true), which sets
x-envoy-external-address for external peers and appends the peer it saw to
X-Forwarded-For; the rightmost entry is therefore the one Envoy vouches for (with
trusted_hops set, Envoy counts the balancer's entry itself). Without either header,
the TCP peer. At most 64 characters, as every column storing it.
"""

from __future__ import annotations


def client_address(external: str | None, forwarded: str | None, peer_host: str | None) -> str:
    if external:
        return external[:64]
    if forwarded:
        return forwarded.rsplit(",", 1)[-1].strip()[:64]
    return str(peer_host)[:64] if peer_host else ""
