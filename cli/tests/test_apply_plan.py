"""The declarative configuration's core on an in-memory store: the schema check names the
path of each error, the plan is field-level, a second run writes nothing, prune deletes
in reverse dependency order but never built-ins, admin clients or users, and export
re-applies to the same state."""

from __future__ import annotations

import pytest
import yaml
from apply_fakes import FakeStore
from authgate_cli.apply.document import dump, parse
from authgate_cli.apply.execute import Outcome, execute
from authgate_cli.apply.kinds import BY_SECTION
from authgate_cli.apply.plan import CREATE, DELETE, UNCHANGED, UPDATE, make_plan, plan_lines
from authgate_common.core.errors import InvalidRequest

FILE = """
apiVersion: authgate.io/v1
kind: Configuration
apis:
  - {name: orders, audience: "https://orders.example.com", description: Orders}
scopes:
  - {name: "orders:read", description: Read your orders, api: orders, access_token_claims: [roles]}
roles:
  - {name: orders-admin, description: Manages orders}
groups:
  - {name: support, roles: [orders-admin]}
clients:
  - client_id: orders-web
    redirect_uris: ["https://orders.example.com/cb"]
    scopes: [openid, "orders:read"]
    grant_types: [authorization_code, refresh_token]
    client_secret_env: ORDERS_SECRET
  - {client_id: orders-spa, client_type: public, redirect_uris: ["https://spa.example.com/cb"]}
users:
  - {username: alice, email: alice@example.com, groups: [support], attributes: {tier: gold}}
"""
ENV = {"ORDERS_SECRET": "s" * 40}


def config(text: str = FILE):
    return parse(yaml.safe_load(text))


def apply(store: FakeStore, text: str = FILE, *, prune: bool = False, env=ENV):
    plan = make_plan(config(text), store.read(BY_SECTION), prune=prune)
    assert not plan.errors, plan.errors
    outcome = Outcome()
    execute(plan, store, env, outcome)
    return plan, outcome


def test_schema_errors_name_the_path_of_each_problem():
    bad = yaml.safe_load(FILE)
    bad["clients"][1]["redirect_uris"] = ["not a uri"]
    bad["clients"].append({"client_id": "x", "grant_types": ["password"]})
    bad["apiVersion"] = "authgate.io/v2"
    with pytest.raises(InvalidRequest) as raised:
        parse(bad, "authgate.yaml")
    text = raised.value.description
    assert text.startswith("authgate.yaml is not a valid configuration")
    assert "clients[1].redirect_uris[0]:" in text and "clients[2].grant_types[0]:" in text
    assert "apiVersion:" in text


def test_unknown_fields_and_duplicate_names_are_refused():
    with pytest.raises(InvalidRequest, match=r"scopes\[0\]: Additional properties"):
        config(FILE.replace("description: Read your orders", "descripton: typo"))
    twice = yaml.safe_load(FILE)
    twice["roles"].append({"name": "orders-admin"})
    with pytest.raises(InvalidRequest, match=r"roles\[1\]\.name: 'orders-admin' is already roles\[0\]"):
        parse(twice)


def test_a_public_client_cannot_name_a_secret():
    with pytest.raises(InvalidRequest, match=r"clients\[1\]"):
        config(FILE.replace("client_type: public,", "client_type: public, client_secret_env: X,"))


def test_first_run_creates_in_dependency_order_and_the_second_writes_nothing():
    store = FakeStore()
    plan, outcome = apply(store)
    assert [w[1] for w in store.writes] == [
        "apis", "scopes", "roles", "groups", "clients", "clients", "users"]
    assert store.secrets[("clients", "orders-web")] == ENV["ORDERS_SECRET"]
    assert "clients" not in outcome.secrets  # the given secret is not echoed
    assert list(outcome.secrets["users"]) == ["alice"]  # no password_env: one is generated
    store.writes.clear()
    again, outcome = apply(store)
    assert again.empty and store.writes == [] and outcome.secrets == {}
    assert again.count(UNCHANGED) == 7
    assert plan_lines(again)[-1] == "no changes (7 unchanged)"


def test_a_change_is_an_update_of_the_changed_fields_only():
    store = FakeStore()
    apply(store)
    store.writes.clear()
    changed = FILE.replace("Read your orders", "Read orders")
    changed = changed.replace("orders:read\"]", "orders:read\", email]")
    plan, _ = apply(store, changed)
    updates = {(c.section, c.key): c.fields for c in plan.changes if c.action == UPDATE}
    assert updates == {
        ("scopes", "orders:read"): {"description": ("Read your orders", "Read orders")},
        ("clients", "orders-web"): {
            "scopes": (["openid", "orders:read"], ["email", "openid", "orders:read"])},
    }
    assert store.writes == [("update", "scopes", "orders:read"), ("update", "clients", "orders-web")]


def test_list_order_and_spelt_out_defaults_are_no_change():
    store = FakeStore()
    apply(store)
    same = FILE.replace("[authorization_code, refresh_token]", "[refresh_token, authorization_code]")
    same = same.replace("{name: orders-admin, description", "{name: orders-admin, description")
    same = same.replace("client_type: public,", "client_type: public, first_party: false,")
    assert make_plan(config(same), store.read(BY_SECTION)).empty


