"""The scope catalogue at the token service: each granted scope's API in `aud` (RFC 9068
§2.2), the claims scopes release into ID tokens, userinfo (OIDC Core §5.4) and access
tokens — never over a claim the server sets —, discovery's lists, and a replica keeping
its last good catalogue while the authorization service cannot answer."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import TemporarilyUnavailable
from authgate_common.core.scope_catalog import DEFAULT_API, SEEDED_SCOPES, Api, Catalog, Scope
from fastapi.testclient import TestClient
from jose import jwt
from token_service.adapters.catalog_client import PolledCatalog
from token_service.domain.endpoints.userinfo import UserInfo
from token_service.domain.ports import Client

ORDERS = Api("orders", "https://orders.example.com")
SCOPES = (*SEEDED_SCOPES,
          Scope("orders:read", "Read your orders", api="orders", claims=("roles", "department"),
                access_token_claims=("roles", "sub", "aud")),
          Scope("badge", "Your badge", claims=("badge_id",)))


@pytest.fixture
def shop(calls):
    world = calls.world
    world.catalog.catalog = Catalog(SCOPES, (DEFAULT_API, ORDERS), revision=7)
    world.authorization.add_client(
        Client("shop", grant_types=("authorization_code", "refresh_token", "client_credentials"),
               scopes=("openid", "profile", "read", "orders:read", "badge")), "shop-secret")
    world.identity.users["u1"].update(roles=["buyer"], department="sales", badge_id="B-7",
                                      sub="someone-else", aud="https://evil.example")
    return calls


AUTH = ("shop", "shop-secret")


def test_a_granted_scopes_api_is_in_aud(shop) -> None:
    resp = shop.sign_in(("openid", "orders:read"), client_id="shop", auth=AUTH)
    assert resp.claims["aud"] == ["shop", "https://orders.example.com"]
    both = shop.sign_in(("openid", "read", "orders:read"), client_id="shop", auth=AUTH)
    assert both.claims["aud"] == ["shop", "urn:authgate:api", "https://orders.example.com"]
    machine = shop.token({"grant_type": "client_credentials", "scope": "orders:read"}, AUTH)
    assert machine.claims["aud"] == ["shop", "https://orders.example.com"]


def test_a_change_of_audience_shows_in_the_next_token(shop) -> None:
    world = shop.world
    moved = Catalog(SCOPES, (DEFAULT_API, Api("orders", "urn:orders:v2")), revision=8)
    world.catalog.catalog = moved
    resp = shop.sign_in(("openid", "orders:read"), client_id="shop", auth=AUTH)
    assert resp.claims["aud"] == ["shop", "urn:orders:v2"]


def test_access_token_claims_come_only_with_a_user_and_never_replace_the_servers(shop) -> None:
    resp = shop.sign_in(("openid", "orders:read"), client_id="shop", auth=AUTH)
    assert resp.claims["roles"] == ["buyer"]
    assert resp.claims["sub"] == "u1" and resp.claims["aud"] == ["shop", "https://orders.example.com"]
    assert "department" not in resp.claims  # an ID-token claim, not an access-token one
    machine = shop.token({"grant_type": "client_credentials", "scope": "orders:read"}, AUTH)
    assert "roles" not in machine.claims


def test_no_access_token_claims_means_no_extra_call(shop) -> None:
    shop.world.identity.named.clear()
    shop.sign_in(("openid", "read"), client_id="shop", auth=AUTH)
    assert shop.world.identity.named == []  # neither the access token nor the ID token asked


def test_the_id_token_carries_what_the_granted_scopes_release(shop) -> None:
    resp = shop.sign_in(("openid", "profile", "badge"), client_id="shop", auth=AUTH)
    claims = jwt.get_unverified_claims(resp.id_token)
    assert claims["badge_id"] == "B-7" and claims["preferred_username"] == "alice"
    assert "roles" not in claims and claims["sub"] == "u1" and claims["aud"] == "shop"
    assert shop.world.identity.named[-1] == ("u1", ("name", "preferred_username", "given_name",
                                                     "family_name", "updated_at", "badge_id"))


def test_userinfo_answers_the_released_claims(shop) -> None:
    world = shop.world
    resp = shop.sign_in(("openid", "orders:read"), client_id="shop", auth=AUTH)
    body = UserInfo(world.service.validator, world.identity, world.catalog).claims(resp.access_token)
    assert body["roles"] == ["buyer"] and body["department"] == "sales" and body["sub"] == "u1"
    assert "aud" not in body and "badge_id" not in body


def test_userinfo_on_a_replica_that_has_not_polled_yet_reads_the_new_scope(shop) -> None:
    """The token was minted by a replica that knew a scope defined a moment ago; userinfo on
    one that has not polled since still releases that scope's claims (it reads at once)."""
    world = shop.world
    resp = shop.sign_in(("openid", "orders:read"), client_id="shop", auth=AUTH)
    reader = _Reader()
    lagging = PolledCatalog(reader, poll_seconds=60)  # type: ignore[arg-type]
    reader.answers = [Catalog(SEEDED_SCOPES, (DEFAULT_API,), revision=1), world.catalog.catalog]
    lagging.refresh()
    body = UserInfo(world.service.validator, world.identity, lagging).claims(resp.access_token)
    assert body["roles"] == ["buyer"] and body["department"] == "sales"


