"""JWKS and discovery are cacheable: max-age = JWKS_CACHE_SECONDS, a strong ETag, 304 on
If-None-Match (RFC 9110 §13.1.2), and a new ETag exactly when the key set changes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

DOCUMENTS = ["/.well-known/jwks.json", "/.well-known/openid-configuration",
             "/.well-known/oauth-authorization-server"]


@pytest.fixture
def http(rotating_world):
    world, keys = rotating_world(JWKS_CACHE_SECONDS=120)
    with TestClient(world.service.http_app) as client:
        yield client, keys


@pytest.mark.parametrize("path", DOCUMENTS)
def test_cache_headers_and_conditional_get(http, path) -> None:
    client, _ = http
    first = client.get(path)
    assert first.status_code == 200 and first.headers["cache-control"] == "public, max-age=120"
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert client.get(path).headers["etag"] == etag  # stable
    for header in (etag, f'"other", {etag}', f"W/{etag}", "*"):
        again = client.get(path, headers={"If-None-Match": header})
        assert again.status_code == 304 and again.content == b"", header
        assert again.headers["etag"] == etag and again.headers["cache-control"] == "public, max-age=120"
    stale = client.get(path, headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.json() == first.json()


def test_rotation_changes_the_jwks_etag_not_the_discovery_one(http) -> None:
    client, keys = http
    jwks, meta = client.get(DOCUMENTS[0]), client.get(DOCUMENTS[1])
    cached_kids = {k["kid"] for k in jwks.json()["keys"]}
    outcome = keys.rotate(force=True)
    changed = client.get(DOCUMENTS[0], headers={"If-None-Match": jwks.headers["etag"]})
    assert changed.status_code == 200 and changed.headers["etag"] != jwks.headers["etag"]
    assert outcome.current_kid in cached_kids  # the cached copy already held the new signer
    assert {k["kid"] for k in changed.json()["keys"]} == {k.kid for k in outcome.keys}
    assert client.get(DOCUMENTS[1], headers={"If-None-Match": meta.headers["etag"]}).status_code == 304
