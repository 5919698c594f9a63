"""Abuse limits at the gateway (issue 7 §1): past the per-address limit, /token,
/introspect, /revoke and the login page answer 429 with Retry-After. A second Envoy with
tiny limits fronts the same services, so the shared gateway's buckets stay untouched."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from authgate_devstack.stack import Stack
from flowkit import extra_gateway

LIMIT = 5


@pytest.fixture(scope="module")
def strict_gateway(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    limits = {"oauth": {"requests": LIMIT, "per_seconds": 60},
              "login": {"requests": LIMIT, "per_seconds": 60}}
    with extra_gateway(stack, tmp_path_factory.mktemp("strict"), rate_limits=limits) as url:
        yield url


@pytest.mark.parametrize("requests", [
    # /token, /introspect and /revoke share the `oauth` limit; the login page has its own.
    [("POST", "/api/v1/oauth/token"), ("POST", "/api/v1/oauth/introspect"),
     ("POST", "/api/v1/oauth/revoke")],
    [("GET", "/api/v1/sso/login"), ("POST", "/api/v1/sso/login")]], ids=["oauth", "login"])
def test_past_the_limit_is_429_with_retry_after(strict_gateway: str,
                                                requests: list[tuple[str, str]]) -> None:
    statuses = []
    with httpx.Client(base_url=strict_gateway, timeout=10) as client:
        for i in range(LIMIT * 3):
            method, path = requests[i % len(requests)]
            resp = client.request(method, path, data={"grant_type": "client_credentials"}
                                  if method == "POST" else None)
            statuses.append(resp.status_code)
            if resp.status_code == 429:
                assert int(resp.headers["retry-after"]) > 0
                break
    assert 429 in statuses, statuses
    assert all(s != 429 for s in statuses[:LIMIT]), statuses  # the first ones pass


def test_unlimited_routes_are_not_counted(strict_gateway: str) -> None:
    with httpx.Client(base_url=strict_gateway, timeout=10) as client:
        codes = {client.get("/.well-known/openid-configuration").status_code for _ in range(LIMIT * 3)}
    assert codes == {200}
