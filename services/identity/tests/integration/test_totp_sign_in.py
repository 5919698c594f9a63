"""TOTP second factor through the identity service's pages, on real PostgreSQL and Redis
(the session service is a fake on port 0): enrolment on the account page, sign-in with a
code, replay and lockout refused, recovery codes once, forced enrolment, step-up."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc
import pyotp
import pytest
import sqlalchemy as sa
from authgate.identity.v1 import identity_pb2 as pb
from authgate.identity.v1 import identity_pb2_grpc as pb_grpc
from authgate.session.v1 import session_pb2 as ss
from authgate.session.v1 import session_pb2_grpc as ss_grpc
from authgate_common.grpc_server import create_server
from authgate_common.testing import REDIS_URL, redis_prefix
from fastapi.testclient import TestClient
from identity_peer_fakes import FakeSessionService
from identity_service.bootstrap import IdentityService, bootstrap, migrate
from identity_service.entrypoints.grpc_api import SERVICE_NAME
from identity_service.settings import Settings

PASSWORD = "correct horse battery"
LOGIN, SECOND, ENROL = "/api/v1/sso/login", "/api/v1/sso/login/second-factor", "/api/v1/sso/login/enrol"
SECURITY = "/api/v1/sso/account/security"
ACR_MFA = "urn:authgate:acr:mfa"


class Stack:
    def __init__(self, service: IdentityService, sessions: FakeSessionService,
                 stub: pb_grpc.IdentityServiceStub, settings: Settings) -> None:
        self.service, self.sessions, self.stub, self.settings = service, sessions, stub, settings

    def user(self) -> pb.User:
        name = "m" + uuid.uuid4().hex[:10]
        return self.stub.CreateUser(pb.CreateUserRequest(username=name, email=f"{name}@example.com",
                                                         password=PASSWORD), timeout=10).user

    def browser(self) -> TestClient:
        return TestClient(self.service.http_app)

    def session_for(self, client: TestClient, user_id: str, amr: list[str], age: int = 0) -> str:
        """A live SSO session made in the fake session service, its cookie in `client`."""
        resp = self.sessions.CreateSession(ss.CreateSessionRequest(user_id=user_id, amr=amr), None)
        self.sessions.sessions[resp.session_token].auth_time.seconds -= age
        client.cookies.set("sso_session", resp.session_token)
        return resp.session_token


@pytest.fixture(scope="module")
def stack(database_url: str) -> Iterator[Stack]:
    sessions = FakeSessionService()
    fake_server, fake_port, _ = create_server(
        0, lambda server: ss_grpc.add_SessionServiceServicer_to_server(sessions, server),
        service_names=[], host="127.0.0.1")
    with redis_prefix("identity-mfa") as prefix:
        settings = Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True,  # type: ignore[call-arg]
                            DATABASE_URL=database_url, REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix,
                            BCRYPT_ROUNDS=4, SECRET_KEY=secrets.token_urlsafe(32),
                            SESSION_GRPC_TARGET=f"127.0.0.1:{fake_port}")
        migrate(settings)
        service = bootstrap(settings)
        server, port, _ = create_server(0, service.register, service_names=[SERVICE_NAME], host="127.0.0.1")
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        try:
            yield Stack(service, sessions, pb_grpc.IdentityServiceStub(channel), settings)
        finally:
            channel.close()
            server.stop(None)
            fake_server.stop(None)
            service.close()


def field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} in page"
    return match.group(1)


def password_step(stack: Stack, client: TestClient, user: pb.User, return_to: str = "/done",
                  **extra: str):
    page = client.get(LOGIN, params={"return_to": return_to})
    return client.post(LOGIN, data={"username": user.username, "password": PASSWORD, "return_to": return_to,
                                    "csrf_token": field(page.text, "csrf_token"), **extra},
                       follow_redirects=False)


def code_step(client: TestClient, **fields: str):
    page = client.get(SECOND)
    assert page.status_code == 200, page.text
    return client.post(SECOND, data={"csrf_token": field(page.text, "csrf_token"), **fields},
                       follow_redirects=False)


def enrol_on_account_page(stack: Stack, user: pb.User) -> tuple[str, list[str]]:
    """The user signs in with the password and adds an app: its secret (read from the
    page's manual key) and the recovery codes shown once."""
    client = stack.browser()
    stack.session_for(client, user.id, ["pwd"])
    page = client.get(f"{SECURITY}/totp")
    assert page.status_code == 200, page.text
    assert "<svg" in page.text and "<img" not in page.text
    secret = re.search(r'id="manual-key">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")  # type: ignore[union-attr]
    last = pyotp.TOTP(secret).at(datetime.now(UTC) - timedelta(seconds=30))  # leaves the current code
    done = client.post(f"{SECURITY}/totp", data={"csrf_token": field(page.text, "csrf_token"),
                                                 "offer": field(page.text, "offer"), "code": last,
                                                 "label": "Phone"}, follow_redirects=False)
    assert done.status_code == 200, done.text
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.text)
    listing = client.get(SECURITY)
    assert listing.status_code == 200 and "Phone" in listing.text
    assert "Unused recovery codes: 10" in listing.text
    return secret, codes


def test_enrolment_then_sign_in_with_a_code_and_the_code_once_only(stack: Stack) -> None:
    user = stack.user()
    secret, codes = enrol_on_account_page(stack, user)
    assert len(codes) == 10
    client = stack.browser()
    first = password_step(stack, client, user)
    assert first.status_code == 303 and first.headers["location"] == SECOND
    assert "sso_session" not in first.headers.get("set-cookie", "")
    code = pyotp.TOTP(secret).now()
    done = code_step(client, code=code)
    assert done.status_code == 303 and done.headers["location"] == "/done"
    assert list(stack.sessions.created[-1].amr) == ["pwd", "otp", "mfa"]
    replay = stack.browser()
    password_step(stack, replay, user)
    again = code_step(replay, code=code)
    assert again.status_code == 401 and "That code is not right" in again.text
    assert 'aria-invalid="true"' in again.text


def test_a_recovery_code_signs_in_once(stack: Stack) -> None:
    user = stack.user()
    _, codes = enrol_on_account_page(stack, user)
    client = stack.browser()
    password_step(stack, client, user)
    assert code_step(client, recovery_code=codes[3].upper()).status_code == 303
    other = stack.browser()
    password_step(stack, other, user)
    assert code_step(other, recovery_code=codes[3]).status_code == 401


def test_stored_secrets_are_encrypted_and_codes_hashed(stack: Stack) -> None:
    user = stack.user()
    secret, codes = enrol_on_account_page(stack, user)
    engine = sa.create_engine(stack.settings.DATABASE_URL or "")
    with engine.connect() as db:
        db.execute(sa.text("SET search_path TO identity"))
        stored = db.execute(sa.text("SELECT secret FROM mfa_factors WHERE user_id = :u"),
                            {"u": user.id}).scalar()
        hashes = db.execute(sa.text("SELECT code_hash FROM recovery_codes WHERE user_id = :u"),
                            {"u": user.id}).scalars().all()
    engine.dispose()
    assert secret.encode() not in bytes(stored or b"") and len(hashes) == 10
    assert not {c.replace("-", "") for c in codes} & set(hashes)


def test_wrong_codes_lock_the_second_factor(stack: Stack) -> None:
    user = stack.user()
    secret, _ = enrol_on_account_page(stack, user)
    client = stack.browser()
    password_step(stack, client, user)
    for _ in range(stack.settings.LOGIN_MAX_FAILURES_PER_ACCOUNT):
        wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
        assert code_step(client, code=wrong).status_code == 401
    assert code_step(client, code=pyotp.TOTP(secret).now()).status_code == 401  # locked


def test_json_login_of_a_user_with_a_factor_is_refused(stack: Stack) -> None:
    user = stack.user()
    enrol_on_account_page(stack, user)
    resp = stack.browser().post(LOGIN, json={"username": user.username, "password": PASSWORD})
    assert resp.status_code == 403 and resp.json()["error"] == "access_denied"


def test_the_acr_hint_makes_a_user_without_factors_enrol_at_sign_in(stack: Stack) -> None:
    user = stack.user()
    client = stack.browser()
    first = password_step(stack, client, user, acr=ACR_MFA)
    assert first.status_code == 303 and first.headers["location"] == ENROL
    page = client.get(ENROL)
    assert page.status_code == 200 and "needs a second factor" in page.text
    secret = re.search(r'id="manual-key">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")  # type: ignore[union-attr]
    done = client.post(ENROL, data={"csrf_token": field(page.text, "csrf_token"),
                                    "offer": field(page.text, "offer"), "code": pyotp.TOTP(secret).now()},
                       follow_redirects=False)
    assert done.status_code == 200 and "sso_session=" in done.headers["set-cookie"]
    assert len(re.findall(r"<li><code>", done.text)) == 10 and 'href="/done"' in done.text
    assert list(stack.sessions.created[-1].amr) == ["pwd", "otp", "mfa"]


def test_step_up_asks_only_the_code_and_elevates_the_session(stack: Stack) -> None:
    user = stack.user()
    secret, _ = enrol_on_account_page(stack, user)
    client = stack.browser()
    token = stack.session_for(client, user.id, ["pwd"])
    start = client.get(LOGIN, params={"return_to": "/authorize?x=1", "acr": ACR_MFA}, follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"] == SECOND
    done = code_step(client, code=pyotp.TOTP(secret).now())
    assert done.status_code == 303 and done.headers["location"] == "/authorize?x=1"
    elevated = stack.sessions.elevated[-1]
    assert elevated.session_token == token and list(elevated.amr) == ["otp", "mfa"]
    assert token not in stack.sessions.sessions  # the old cookie value no longer works
    again = client.get(LOGIN, params={"return_to": "/authorize?x=1", "acr": ACR_MFA}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/authorize?x=1"


def test_the_account_page_needs_a_recent_sign_in(stack: Stack) -> None:
    user = stack.user()
    anonymous = stack.browser().get(SECURITY, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"{LOGIN}?return_to=%2Fapi%2Fv1%2Fsso%2Faccount%2Fsecurity"
    client = stack.browser()
    stack.session_for(client, user.id, ["pwd"], age=3600)
    assert client.get(SECURITY, follow_redirects=False).status_code == 303
    stack.session_for(client, user.id, ["pwd"])
    assert client.get(SECURITY).status_code == 200


def test_account_forms_need_the_csrf_token(stack: Stack) -> None:
    user = stack.user()
    enrol_on_account_page(stack, user)
    client = stack.browser()
    stack.session_for(client, user.id, ["pwd"])
    resp = client.post(f"{SECURITY}/recovery-codes", data={"csrf_token": "forged"}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].endswith("done=expired")


def test_an_authorization_request_asking_for_two_factors_is_a_hint_too(stack: Stack) -> None:
    user = stack.user()
    client = stack.browser()
    return_to = f"/api/v1/oauth/authorize?client_id=web&acr_values={ACR_MFA}"
    first = password_step(stack, client, user, return_to=return_to)
    assert first.status_code == 303 and first.headers["location"] == ENROL
