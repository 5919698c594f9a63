"""`authgate client create|list|delete` against a fake authorization service."""

from __future__ import annotations

WEB = [
    "client",
    "create",
    "--client-id",
    "web",
    "--redirect-uri",
    "https://app/cb",
    "--redirect-uri",
    "https://app/cb2",
    "--scope",
    "openid read write",
    "--scope",
    "profile read",
    "--grant-type",
    "authorization_code",
    "--grant-type",
    "refresh_token",
    "--first-party",
    "--audience",
    "https://api",
    "--name",
    "Web app",
]


def test_create_sends_what_the_operator_asked(services, run):
    result = run(*WEB)
    assert result.code == 0, result.err
    client = services.authorization.clients["web"]
    assert list(client.redirect_uris) == ["https://app/cb", "https://app/cb2"]
    assert list(client.scopes) == ["openid", "read", "write", "profile"]
    assert list(client.grant_types) == ["authorization_code", "refresh_token"]
    assert client.client_type == "confidential"
    assert client.token_endpoint_auth_method == "client_secret_basic"
    assert client.first_party and not client.pkce_optional
    assert list(client.audiences) == ["https://api"] and client.name == "Web app"


def test_generated_secret_is_shown_once_with_a_warning(services, run):
    result = run(*WEB)
    secret = services.authorization.secrets["web"]
    assert result.out.count(secret) == 1
    assert "cannot be shown again" in result.out
    listed = run("client", "list")
    assert listed.code == 0 and secret not in listed.out
    assert "web" in listed.out


def test_given_secret_and_json_output(services, run):
    secret = "s" * 40
    result = run(
        "client",
        "create",
        "--client-id",
        "api",
        "--client-secret",
        secret,
        "--grant-type",
        "client_credentials",
        "--scope",
        "read",
        "--json",
    )
    assert result.code == 0, result.err
    data = result.json()  # a single JSON document: no warning line mixed in
    assert data["client_secret"] == secret
    assert data["client_id"] == "api" and data["grant_types"] == ["client_credentials"]
    assert data["created_at"] == "2023-11-14T22:13:20Z"


def test_defaults_to_the_authorization_code_grant(services, run):
    assert run("client", "create", "--client-id", "c", "--redirect-uri", "https://c/cb").code == 0
    assert list(services.authorization.clients["c"].grant_types) == ["authorization_code"]


def test_public_client_has_no_secret(services, run):
    result = run(
        "--json",
        "client",
        "create",
        "--client-id",
        "spa",
        "--public",
        "--redirect-uri",
        "https://spa/cb",
        "--scope",
        "openid",
    )
    assert result.code == 0, result.err
    data = result.json()
    assert data["client_type"] == "public" and data["token_endpoint_auth_method"] == "none"
    assert "client_secret" not in data


def test_public_client_with_a_secret_is_refused_locally(services, run):
    result = run("client", "create", "--client-id", "spa", "--public", "--client-secret", "x" * 40)
    assert result.code == 1 and "invalid_request" in result.err
    assert services.authorization.clients == {}


def test_short_secret_error_comes_from_the_service(services, run):
    result = run("client", "create", "--client-id", "c", "--client-secret", "short")
    assert result.code == 1
    assert result.err.strip() == (
        "authgate: invalid_request: The client secret must be at least 32 characters."
    )


def test_list_json_and_delete(services, run):
    run(*WEB)
    run("client", "create", "--client-id", "api", "--grant-type", "client_credentials")
    listed = run("client", "list", "--json").json()
    assert [c["client_id"] for c in listed] == ["api", "web"]
    assert all("client_secret" not in c for c in listed)

    deleted = run("client", "delete", "--client-id", "web", "--json")
    assert deleted.code == 0 and deleted.json() == {"client_id": "web", "deleted": True}
    assert list(services.authorization.clients) == ["api"]
    again = run("client", "delete", "--client-id", "web")
    assert again.code == 1 and "not_found" in again.err


def test_logout_registration_flags(services, run):
    result = run(
        *WEB,
        "--post-logout-redirect-uri",
        "https://app/bye",
        "--post-logout-redirect-uri",
        "https://app/bye",
        "--post-logout-redirect-uri",
        "https://app/bye2",
        "--backchannel-logout-uri",
        "https://app/bc",
        "--json",
    )
    assert result.code == 0, result.err
    client = services.authorization.clients["web"]
    assert list(client.post_logout_redirect_uris) == ["https://app/bye", "https://app/bye2"]
    assert client.backchannel_logout_uri == "https://app/bc"
    data = result.json()
    assert data["post_logout_redirect_uris"] == ["https://app/bye", "https://app/bye2"]
    assert data["backchannel_logout_uri"] == "https://app/bc"