def test_discovery_lists_the_catalogue_but_no_admin_scope(shop) -> None:
    with TestClient(shop.world.service.http_app) as http:
        doc = http.get("/.well-known/openid-configuration").json()
        listed = set(doc["scopes_supported"])
        assert {"openid", "profile", "read", "orders:read", "badge", "account"} <= listed
        assert not [s for s in doc["scopes_supported"] if s.startswith("admin:")]
        assert {"roles", "department", "badge_id", "email", "sub"} <= set(doc["claims_supported"])
        etag = http.get("/.well-known/openid-configuration").headers["etag"]
        shop.world.catalog.catalog = Catalog(SEEDED_SCOPES, (DEFAULT_API,), revision=9)
        again = http.get("/.well-known/openid-configuration")
        assert again.headers["etag"] != etag and "orders:read" not in again.json()["scopes_supported"]


class _Reader:
    def __init__(self) -> None:
        self.answers: list[Catalog | Exception] = []

    def read(self) -> Catalog:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_a_replica_keeps_its_last_good_catalogue() -> None:
    reader = _Reader()
    polled = PolledCatalog(reader, poll_seconds=60)  # type: ignore[arg-type]
    with pytest.raises(TemporarilyUnavailable):
        polled.current()  # never read: issuance must not guess an audience
    first = Catalog(SCOPES, (DEFAULT_API, ORDERS), revision=3)
    reader.answers = [TemporarilyUnavailable(), first, TemporarilyUnavailable(),
                      Catalog((), (), revision=2), Catalog(SEEDED_SCOPES, (DEFAULT_API,), revision=4)]
    assert polled.refresh() is False
    assert polled.refresh() is True and polled.current() is first
    assert polled.refresh() is False and polled.current() is first  # down: the last good copy
    assert polled.refresh() is True and polled.current() is first  # an older revision is ignored
    assert polled.refresh() is True and polled.current().revision == 4


def test_a_scope_defined_since_the_last_poll_is_read_before_a_token_names_it() -> None:
    reader = _Reader()
    polled = PolledCatalog(reader, poll_seconds=60)  # type: ignore[arg-type]
    before = Catalog(SEEDED_SCOPES, (DEFAULT_API,), revision=1)
    after = Catalog(SCOPES, (DEFAULT_API, ORDERS), revision=2)
    reader.answers = [before, after]
    polled.refresh()
    assert polled.covering(["read"]) is before and reader.answers == [after]  # known: no read
    assert polled.covering(["orders:read"]) is after  # unknown: read at once, not at the next poll
    assert after.audiences(["orders:read"]) == ["https://orders.example.com"]
    # Still unknown (a scope deleted meanwhile): at most one forced read per FORCED_GAP.
    reader.answers = [after]
    assert polled.covering(["gone"]) is after and reader.answers == [after]
