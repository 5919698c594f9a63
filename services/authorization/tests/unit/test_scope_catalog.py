"""The scope catalogue on the faked core: what a scope or an API may look like, every change
audited and counted, nothing deleted while something still names it, and the rest of the
service (registration, /authorize, the consent page) reading it."""

from __future__ import annotations

import pytest
from authgate_common.core.admin_api import by_admin_client
from authgate_common.core.errors import InvalidRequest, InvalidScope, NotFound
from authgate_common.core.scope_catalog import Api, Scope
from authorization_fakes import ISSUER
from authorization_service.domain.catalog.rules import InUse
from authorization_service.domain.models import Client
from fastapi.testclient import TestClient

ORDERS = Api("orders", "https://orders.example.com", "The order service")
READ_ORDERS = Scope("orders:read", "Read your orders", api="orders", claims=("roles",),
                    access_token_claims=("roles",))


def events(core, type_: str) -> list:
    return [e for e in core.uow.repos.audit.events if e.type == type_]


@pytest.fixture
def book(core):
    book = core.service.catalog
    book.put_api(ORDERS)
    book.put_scope(READ_ORDERS)
    return book


def test_the_seed_and_the_built_ins_are_there_from_the_start(core) -> None:
    catalog = core.service.catalog.catalog()
    names = [s.name for s in catalog.scopes]
    assert names[:4] == ["openid", "profile", "email", "account"] and "admin:users" in names
    assert {"read", "write", "admin"} <= set(names)
    assert catalog.api("default").audience == "urn:authgate:api"
    assert catalog.api_scopes("default") == ["admin", "read", "write"]
    assert all(s.builtin for s in catalog.scopes if s.name in ("openid", "profile", "admin:users"))


def test_a_put_is_audited_counted_and_seen_at_once(core, book) -> None:
    catalog = book.catalog()
    assert catalog.scope("orders:read") == READ_ORDERS
    assert catalog.audiences(["openid", "orders:read"]) == ["https://orders.example.com"]
    assert catalog.revision == 3  # the seed, then two changes
    assert [e.subject for e in events(core, "catalog.api.put")] == ["orders"]
    put = events(core, "catalog.scope.put")[0]
    assert put.subject == "orders:read" and put.actor == "operator" and put.details["created"] is True
    # The same again writes nothing and counts nothing.
    assert book.put_scope(READ_ORDERS).changed is False and book.catalog().revision == 3


def test_an_admin_client_is_named_as_the_actor(core) -> None:
    core.service.catalog.put_api(ORDERS, by_admin_client("ops"))
    assert [(e.actor, e.client_id) for e in events(core, "admin.catalog.api.put")] == [("client:ops", "ops")]


@pytest.mark.parametrize("scope", [
    Scope("openid"), Scope("profile"), Scope("admin:users"), Scope("admin:anything"),
    Scope(""), Scope("has space"), Scope('quote"'), Scope("back\\slash"), Scope("x" * 65),
    Scope("ok", api="nope"), Scope("ok", claims=("sub",)), Scope("ok", access_token_claims=("aud",)),
    Scope("ok", claims=("exp",)), Scope("ok", claims=("bad name",)), Scope("ok", description="a\nb"),
    Scope("ok", claims=tuple(f"c{i}" for i in range(33))),
])
def test_a_malformed_scope_is_invalid_request(core, scope) -> None:
    with pytest.raises(InvalidRequest):
        core.service.catalog.put_scope(scope)
    assert events(core, "catalog.scope.put") == []


@pytest.mark.parametrize("api", [
    Api("orders", "not a uri"), Api("orders", "relative/path"), Api("orders", ""),
    Api("orders", "https://x.example/#frag"), Api("bad name", "urn:x:y"), Api("orders", "urn:x:" + "y" * 260),
    Api("orders", "urn:authgate:api"),  # the default API's
    Api("orders", ISSUER), Api("orders", ISSUER + "/api/v1/admin"), Api("orders", ISSUER + "/api/v1/account"),
])
def test_a_malformed_or_taken_audience_is_invalid_request(core, api) -> None:
    with pytest.raises(InvalidRequest):
        core.service.catalog.put_api(api)


def test_nothing_goes_while_something_names_it(core, book) -> None:
    with pytest.raises(InUse) as refused:
        book.delete_api("orders")
    assert refused.value.grpc_code == "FAILED_PRECONDITION" and refused.value.error == "invalid_request"
    core.register("shop", scopes=("openid", "orders:read"))
    with pytest.raises(InUse, match="shop"):
        book.delete_scope("orders:read")
    core.service.updates.update("shop", {"scopes": ["openid"]})
    book.delete_scope("orders:read")
    book.delete_api("orders")
    assert book.catalog().scope("orders:read") is None and book.catalog().api("orders") is None
    assert [e.subject for e in events(core, "catalog.scope.deleted")] == ["orders:read"]


def test_built_ins_cannot_go_and_unknown_ones_are_not_found(core) -> None:
    for name in ("openid", "account", "admin:users"):
        with pytest.raises(InvalidRequest):
            core.service.catalog.delete_scope(name)
    with pytest.raises(NotFound):
        core.service.catalog.delete_scope("nothing")
    with pytest.raises(NotFound):
        core.service.catalog.delete_api("nothing")


def test_a_client_may_be_registered_with_any_catalogue_scope_and_no_other(core, book) -> None:
    client, _ = core.register("shop", scopes=("openid", "orders:read"))
    assert client.scopes == ("openid", "orders:read")
    with pytest.raises(InvalidRequest, match="Unknown scope"):
        core.register("other", scopes=("openid", "orders:write"))
    with pytest.raises(InvalidRequest, match="Unknown scope"):
        core.service.updates.update("shop", {"scopes": ["orders:write"]})
    with pytest.raises(InvalidRequest):
        core.service.registry.create(Client("bad", scopes=("has space",), redirect_uris=("https://a.example/cb",)))


def test_authorize_accepts_a_catalogue_scope_and_refuses_a_removed_one(core, book, pkce) -> None:
    core.register("web", scopes=("openid", "orders:read", "write"))
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], scope="openid orders:read"))
    assert "code" in core.query(outcome.location)
    core.service.updates.update("web", {"scopes": ["openid", "orders:read"]})
    book.delete_scope("write")
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], scope="openid write"))
    assert core.query(outcome.location)["error"] == InvalidScope.error


def test_the_consent_page_shows_each_scope_in_the_catalogues_words_escaped(core, book, pkce) -> None:
    book.put_scope(Scope("orders:read", '<img src=x onerror="alert(1)"> Read your orders', api="orders"))
    core.register("tp", first_party=False, scopes=("openid", "orders:read"))
    cookie, _ = core.sessions.sign_in("alice")
    with TestClient(core.service.http_app, follow_redirects=False) as http:
        http.cookies.set("__Host-sso_session", cookie)
        page = http.get("/api/v1/oauth/authorize",
                        params=core.valid_params(pkce[1], client_id="tp", scope="openid orders:read"))
    assert page.status_code == 200
    assert "<li>Confirm your identity</li>" in page.text
    assert "<li>&lt;img src=x onerror=&#34;alert(1)&#34;&gt; Read your orders</li>" in page.text
    assert "<img" not in page.text
