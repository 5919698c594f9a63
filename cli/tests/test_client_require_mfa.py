"""`authgate client create|update --require-mfa`: every sign-in for the client needs a
second factor (acr urn:authgate:acr:mfa); the flag travels, is shown, and can be turned off."""

from __future__ import annotations

WEB = ["client", "create", "--client-id", "web", "--redirect-uri", "https://app/cb", "--scope", "openid"]


def test_create_with_require_mfa_registers_and_shows_it(services, run):
    result = run(*WEB, "--require-mfa", "--json")
    assert result.code == 0, result.err
    assert services.authorization.clients["web"].require_mfa
    assert result.json()["require_mfa"] is True


def test_a_client_created_without_it_needs_no_second_factor(services, run):
    result = run(*WEB, "--json")
    assert result.code == 0, result.err
    assert result.json()["require_mfa"] is False


def test_update_turns_it_on_and_off_by_field_mask(services, run):
    assert run(*WEB).code == 0
    assert run("client", "update", "web", "--require-mfa").code == 0
    assert services.authorization.clients["web"].require_mfa
    assert run("client", "update", "web", "--no-require-mfa").code == 0
    assert not services.authorization.clients["web"].require_mfa
    assert [list(r.update_mask.paths) for r in services.authorization.requests] == [
        ["require_mfa"], ["require_mfa"]]
