"""The token service reads the scope catalogue over gRPC (CatalogService.GetCatalog) and
polls it: a change reaches issuance and discovery within about CATALOG_POLL_SECONDS, and
the last good copy stays in use while the authorization service cannot answer."""

from __future__ import annotations

import base64
import json
import secrets
import time

import pytest
from authgate_common.core.scope_catalog import DEFAULT_API, SEEDED_SCOPES, Api, Catalog, Scope

TOKEN = "/api/v1/oauth/token"


def _aud(token: str) -> list[str]:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["aud"]


@pytest.fixture
def reporting(harness):
    """A client_credentials client registered with a scope of an API the catalogue adds."""
    catalog = harness.fakes.catalog
    before = catalog.catalog
    tag = secrets.token_hex(4)
    scope, audience = f"reports{tag}", f"urn:reports:{tag}"
    client = ("rep-" + tag, secrets.token_urlsafe(32))
    harness.fakes.add_client(*client, grant_types=("client_credentials",), scopes=scope)
    yield catalog, client, scope, audience
    catalog.catalog = before


def _token(harness, client, scope):  # type: ignore[no-untyped-def]
    return harness.http.post(TOKEN, auth=client, data={"grant_type": "client_credentials", "scope": scope})


def test_a_catalogue_change_reaches_issuance_and_discovery_within_a_poll(harness, reporting) -> None:
    catalog, client, scope, audience = reporting
    assert _aud(_token(harness, client, scope).json()["access_token"]) == [client[0]]  # not in it yet
    revision = catalog.catalog.revision + 1
    catalog.catalog = Catalog((*SEEDED_SCOPES, Scope(scope, api="reports")),
                              (DEFAULT_API, Api("reports", audience)), revision)
    started = time.monotonic()
    while audience not in _aud(_token(harness, client, scope).json()["access_token"]):
        assert time.monotonic() - started < 3, "the token service never read the change"
        time.sleep(0.1)
    assert time.monotonic() - started < 2.5  # CATALOG_POLL_SECONDS is 1
    doc = harness.http.get("/.well-known/openid-configuration").json()
    assert scope in doc["scopes_supported"]


def test_the_last_good_catalogue_stays_while_the_reads_fail(harness, reporting) -> None:
    catalog, client, scope, audience = reporting
    catalog.catalog = Catalog((*SEEDED_SCOPES, Scope(scope, api="reports")),
                              (DEFAULT_API, Api("reports", audience)), catalog.catalog.revision + 1)
    deadline = time.monotonic() + 3
    while audience not in _aud(_token(harness, client, scope).json()["access_token"]):
        assert time.monotonic() < deadline
        time.sleep(0.1)

    catalog.failing = True
    try:
        time.sleep(1.5)  # at least one poll refused
        assert catalog.refused >= 1
        resp = _token(harness, client, scope)
        assert resp.status_code == 200 and audience in _aud(resp.json()["access_token"])
    finally:
        catalog.failing = False
