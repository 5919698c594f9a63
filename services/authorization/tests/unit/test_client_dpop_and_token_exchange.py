"""A client's `dpop_bound_access_tokens` (RFC 9449 §5.2) and token exchange policy (RFC 8693):
registered, changed through the update rules, audited under names the audit guard keeps;
a policy needs the token-exchange grant type and a confidential client; subject audiences
are absolute URIs or client ids."""

from __future__ import annotations

import pytest
from authgate_common.core.audit import clean_details
from authgate_common.core.errors import InvalidRequest

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
POLICY = dict(grant_types=("authorization_code", EXCHANGE), token_exchange_impersonation=True,
              token_exchange_delegation=True,
              token_exchange_subject_audiences=("https://api.example/orders", "web", "https://api.example/orders"))


def _events(core, type_: str) -> list:
    return [e for e in core.uow.repos.audit.events if e.type == type_]


def test_a_policy_and_dpop_binding_are_registered_and_audited(core) -> None:
    client, _ = core.register(dpop_bound_access_tokens=True, **POLICY)
    stored = core.uow.repos.clients.rows["web"]
    assert stored == client
    assert client.dpop_bound_access_tokens and client.token_exchange_impersonation
    assert client.token_exchange_delegation
    assert client.token_exchange_subject_audiences == ("https://api.example/orders", "web")
    [event] = _events(core, "client.created")
    kept = clean_details(event.details)  # what the audit store keeps of them
    assert (kept["dpop_bound"], kept["exchange_impersonation"], kept["exchange_delegation"]) == (
        True, True, True)
    assert kept["exchange_subject_audiences"] == ["https://api.example/orders", "web"]


def test_a_client_registered_without_them_has_neither(core) -> None:
    client, _ = core.register()
    assert not client.dpop_bound_access_tokens
    assert not client.token_exchange_impersonation and not client.token_exchange_delegation
    assert client.token_exchange_subject_audiences == ()


@pytest.mark.parametrize("fields", [
    {"token_exchange_impersonation": True},  # without the grant type
    {"token_exchange_delegation": True, "grant_types": ("authorization_code",)},
    {"token_exchange_delegation": True, "grant_types": ("authorization_code", EXCHANGE),
     "client_type": "public"},
    {"grant_types": ("authorization_code", EXCHANGE), "client_type": "public"},
    {"token_exchange_subject_audiences": ("",)},
    {"token_exchange_subject_audiences": ("has space",)},
    {"token_exchange_subject_audiences": ("not a:uri",)},
    {"token_exchange_subject_audiences": ("https://api.example/\r\nx",)},
    {"token_exchange_subject_audiences": ("https://api.example/" + "a" * 300,)},
    {"token_exchange_subject_audiences": tuple(f"aud-{i}" for i in range(17))},
])
def test_a_policy_that_breaks_the_rules_is_invalid_request(core, fields) -> None:
    with pytest.raises(InvalidRequest):
        core.register(**fields)


def test_the_grant_type_alone_is_accepted_for_a_confidential_client(core) -> None:
    client, _ = core.register(grant_types=("authorization_code", EXCHANGE))
    assert EXCHANGE in client.grant_types and not client.token_exchange_impersonation


def test_update_turns_them_on_and_off_and_names_the_fields(core) -> None:
    core.register(grant_types=("authorization_code", EXCHANGE))
    updated = core.service.updates.update("web", {"dpop_bound_access_tokens": True,
                                                  "token_exchange_delegation": True,
                                                  "token_exchange_subject_audiences": ("urn:orders",)})
    assert updated.changed == ("dpop_bound_access_tokens", "token_exchange_delegation",
                               "token_exchange_subject_audiences")
    assert core.uow.repos.clients.rows["web"].token_exchange_subject_audiences == ("urn:orders",)
    [event] = _events(core, "client.changed")
    assert event.details["fields"] == list(updated.changed)
    off = core.service.updates.update("web", {"dpop_bound_access_tokens": False,
                                              "token_exchange_delegation": False})
    assert off.changed == ("dpop_bound_access_tokens", "token_exchange_delegation")
    assert not off.client.dpop_bound_access_tokens and not off.client.token_exchange_delegation


def test_dropping_the_grant_type_under_a_policy_is_refused(core) -> None:
    core.register(**POLICY)
    with pytest.raises(InvalidRequest):
        core.service.updates.update("web", {"grant_types": ("authorization_code",)})
    assert core.uow.repos.clients.rows["web"].token_exchange_impersonation
