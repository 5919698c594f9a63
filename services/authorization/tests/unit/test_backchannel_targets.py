"""Where back-channel logout tokens may go: public unicast addresses only, loopback in
development by a setting, https outside development (issue 15, defect 6: SSRF). The
registration refuses IP literals of forbidden ranges up front; a refused delivery is
given up on at once and audited (test_backchannel_logout.py)."""

from __future__ import annotations

import secrets

import pydantic
import pytest
from authgate_common.core.errors import InvalidRequest
from authorization_service.domain.backchannel.targets import TargetPolicy
from authorization_service.settings import Settings

STRICT = TargetPolicy()
DEVELOPMENT = TargetPolicy(allow_loopback=True, require_https=False)

REFUSED = {
    "127.0.0.1": "loopback",
    "127.255.0.9": "loopback",
    "::1": "loopback",
    "::ffff:127.0.0.1": "loopback",
    "64:ff9b::7f00:1": "loopback",  # NAT64 of 127.0.0.1
    "2002:7f00:1::1": "loopback",  # 6to4 carrying 127.0.0.1
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "172.31.255.254": "private",
    "192.168.1.1": "private",
    "::ffff:10.0.0.1": "private",
    "::ffff:192.168.0.1": "private",
    "fc00::1": "private",
    "fd00:ec2::254": "private",  # AWS's IPv6 metadata address
    "fec0::1": "private",  # deprecated site-local
    "169.254.169.254": "link-local",  # cloud metadata
    "169.254.0.1": "link-local",
    "::ffff:169.254.169.254": "link-local",
    "fe80::1": "link-local",
    "fe80::1%1": "link-local",
    "0.0.0.0": "unspecified",
    "::": "unspecified",
    "::ffff:0.0.0.0": "unspecified",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "ff02::1": "multicast",
    "ff0e::1": "multicast",
    "100.64.0.1": "shared (CGNAT)",
    "100.127.255.254": "shared (CGNAT)",
    "::ffff:100.64.0.1": "shared (CGNAT)",
    "240.0.0.1": "reserved",
    "255.255.255.255": "reserved",
    "192.0.2.1": "reserved",  # documentation
    "198.18.0.1": "reserved",  # benchmarking
    "2001:db8::1": "reserved",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2": "reserved",  # Teredo
    "::127.0.0.1": "reserved",  # IPv4-compatible (deprecated)
}
ALLOWED = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8",
           "64:ff9b::808:808", "2002:808:808::1"]


@pytest.mark.parametrize(("address", "kind"), REFUSED.items())
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    assert STRICT.refusal(address).endswith(f"is {kind}")


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert STRICT.refusal(address) == ""


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.0.0.53"])
def test_loopback_is_allowed_only_by_the_setting(address: str) -> None:
    assert STRICT.refusal(address) and DEVELOPMENT.refusal(address) == ""


@pytest.mark.parametrize("address", ["10.0.0.1", "169.254.169.254", "fc00::1", "100.64.0.1", "0.0.0.0"])
def test_allowing_loopback_allows_nothing_else(address: str) -> None:
    assert DEVELOPMENT.refusal(address)


def test_https_only_outside_development() -> None:
    assert STRICT.scheme_refusal("https") == "" and STRICT.scheme_refusal("http")
    assert DEVELOPMENT.scheme_refusal("http") == ""
    assert DEVELOPMENT.scheme_refusal("ftp")


def test_allowing_loopback_is_refused_outside_development() -> None:
    key = secrets.token_urlsafe(32)
    assert Settings(_env_file=None, SECRET_KEY=key).BACKCHANNEL_LOGOUT_ALLOW_LOOPBACK is False  # type: ignore[call-arg]
    assert Settings(_env_file=None, SECRET_KEY=key, BACKCHANNEL_LOGOUT_ALLOW_LOOPBACK=True)  # type: ignore[call-arg]
    with pytest.raises(pydantic.ValidationError, match="BACKCHANNEL_LOGOUT_ALLOW_LOOPBACK"):
        Settings(_env_file=None, SECRET_KEY=key, ENVIRONMENT="production",  # type: ignore[call-arg]
                 BACKCHANNEL_LOGOUT_ALLOW_LOOPBACK=True)


@pytest.mark.parametrize("uri", [
    "https://10.0.0.5/logout",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00:ec2::254]/",
    "https://[::ffff:192.168.0.1]:8443/bc",
    "https://[fe80::1]/bc",
    "https://100.64.0.1/bc",
    "https://0.0.0.0/bc",
    "https://224.0.0.1/bc",
])
def test_registering_a_forbidden_ip_literal_is_invalid_request(core, uri: str) -> None:
    with pytest.raises(InvalidRequest, match="public host"):
        core.register(backchannel_logout_uri=uri)


@pytest.mark.parametrize("uri", ["http://127.0.0.1:8080/bc", "https://[::1]/bc", "https://8.8.8.8/bc",
                                 "https://rp.example/bc"])
def test_loopback_public_literals_and_names_stay_registrable(core, uri: str) -> None:
    client, _ = core.register(backchannel_logout_uri=uri)
    assert client.backchannel_logout_uri == uri
