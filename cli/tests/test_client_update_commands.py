"""`authgate client update|rotate-secret` against a fake authorization service: only the
named fields travel (a field mask), and a rotated secret is shown once."""

from __future__ import annotations

from authgate.authorization.v1 import authorization_pb2

WEB = ["client", "create", "--client-id", "web", "--redirect-uri", "https://app/cb", "--scope", "openid read",
       "--post-logout-redirect-uri", "https://app/bye", "--first-party"]


def test_update_sends_only_the_named_fields_and_lists_replace(services, run):
    assert run(*WEB).code == 0
    result = run("client", "update", "web", "--redirect-uri", "https://app/new", "--redirect-uri",
                 "https://app/new", "--scope", "openid profile", "--scope", "read", "--no-first-party",
                 "--json")
    assert result.code == 0, result.err
    [request] = services.authorization.requests
    assert list(request.update_mask.paths) == ["redirect_uris", "scopes", "first_party"]
    assert request.client.client_id == "web"
    client = services.authorization.clients["web"]
    assert list(client.redirect_uris) == ["https://app/new"]
    assert list(client.scopes) == ["openid", "profile", "read"] and not client.first_party
    assert list(client.post_logout_redirect_uris) == ["https://app/bye"]  # not named: untouched
    data = result.json()
    assert data["changed_fields"] == ["redirect_uris", "scopes", "first_party"]
    assert data["redirect_uris"] == ["https://app/new"] and "client_secret" not in data


def test_clear_empties_a_field_and_cannot_contradict_a_value(services, run):
    run(*WEB)
    result = run("client", "update", "web", "--clear", "post_logout_redirect_uris", "--clear",
                 "backchannel_logout_uri")
    assert result.code == 0, result.err
    assert list(services.authorization.requests[0].update_mask.paths) == [
        "post_logout_redirect_uris", "backchannel_logout_uri"]
    assert list(services.authorization.clients["web"].post_logout_redirect_uris) == []
    assert "changed_fields:" in result.out
    both = run("client", "update", "web", "--clear", "redirect_uris", "--redirect-uri", "https://app/x")
    assert both.code == 1 and "invalid_request" in both.err
    assert len(services.authorization.requests) == 1


def test_update_without_a_change_is_refused_locally(services, run):
    run(*WEB)
    result = run("client", "update", "web", "--json")
    assert result.code == 1 and '"error": "invalid_request"' in result.err
    assert services.authorization.requests == []


def test_an_unchanged_update_says_so(services, run):
    run(*WEB)
    result = run("client", "update", "web", "--first-party")
    assert result.code == 0 and "nothing changed" in result.out


def test_update_and_rotation_of_an_unknown_client_are_not_found(services, run):
    for argv in (["update", "ghost", "--name", "x"], ["rotate-secret", "ghost"]):
        result = run("client", *argv)
        assert result.code == 1 and "not_found" in result.err, argv


def test_an_id_starting_with_a_dash_is_still_an_id(services, run):
    services.authorization.clients["-web"] = authorization_pb2.Client(client_id="-web")
    result = run("client", "update", "--client-id=-web", "--name", "Dash")
    assert result.code == 0, result.err
    assert services.authorization.clients["-web"].name == "Dash"
    result = run("client", "update", "--name", "Dashed", "--", "-web")
    assert result.code == 0, result.err
    assert services.authorization.clients["-web"].name == "Dashed"


def test_rotate_secret_shows_the_new_secret_once(services, run):
    run(*WEB)
    old = services.authorization.secrets["web"]
    result = run("client", "rotate-secret", "web")
    assert result.code == 0, result.err
    new = services.authorization.secrets["web"]
    assert new != old and result.out.count(new) == 1 and old not in result.out
    assert "cannot be shown again" in result.out and "previous secret no longer works" in result.out
    data = run("client", "rotate-secret", "web", "--json").json()  # one JSON document, no note
    assert data["client_secret"] == services.authorization.secrets["web"] and data["client_id"] == "web"


def test_rotate_secret_to_one_read_from_stdin(services, run):
    run(*WEB)
    given = "g" * 40
    result = run("client", "rotate-secret", "web", "--client-secret-stdin", stdin=given + "\n")
    assert result.code == 0, result.err
    assert services.authorization.requests[-1].client_secret == given
    empty = run("client", "rotate-secret", "web", "--client-secret-stdin", stdin="")
    assert empty.code == 1 and "invalid_request" in empty.err
    short = run("client", "rotate-secret", "web", "--client-secret-stdin", stdin="short")
    assert short.code == 1 and "at least 32 characters" in short.err


def test_a_client_without_secret_has_none_to_rotate(services, run):
    created = run("client", "create", "--client-id", "spa", "--public", "--redirect-uri", "https://spa/cb")
    assert created.code == 0
    result = run("client", "rotate-secret", "spa")
    assert result.code == 1
    assert result.err.strip() == "authgate: invalid_request: A public client has no secret to rotate."