def test_prune_deletes_what_a_section_leaves_out_in_reverse_order():
    store = FakeStore()
    apply(store)
    store.items["clients"]["ops-admin"] = {**BY_SECTION["clients"].normal(
        {"client_id": "ops-admin", "grant_types": ["client_credentials"]}), "admin": True}
    store.writes.clear()
    smaller = yaml.safe_load(FILE)
    smaller.update(scopes=[], apis=[], groups=[], clients=smaller["clients"][1:], users=[])
    del smaller["roles"]  # a section left out is not managed
    plan = make_plan(parse(smaller), store.read(BY_SECTION), prune=True)
    assert [(c.action, c.section, c.key) for c in plan.writes()] == [
        (DELETE, "clients", "orders-web"), (DELETE, "groups", "support"),
        (DELETE, "scopes", "orders:read"), (DELETE, "apis", "orders")]
    assert any("ops-admin is an admin client" in w for w in plan.warnings)
    assert "alice" in store.items["users"]  # users are never pruned
    without_prune = make_plan(parse(smaller), store.read(BY_SECTION))
    assert without_prune.empty


def test_built_in_scopes_and_fixed_fields_are_errors():
    store = FakeStore()
    apply(store)
    builtin = FILE.replace('name: "orders:read"', "name: profile")
    assert make_plan(config(builtin), store.read(BY_SECTION)).errors == [
        "scopes: profile is a built-in scope; it cannot be defined or changed"]
    fixed = FILE.replace("client_type: public,", "client_type: public, pkce_optional: true,")
    [error] = make_plan(config(fixed), store.read(BY_SECTION)).errors
    assert error.startswith("clients: orders-spa: pkce_optional cannot change")


def test_a_users_profile_is_set_on_creation_only():
    store = FakeStore()
    apply(store)
    plan = make_plan(config(FILE.replace("alice@example.com", "alice@new.example")), store.read(BY_SECTION))
    assert plan.empty and plan.warnings == [
        "users: alice: email differs ('alice@example.com' held); it is set only when the user is created"]


def test_a_named_secret_variable_must_be_set_before_anything_is_written():
    store = FakeStore()
    with pytest.raises(InvalidRequest, match="ORDERS_SECRET is not set"):
        apply(store, env={})
    assert store.writes == []


def test_export_re_applies_to_no_change():
    store = FakeStore()
    apply(store)
    current = store.read(BY_SECTION)
    exported = dump({s: [BY_SECTION[s].trimmed(i) for _, i in sorted(current.items[s].items())]
                     for s in BY_SECTION})
    assert "client_secret" not in exported and "password" not in exported
    document = yaml.safe_load(exported)
    assert document["clients"][0] == {"client_id": "orders-spa", "client_type": "public",
                                      "redirect_uris": ["https://spa.example.com/cb"]}
    assert make_plan(parse(document), store.read(BY_SECTION)).empty
    fresh = FakeStore()
    plan = make_plan(parse(document), fresh.read(BY_SECTION))
    assert plan.count(CREATE) == 7


def test_a_client_may_require_par_and_use_the_device_flow():
    """The file speaks issue 20's client fields: PAR required (RFC 9126 §6) and the device
    code grant (RFC 8628)."""
    doc = yaml.safe_load(FILE)
    doc["clients"][0]["require_pushed_authorization_requests"] = True
    doc["clients"][1]["grant_types"] = ["urn:ietf:params:oauth:grant-type:device_code"]
    store = FakeStore()
    plan = make_plan(parse(doc), store.read(BY_SECTION), prune=False)
    assert not plan.errors, plan.errors


def test_a_client_may_be_dpop_bound_and_have_a_token_exchange_policy():
    """DPoP-bound tokens (RFC 9449 §5.2) and a token exchange policy (RFC 8693) are planned,
    applied, compared and exported like any other field."""
    exchange = "urn:ietf:params:oauth:grant-type:token-exchange"
    doc = yaml.safe_load(FILE)
    doc["clients"][0].update(grant_types=["authorization_code", exchange], dpop_bound_access_tokens=True,
                             token_exchange_delegation=True,
                             token_exchange_subject_audiences=["https://orders.example.com", "orders-spa"])
    store = FakeStore()
    plan = make_plan(parse(doc), store.read(BY_SECTION))
    assert not plan.errors, plan.errors
    execute(plan, store, ENV, Outcome())
    stored = store.items["clients"]["orders-web"]
    assert stored["dpop_bound_access_tokens"] and stored["token_exchange_delegation"]
    assert not stored["token_exchange_impersonation"]
    assert make_plan(parse(doc), store.read(BY_SECTION)).empty
    web = BY_SECTION["clients"].trimmed(store.read(BY_SECTION).items["clients"]["orders-web"])
    assert web["token_exchange_subject_audiences"] == ["https://orders.example.com", "orders-spa"]
    assert "token_exchange_impersonation" not in web  # its default: not exported
    doc["clients"][0]["token_exchange_delegation"] = False
    lines = plan_lines(make_plan(parse(doc), store.read(BY_SECTION)))
    assert any("token_exchange_delegation" in line for line in lines), lines
    bad = yaml.safe_load(FILE)
    bad["clients"][0]["token_exchange_subject_audiences"] = ["has space"]
    with pytest.raises(InvalidRequest):
        parse(bad)
