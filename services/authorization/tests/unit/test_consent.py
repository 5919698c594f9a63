"""Consent (OIDC Core §3.1.2.4): the page for clients that are not first-party, the
decision remembered per user, client and scope set, prompt=consent and prompt=none,
denial as access_denied (RFC 6749 §4.1.2.1), and withdrawal."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import NotFound
from authorization_fakes import REDIRECT
from authorization_service.domain.authorize.context import ConsentPrompt, ErrorPage, Redirect
from authorization_service.domain.consent.decision import ConsentAnswer

SCOPES = ("openid", "profile", "email", "read", "write")


@pytest.fixture
def third_party(core):
    core.register("tp", name="Third Party", first_party=False, scopes=SCOPES)
    cookie, session = core.sessions.sign_in("alice")
    return cookie, session


def ask(core, cookie, pkce, **overrides):
    return core.authorize(cookie=cookie, **core.valid_params(pkce[1], client_id="tp", **overrides))


def answer(core, prompt: ConsentPrompt, cookie: str, decision: str = "allow", **changes: str):
    fields = {"sealed_request": prompt.sealed_request, "csrf_token": prompt.csrf_token,
              "decision": decision, "session_token": cookie, **changes}
    return core.service.decision(ConsentAnswer(**fields))


def test_first_time_shows_the_page_and_allow_issues_a_code(core, third_party, pkce) -> None:
    cookie, session = third_party
    prompt = ask(core, cookie, pkce, scope="openid profile")
    assert isinstance(prompt, ConsentPrompt)
    assert (prompt.client_id, prompt.client_name, prompt.scopes) == ("tp", "Third Party",
                                                                      ("openid", "profile"))
    outcome = answer(core, prompt, cookie)
    assert isinstance(outcome, Redirect) and outcome.location.startswith(REDIRECT + "?")
    params = core.query(outcome.location)
    assert set(params) == {"code", "state", "iss"} and params["state"] == "st-1"
    (stored,) = core.uow.repos.codes.rows.values()
    assert (stored.client_id, stored.user_id, stored.sid) == ("tp", "alice", session.sid)
    assert stored.scopes == ("openid", "profile") and stored.code_challenge == pkce[1]
    assert stored.nonce == "n-0S6" and stored.auth_time == session.auth_time


def test_second_time_and_a_subset_skip_the_page(core, third_party, pkce) -> None:
    cookie, _ = third_party
    answer(core, ask(core, cookie, pkce, scope="openid profile read"), cookie)
    for scope in ("openid profile read", "openid", "read profile"):
        assert "code" in core.query(ask(core, cookie, pkce, scope=scope).location)


def test_a_new_scope_asks_again_and_the_approvals_add_up(core, third_party, pkce) -> None:
    cookie, _ = third_party
    answer(core, ask(core, cookie, pkce, scope="openid read"), cookie)
    prompt = ask(core, cookie, pkce, scope="openid email")
    assert isinstance(prompt, ConsentPrompt) and prompt.scopes == ("openid", "email")
    answer(core, prompt, cookie)
    assert "code" in core.query(ask(core, cookie, pkce, scope="read email").location)


def test_approval_is_per_user(core, third_party, pkce) -> None:
    cookie, _ = third_party
    answer(core, ask(core, cookie, pkce), cookie)
    bob, _ = core.sessions.sign_in("bob")
    assert isinstance(ask(core, bob, pkce), ConsentPrompt)


def test_prompt_consent_shows_the_page_even_when_approved(core, third_party, pkce) -> None:
    cookie, _ = third_party
    answer(core, ask(core, cookie, pkce), cookie)
    assert isinstance(ask(core, cookie, pkce, prompt="consent"), ConsentPrompt)


def test_prompt_none_needs_an_earlier_approval(core, third_party, pkce) -> None:
    cookie, _ = third_party
    refused = core.query(ask(core, cookie, pkce, prompt="none").location)
    assert refused["error"] == "consent_required" and refused["state"] == "st-1"
    answer(core, ask(core, cookie, pkce), cookie)
    assert "code" in core.query(ask(core, cookie, pkce, prompt="none").location)


def test_deny_returns_access_denied_with_state_and_iss(core, third_party, pkce) -> None:
    cookie, _ = third_party
    outcome = answer(core, ask(core, cookie, pkce), cookie, decision="deny")
    assert outcome.location.startswith(REDIRECT + "?")
    params = core.query(outcome.location)
    assert params["error"] == "access_denied" and params["state"] == "st-1"
    assert params["iss"] == "https://auth.example" and "code" not in params
    assert core.uow.repos.consents.rows == {} and core.uow.repos.codes.rows == {}


def test_first_party_clients_never_ask(core, pkce) -> None:
    core.register()
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], prompt="consent"))
    assert "code" in core.query(outcome.location)


@pytest.mark.parametrize("change", [
    {"csrf_token": ""}, {"csrf_token": "0" * 64}, {"sealed_request": ""},
    {"sealed_request": "eyJhIjoxfQ.AAAA"}, {"decision": "maybe"}, {"decision": ""}])
def test_a_form_that_is_not_ours_is_a_page(core, third_party, pkce, change) -> None:
    cookie, _ = third_party
    outcome = answer(core, ask(core, cookie, pkce), cookie, **change)
    assert isinstance(outcome, ErrorPage) and outcome.status == 400
    assert outcome.error == "invalid_request"
    assert core.uow.repos.codes.rows == {} and core.uow.repos.consents.rows == {}


def test_a_tampered_request_is_refused(core, third_party, pkce) -> None:
    cookie, _ = third_party
    prompt = ask(core, cookie, pkce, scope="openid")
    body, _, mac = prompt.sealed_request.partition(".")
    forged = body.replace(body[5:9], "AAAA") + "." + mac
    assert isinstance(answer(core, prompt, cookie, sealed_request=forged), ErrorPage)


def test_the_form_expires(core, third_party, pkce) -> None:
    cookie, _ = third_party
    prompt = ask(core, cookie, pkce)
    core.clock.advance(301)
    assert isinstance(answer(core, prompt, cookie), ErrorPage)


def test_the_form_belongs_to_its_session(core, third_party, pkce) -> None:
    cookie, _ = third_party
    victim_prompt = ask(core, cookie, pkce)
    attacker, _ = core.sessions.sign_in("mallory")
    attacker_prompt = ask(core, attacker, pkce)
    # The attacker's own valid form, submitted in the victim's session, and vice versa.
    assert isinstance(answer(core, attacker_prompt, cookie), ErrorPage)
    assert isinstance(answer(core, victim_prompt, attacker, csrf_token=attacker_prompt.csrf_token),
                      ErrorPage)


def test_no_session_when_answering_is_a_page(core, third_party, pkce) -> None:
    cookie, _ = third_party
    prompt = ask(core, cookie, pkce)
    outcome = answer(core, prompt, "gone")
    assert isinstance(outcome, ErrorPage) and outcome.error == "login_required"


def test_a_client_deleted_while_the_page_was_open(core, third_party, pkce) -> None:
    cookie, _ = third_party
    prompt = ask(core, cookie, pkce)
    core.service.registry.delete("tp")
    assert isinstance(answer(core, prompt, cookie), ErrorPage)


def test_withdrawal_asks_again_and_queues_token_revocation(core, third_party, pkce) -> None:
    cookie, _ = third_party
    answer(core, ask(core, cookie, pkce), cookie)
    (view,) = core.service.consents.of_user("alice")
    assert (view.client_id, view.client_name, view.scopes) == ("tp", "Third Party", ("openid", "read"))
    core.service.consents.withdraw("alice", "tp")
    assert core.service.consents.of_user("alice") == []
    (topic, payload, _), = core.uow.repos.outbox.rows
    assert topic == "consent.withdrawn" and payload["user_id"] == "alice" and payload["client_id"] == "tp"
    assert isinstance(ask(core, cookie, pkce), ConsentPrompt)
    with pytest.raises(NotFound):
        core.service.consents.withdraw("alice", "tp")


def test_withdrawing_what_was_never_granted_is_not_found(core, third_party) -> None:
    with pytest.raises(NotFound):
        core.service.consents.withdraw("alice", "tp")
    assert core.uow.repos.outbox.rows == []


def test_a_client_registered_again_under_the_same_id_asks_again(core, third_party, pkce) -> None:
    cookie, _ = third_party
    answer(core, ask(core, cookie, pkce), cookie)
    core.service.registry.delete("tp")
    core.register("tp", first_party=False, scopes=SCOPES)
    assert isinstance(ask(core, cookie, pkce), ConsentPrompt)
