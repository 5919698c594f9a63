"""Which addresses the server may POST a logout token to (Back-Channel Logout 1.0 §2.5).

The server makes this request itself, from inside the network, to a URI any client
registers: without a check it reaches what only the server can (server-side request
forgery).

Refused: loopback (unless allowed, for development), private (RFC 1918, unique-local
fc00::/7), link-local (169.254/16 with the cloud metadata address, fe80::/10),
unspecified, multicast, shared (CGNAT 100.64/10) and other reserved or non-global
ranges, and IPv6 forms that carry one of those IPv4 addresses (mapped ::ffff:0:0/96,
NAT64 64:ff9b::/96, 6to4 2002::/16). The poster applies this to every address a name
resolves to, at connect time; registration applies it to IP literals.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598, carrier-grade NAT
# RFC 1918, unique-local (RFC 4193) and the deprecated site-local: named for the message;
# every other non-global range is refused as reserved.
_PRIVATE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                    "fc00::/7", "fec0::/10"))


def _translated_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, or NAT64's well-known prefix)."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def _kind(addr: IPAddress) -> str:
    """Why `addr` is not a public unicast address, or "" when it is."""
    if addr.is_loopback:
        return "loopback"
    if addr.is_unspecified:
        return "unspecified"
    if addr.is_link_local:
        return "link-local"
    if addr.is_multicast:
        return "multicast"
    if any(addr in net for net in _PRIVATE):
        return "private"
    if addr in _SHARED:
        return "shared (CGNAT)"
    if addr.is_reserved or addr.is_private or not addr.is_global:
        return "reserved"
    return ""


@dataclass(frozen=True)
class TargetPolicy:
    """`allow_loopback`: development only (a receiver on this machine).
    `require_https`: everywhere but development."""

    allow_loopback: bool = False
    require_https: bool = True

    def refusal(self, address: str | IPAddress) -> str:
        """Why the server must not connect to `address`, or "" when it may."""
        addr = ipaddress.ip_address(address) if isinstance(address, str) else address
        if isinstance(addr, ipaddress.IPv6Address):
            if (translated := _translated_ipv4(addr)) is not None:
                return self.refusal(translated)
            # 6to4 is routed through the IPv4 address it carries; Teredo is never global.
            if addr.sixtofour is not None and (why := self.refusal(addr.sixtofour)):
                return why
        kind = _kind(addr)
        if kind == "loopback" and self.allow_loopback:
            return ""
        return f"{addr} is {kind}" if kind else ""

    def scheme_refusal(self, scheme: str) -> str:
        if scheme == "https" or (scheme == "http" and not self.require_https):
            return ""
        return f"scheme {scheme!r} is not allowed (https only outside development)"
