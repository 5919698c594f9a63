"""The device authorization grant (RFC 8628) on real PostgreSQL: StartDeviceAuthorization,
the verification page behind SSO with consent and CSRF, PollDeviceAuthorization's §3.5
answers, the grant handed out once, and wrong user codes counted until locked (§5.1)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from authgate.authorization.v1 import authorization_pb2 as az
from authgate_common.core.errors import ERROR_KEY
from authorization_service.adapters.device_tables import device_authorizations
from authorization_service.bootstrap import engine_for
from sqlalchemy import update

DEVICE = "/api/v1/oauth/device"
GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def _error(call) -> str:
    with pytest.raises(grpc.RpcError) as info:
        call()
    return dict(info.value.trailing_metadata())[ERROR_KEY]


def _start(harness, ch, **fields) -> tuple[az.Client, az.StartDeviceAuthorizationResponse]:
    client, _ = harness.client(ch, grant_types=[GRANT, "refresh_token"], redirect_uris=[], **fields)
    started = harness.stub(ch).StartDeviceAuthorization(az.StartDeviceAuthorizationRequest(
        client_id=client.client_id, scope="openid read"))
    return client, started


def _poll(harness, ch, client, started):
    return harness.stub(ch).PollDeviceAuthorization(az.PollDeviceAuthorizationRequest(
        client_id=client.client_id, device_code=started.device_code))


def _form(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))


def _jar(harness, user: str = "dana"):
    cookie, session = harness.sessions.sign_in(user)
    return {"cookie": f"__Host-sso_session={cookie}"}, session


def test_start_answers_rfc_8628_section_3_2(harness, grpc_channel) -> None:
    _, started = _start(harness, grpc_channel)
    assert re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", started.user_code)
    assert started.verification_uri == "https://auth.example" + DEVICE
    assert started.verification_uri_complete.endswith("?user_code=" + started.user_code)
    assert (started.expires_in, started.interval) == (600, 5) and len(started.device_code) >= 43


def test_approve_on_the_page_then_the_grant_once(harness, grpc_channel) -> None:
    client, started = _start(harness, grpc_channel, first_party=False, name="Smart TV")
    poll = lambda: _poll(harness, grpc_channel, client, started)  # noqa: E731
    assert _error(poll) == "authorization_pending"
    assert _error(poll) == "slow_down"  # at once again: sooner than the interval
    login = harness.http.get(DEVICE, params={"user_code": started.user_code})
    assert login.status_code == 303 and "return_to=" in login.headers["location"]
    assert "user_code%3D" in login.headers["location"]
    jar, session = _jar(harness)
    page = harness.http.get(DEVICE, params={"user_code": started.user_code}, headers=jar)
    assert page.status_code == 200 and started.user_code in page.text
    form = _form(page.text)
    typed = started.user_code.lower().replace("-", " ")  # case and separators do not matter
    asked = harness.http.post(DEVICE, data={**form, "user_code": typed, "action": "lookup"}, headers=jar)
    assert asked.status_code == 200 and "Smart TV" in asked.text
    done = harness.http.post(DEVICE, data={**_form(asked.text), "action": "allow"}, headers=jar)
    assert done.status_code == 200 and "Device connected" in done.text
    grant = poll().grant
    assert (grant.user_id, grant.sid, list(grant.scopes)) == ("dana", session.sid, ["openid", "read"])
    assert _error(poll) == "invalid_grant"  # handed out once


def test_denied_is_access_denied(harness, grpc_channel) -> None:
    client, started = _start(harness, grpc_channel, first_party=False)
    jar, _ = _jar(harness)
    form = _form(harness.http.get(DEVICE, headers=jar).text)
    asked = harness.http.post(DEVICE, data={**form, "user_code": started.user_code, "action": "lookup"},
                              headers=jar)
    denied = harness.http.post(DEVICE, data={**_form(asked.text), "action": "deny"}, headers=jar)
    assert denied.status_code == 200 and "not connected" in denied.text
    assert _error(lambda: _poll(harness, grpc_channel, client, started)) == "access_denied"


def test_even_a_first_party_client_is_confirmed_before_the_device_gets_in(harness, grpc_channel) -> None:
    """RFC 8628 §5.4 (remote phishing): a typed code alone never connects a device; the
    person sees which client asks and says yes, first-party or not."""
    client, started = _start(harness, grpc_channel, first_party=True, name="House TV")
    jar, _ = _jar(harness)
    form = _form(harness.http.get(DEVICE, headers=jar).text)
    asked = harness.http.post(DEVICE, data={**form, "user_code": started.user_code, "action": "lookup"},
                              headers=jar)
    assert "House TV" in asked.text and "Device connected" not in asked.text
    assert _error(lambda: _poll(harness, grpc_channel, client, started)) == "authorization_pending"
    done = harness.http.post(DEVICE, data={**_form(asked.text), "action": "allow"}, headers=jar)
    assert "Device connected" in done.text
    assert _poll(harness, grpc_channel, client, started).grant.user_id == "dana"


def test_expired_is_expired_token(harness, grpc_channel) -> None:
    client, started = _start(harness, grpc_channel)
    engine = engine_for(harness.settings)
    try:
        with engine.begin() as conn:
            conn.execute(update(device_authorizations)
                         .where(device_authorizations.c.client_id == client.client_id)
                         .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    finally:
        engine.dispose()
    assert _error(lambda: _poll(harness, grpc_channel, client, started)) == "expired_token"


def test_wrong_user_codes_are_counted_and_locked(harness, grpc_channel) -> None:
    _, started = _start(harness, grpc_channel)
    jar, _ = _jar(harness, "eve")
    form = _form(harness.http.get(DEVICE, headers=jar).text)
    for wrong in ["BCDF-GHJK", "not a code", "BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD"]:
        refused = harness.http.post(DEVICE, data={**form, "user_code": wrong, "action": "lookup"},
                                    headers=jar)
        assert refused.status_code == 400 and "not valid" in refused.text
    locked = harness.http.post(DEVICE, data={**form, "user_code": started.user_code, "action": "lookup"},
                               headers=jar)
    assert locked.status_code == 429 and "Too many" in locked.text


def test_forged_form_and_unregistered_client_are_refused(harness, grpc_channel) -> None:
    jar, _ = _jar(harness)
    forged = harness.http.post(DEVICE, data={"csrf_token": "x", "user_code": "BCDF-GHJK", "action": "lookup"},
                               headers=jar)
    assert forged.status_code == 400
    client, _ = harness.client(grpc_channel)  # authorization_code only
    assert _error(lambda: harness.stub(grpc_channel).StartDeviceAuthorization(
        az.StartDeviceAuthorizationRequest(client_id=client.client_id))) == "unauthorized_client"
