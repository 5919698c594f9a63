"""Client registration rules (RFC 6749 §2, §3.1.2; RFC 8252 §7; RFC 9700 §2.1.1)."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import AlreadyExists, InvalidRequest, NotFound
from authorization_service.domain.models import Client


def test_confidential_client_gets_a_generated_256_bit_secret(core) -> None:
    client, secret = core.register()
    assert client.client_type == "confidential"
    assert client.token_endpoint_auth_method == "client_secret_basic"
    assert len(secret) >= 43  # 32 bytes, base64url
    stored = core.uow.repos.clients.rows["web"]
    assert stored.secret_hash and secret not in stored.secret_hash
    assert stored.created_at == core.clock.now()


def test_supplied_secret_is_kept_when_long_enough(core) -> None:
    _, secret = core.register(secret="s" * 32)
    assert secret == "s" * 32


def test_short_supplied_secret_is_refused(core) -> None:
    with pytest.raises(InvalidRequest):
        core.register(secret="s" * 31)


def test_public_client_has_no_secret(core) -> None:
    client, secret = core.register(client_type="public")
    assert secret == "" and client.token_endpoint_auth_method == "none"
    assert core.uow.repos.clients.rows["web"].secret_hash == ""


@pytest.mark.parametrize("fields", [
    {"client_type": "public", "pkce_optional": True},
    {"client_type": "public", "grant_types": ("client_credentials",)},
    {"client_type": "public", "token_endpoint_auth_method": "client_secret_basic"},
    {"token_endpoint_auth_method": "none"},
    {"client_type": "spa"},
    {"scopes": ("openid", "superuser")},
    {"grant_types": ("password",)},
    {"redirect_uris": ()},
    {"redirect_uris": ("/relative/cb",)},
    {"redirect_uris": ("https://app.example/cb#frag",)},
    {"redirect_uris": ("http://app.example/cb",)},
    {"redirect_uris": ("javascript:alert(1)",)},
    {"redirect_uris": ("https://app.example/c b",)},
    {"redirect_uris": ("https://app.example/cb\r\nX: y",)},
    {"audiences": ("",)},
])
def test_invalid_registrations_are_invalid_request(core, fields) -> None:
    with pytest.raises(InvalidRequest):
        core.register(**fields)


@pytest.mark.parametrize("client_id", ["", "a b", "a:b", "x" * 129, "é", "tab\there"])
def test_client_id_must_be_printable_ascii(core, client_id) -> None:
    with pytest.raises(InvalidRequest):
        core.register(client_id=client_id)


@pytest.mark.parametrize("uri", [
    "https://app.example/cb?x=1", "http://localhost:8080/cb", "http://127.0.0.1/cb",
    "com.example.app:/oauth2redirect", "myapp://callback"])
def test_acceptable_redirect_uris(core, uri) -> None:
    client, _ = core.register(redirect_uris=(uri,))
    assert client.redirect_uris == (uri,)


def test_confidential_client_may_make_pkce_optional(core) -> None:
    client, _ = core.register(pkce_optional=True, token_endpoint_auth_method="client_secret_post")
    assert client.pkce_optional and client.token_endpoint_auth_method == "client_secret_post"


def test_duplicate_client_id_already_exists(core) -> None:
    core.register()
    with pytest.raises(AlreadyExists):
        core.register()


def test_get_list_delete(core) -> None:
    core.register("b")
    core.register("a")
    assert [c.client_id for c in core.service.registry.list_clients()] == ["a", "b"]
    assert core.service.registry.get("a").client_id == "a"
    core.service.registry.delete("a")
    with pytest.raises(NotFound):
        core.service.registry.get("a")
    with pytest.raises(NotFound):
        core.service.registry.delete("a")


def test_lists_are_deduplicated(core) -> None:
    registered = core.service.registry.create(Client(
        client_id="dup", redirect_uris=("https://a.example/cb",) * 2, scopes=("read", "read")))
    assert registered.client.redirect_uris == ("https://a.example/cb",)
    assert registered.client.scopes == ("read",)
    assert registered.client.grant_types == ("authorization_code",)


def test_only_a_first_party_client_may_have_the_account_scope(core) -> None:
    with pytest.raises(InvalidRequest):
        core.register("third", scopes=("openid", "account"), first_party=False)
    assert "third" not in core.uow.repos.clients.rows
    client, _ = core.register("mine", scopes=("openid", "account"), first_party=True)
    assert client.scopes == ("openid", "account")
