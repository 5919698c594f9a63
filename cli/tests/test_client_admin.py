"""`authgate client create --admin` and `update --admin/--no-admin` against a fake
authorization service: the mark travels in the request (and in the field mask only when
named), and every client output shows it."""

from __future__ import annotations

OPS = ["client", "create", "--client-id", "ops", "--grant-type", "client_credentials",
       "--scope", "admin:users admin:audit", "--admin"]


def test_create_marks_an_admin_client_and_shows_it(services, run):
    result = run(*OPS, "--json")
    assert result.code == 0, result.err
    client = services.authorization.clients["ops"]
    assert client.admin and list(client.scopes) == ["admin:users", "admin:audit"]
    assert list(client.grant_types) == ["client_credentials"] and not client.first_party
    assert result.json()["admin"] is True


def test_a_client_is_not_an_admin_client_unless_asked(services, run):
    result = run("client", "create", "--client-id", "web", "--redirect-uri", "https://app/cb", "--json")
    assert result.code == 0, result.err
    assert not services.authorization.clients["web"].admin and result.json()["admin"] is False


def test_list_shows_which_clients_are_admin_clients(services, run):
    run(*OPS)
    run("client", "create", "--client-id", "web", "--redirect-uri", "https://app/cb")
    listed = run("client", "list", "--json").json()
    assert {c["client_id"]: c["admin"] for c in listed} == {"ops": True, "web": False}
    table = run("client", "list")
    assert table.code == 0 and "ADMIN" in table.out.splitlines()[0].split()


def test_update_sets_and_clears_the_mark_only_when_named(services, run):
    run("client", "create", "--client-id", "svc", "--grant-type", "client_credentials", "--scope", "read")
    result = run("client", "update", "svc", "--admin", "--scope", "read admin:users", "--json")
    assert result.code == 0, result.err
    assert list(services.authorization.requests[-1].update_mask.paths) == ["scopes", "admin"]
    assert services.authorization.clients["svc"].admin and result.json()["admin"] is True
    assert result.json()["changed_fields"] == ["scopes", "admin"]
    renamed = run("client", "update", "svc", "--name", "Service")
    assert renamed.code == 0 and list(services.authorization.requests[-1].update_mask.paths) == ["name"]
    assert services.authorization.clients["svc"].admin  # untouched when not named
    dropped = run("client", "update", "svc", "--no-admin", "--scope", "read", "--json")
    assert dropped.code == 0, dropped.err
    assert not services.authorization.clients["svc"].admin and dropped.json()["admin"] is False
