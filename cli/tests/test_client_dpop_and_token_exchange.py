"""`authgate client create|update --dpop-bound --token-exchange --exchange-audience`: DPoP-bound
tokens (RFC 9449 §5.2) and the token exchange policy (RFC 8693) travel, are shown, and can be
changed or turned off; a wrong mode is refused before any call."""

from __future__ import annotations

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
API = ["client", "create", "--client-id", "api", "--scope", "read", "--grant-type", "client_credentials",
       "--grant-type", EXCHANGE]


def test_create_with_the_policy_registers_and_shows_it(services, run):
    result = run(*API, "--dpop-bound", "--token-exchange", "impersonation,delegation",
                 "--exchange-audience", "https://api.example", "--exchange-audience", "web",
                 "--exchange-audience", "web", "--json")
    assert result.code == 0, result.err
    client = services.authorization.clients["api"]
    assert client.dpop_bound_access_tokens
    assert client.token_exchange_impersonation and client.token_exchange_delegation
    assert list(client.token_exchange_subject_audiences) == ["https://api.example", "web"]
    data = result.json()
    assert (data["dpop_bound_access_tokens"], data["token_exchange_impersonation"],
            data["token_exchange_delegation"]) == (True, True, True)
    assert data["token_exchange_subject_audiences"] == ["https://api.example", "web"]


def test_the_mode_repeats_and_a_client_without_options_has_no_policy(services, run):
    assert run(*API, "--token-exchange", "delegation").code == 0
    client = services.authorization.clients["api"]
    assert client.token_exchange_delegation and not client.token_exchange_impersonation
    plain = run("client", "create", "--client-id", "web", "--redirect-uri", "https://app/cb", "--json")
    assert plain.code == 0, plain.err
    data = plain.json()
    assert not data["dpop_bound_access_tokens"] and not data["token_exchange_impersonation"]
    assert not data["token_exchange_delegation"] and data["token_exchange_subject_audiences"] == []


def test_a_wrong_mode_is_refused_before_any_call(services, run):
    for mode in ("delegate", "none,delegation"):
        result = run(*API, "--token-exchange", mode)
        assert result.code == 1 and "invalid_request" in result.err
    assert services.authorization.clients == {}


def test_update_changes_them_by_field_mask(services, run):
    assert run(*API, "--token-exchange", "impersonation", "--exchange-audience", "web").code == 0
    assert run("client", "update", "api", "--dpop-bound").code == 0
    assert run("client", "update", "api", "--token-exchange", "delegation",
               "--exchange-audience", "urn:orders").code == 0
    client = services.authorization.clients["api"]
    assert client.dpop_bound_access_tokens and client.token_exchange_delegation
    assert not client.token_exchange_impersonation
    assert list(client.token_exchange_subject_audiences) == ["urn:orders"]
    assert run("client", "update", "api", "--no-dpop-bound", "--token-exchange", "none",
               "--clear", "token_exchange_subject_audiences").code == 0
    assert not client.dpop_bound_access_tokens and not client.token_exchange_delegation
    assert list(client.token_exchange_subject_audiences) == []
    assert [list(r.update_mask.paths) for r in services.authorization.requests] == [
        ["dpop_bound_access_tokens"],
        ["token_exchange_impersonation", "token_exchange_delegation", "token_exchange_subject_audiences"],
        ["dpop_bound_access_tokens", "token_exchange_impersonation", "token_exchange_delegation",
         "token_exchange_subject_audiences"]]
