"""The account flows through the identity service's HTTP app, on real PostgreSQL and a real
SMTP server (aiosmtpd in process): password reset, email verification, self-registration,
password change; the same answer for every address; CSRF; 404 where they are off."""

from __future__ import annotations

import re
import secrets
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest
from authgate.session.v1 import session_pb2 as ss
from authgate.session.v1 import session_pb2_grpc as ss_grpc
from authgate_common.grpc_server import create_server
from fastapi.testclient import TestClient
from identity_peer_fakes import FakeSessionService
from identity_service.bootstrap import IdentityService, bootstrap, migrate
from identity_service.domain.create_user import NewUser
from identity_service.domain.users import User
from identity_service.settings import Settings
from smtp_sink import SmtpSink, link_in, smtp_sink

PASSWORD = "correct horse battery"
NEW = "a brand new passphrase"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class RevokingSessions(FakeSessionService):
    """Ends the user's sessions but keep_sid, and records what it was asked."""

    revocations: list[tuple[str, str]] = field(default_factory=list)

    def RevokeUserSessions(self, request, context):  # noqa: N802
        self.revocations.append((request.user_id, request.keep_sid))
        self.sessions = {t: s for t, s in self.sessions.items()
                         if s.user_id != request.user_id or (request.keep_sid and s.sid == request.keep_sid)}
        return ss.RevokeUserSessionsResponse()


@dataclass
class Site:
    service: IdentityService
    http: TestClient
    sink: SmtpSink
    sessions: RevokingSessions
    database_url: str

    def user(self, **fields: object) -> User:
        name = "u" + secrets.token_hex(5)
        return self.service.use_cases.create_user(NewUser(username=name, email=f"{name}@example.com",
                                                          password=PASSWORD, **fields))  # type: ignore[arg-type]

    def form(self, path: str, **fields: str) -> httpx.Response:
        """GET the page, then POST its form with `fields` and the page's CSRF token."""
        page = self.http.get(path)
        assert page.status_code == 200, page.text
        token = CSRF.search(page.text)
        assert token, page.text
        action = path.split("?", 1)[0]
        return self.http.post(action, data={"csrf_token": token.group(1), **fields})

    def signs_in(self, username: str, password: str) -> bool:
        resp = TestClient(self.service.http_app).post("/api/v1/sso/login",
                                                      json={"username": username, "password": password})
        return resp.status_code == 200

    def expire_tokens(self, user_id: str) -> None:
        with psycopg.connect(self.database_url) as conn:
            conn.execute("UPDATE identity.account_tokens SET expires_at = now() - interval '1 second' "
                         "WHERE user_id = %s", (user_id,))


def _path(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def _settings(database_url: str, fakes: str, **extra: Any) -> Settings:
    return Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True,  # type: ignore[call-arg]
                    DATABASE_URL=database_url, BCRYPT_ROUNDS=4, SECRET_KEY=secrets.token_urlsafe(32),
                    SESSION_GRPC_TARGET=fakes, TOKEN_GRPC_TARGET=fakes, AUTHORIZATION_GRPC_TARGET=fakes,
                    **extra)


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[str, RevokingSessions]]:
    sessions = RevokingSessions()
    server, port, _ = create_server(0, lambda s: ss_grpc.add_SessionServiceServicer_to_server(sessions, s),
                                    service_names=[], host="127.0.0.1")
    try:
        yield f"127.0.0.1:{port}", sessions
    finally:
        server.stop(None)


@pytest.fixture(scope="module")
def site(database_url: str, fakes: tuple[str, RevokingSessions]) -> Iterator[Site]:
    target, sessions = fakes
    with smtp_sink() as sink:
        settings = _settings(database_url, target, SMTP_HOST=sink.host, SMTP_PORT=sink.port,
                             SMTP_STARTTLS=False, SELF_REGISTRATION_ENABLED=True, ISSUER="http://id.test")
        migrate(settings)
        service = bootstrap(settings)
        try:
            with TestClient(service.http_app) as http:
                yield Site(service, http, sink, sessions, database_url)
        finally:
            service.close()


def _app(database_url: str, target: str, **extra: Any) -> Iterator[TestClient]:
    service = bootstrap(_settings(database_url, target, **extra))
    try:
        with TestClient(service.http_app) as http:
            yield http
    finally:
        service.close()


def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(site: Site) -> None:
    user = site.user()
    assert site.signs_in(user.username, PASSWORD)
    sent = site.form("/api/v1/sso/password-reset", email=user.email)
    assert sent.status_code == 200 and "If an account uses this address" in sent.text
    [mail] = site.sink.wait_for(user.email)
    link = link_in(mail, "/api/v1/sso/password-reset/confirm")
    assert link.startswith("http://id.test/api/v1/sso/password-reset/confirm?token=")
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["token"][0]
    done = site.form(_path(link), token=token, new_password=NEW, new_password_again=NEW)
    assert done.status_code == 200 and "Your password was changed" in done.text
    assert not site.signs_in(user.username, PASSWORD)
    assert site.signs_in(user.username, NEW)
    assert (user.id, "") in site.sessions.revocations
    again = site.http.get(_path(link))
    assert again.status_code == 400 and "This link cannot be used" in again.text
    [note] = site.sink.wait_for(user.email, count=2)[1:]
    assert note["Subject"] == "Your password was changed"


def test_every_address_gets_the_same_page_and_only_a_registered_one_a_mail(site: Site) -> None:
    user = site.user()
    known = site.form("/api/v1/sso/password-reset", email=user.email)
    unknown = site.form("/api/v1/sso/password-reset", email="nobody-" + user.email)
    assert known.status_code == unknown.status_code == 200
    assert CSRF.sub("", known.text) == CSRF.sub("", unknown.text)  # the CSRF token differs, nothing else
    site.sink.wait_for(user.email)
    assert not [m for m in site.sink.messages if "nobody-" in str(m["To"])]


def test_an_expired_link_is_refused(site: Site) -> None:
    user = site.user()
    site.form("/api/v1/sso/password-reset", email=user.email)
    link = link_in(site.sink.wait_for(user.email)[0], "/password-reset/confirm")
    site.expire_tokens(user.id)
    page = site.http.get(_path(link))
    assert page.status_code == 400 and "This link cannot be used" in page.text
    assert site.signs_in(user.username, PASSWORD)


def test_a_form_without_its_csrf_token_sends_nothing(site: Site) -> None:
    user = site.user()
    resp = site.http.post("/api/v1/sso/password-reset", data={"email": user.email})
    assert resp.status_code == 400 and "Your session expired" in resp.text
    assert not [m for m in site.sink.messages if user.email in str(m["To"])]


def test_the_forms_take_html_forms_only(site: Site) -> None:
    resp = site.http.post("/api/v1/sso/password-reset", json={"email": "a@example.com"})
    assert resp.status_code == 415 and resp.json()["error"] == "invalid_request"


def test_registration_creates_an_unverified_account_confirmed_by_the_mailed_link(site: Site) -> None:
    name = "r" + secrets.token_hex(5)
    email = f"{name}@example.com"
    done = site.form("/api/v1/sso/register?ui_locales=de", username=name, email=email, password=NEW,
                     password_again=NEW, ui_locales="de")
    assert done.status_code == 200 and "Sehen Sie in Ihr Postfach" in done.text
    [mail] = site.sink.wait_for(email)
    assert mail["Subject"] == "Bestätigen Sie Ihre E-Mail-Adresse"
    user = site.service.use_cases.directory.get_by_username(name)
    assert not user.email_verified
    link = link_in(mail, "/api/v1/sso/verify-email")
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["token"][0]
    confirmed = site.form(_path(link), token=token)
    assert confirmed.status_code == 200 and "Email address confirmed" in confirmed.text
    assert site.service.use_cases.directory.get(user.id).email_verified
    assert site.signs_in(name, NEW)


def test_registering_a_taken_address_answers_the_same_and_mails_its_owner(site: Site) -> None:
    owner = site.user()
    name = "r" + secrets.token_hex(5)
    resp = site.form("/api/v1/sso/register", username=name, email=owner.email, password=NEW,
                     password_again=NEW)
    assert resp.status_code == 200 and "Check your mail" in resp.text
    [note] = site.sink.wait_for(owner.email)
    assert note["Subject"] == "Someone tried to create an account with your address"
    taken = site.form("/api/v1/sso/register", username=owner.username, email="x" + owner.email,
                      password=NEW, password_again=NEW)
    assert taken.status_code == 409 and 'aria-invalid="true"' in taken.text


def test_a_password_change_needs_the_current_one_and_can_sign_out_the_other_devices(site: Site) -> None:
    user = site.user()
    other = TestClient(site.service.http_app)
    other.post("/api/v1/sso/login", json={"username": user.username, "password": PASSWORD})
    me = site.http.post("/api/v1/sso/login", json={"username": user.username, "password": PASSWORD}).json()
    wrong = site.form("/api/v1/sso/account/password", current_password="nope", new_password=NEW,
                      new_password_again=NEW)
    assert wrong.status_code == 400 and "Your current password is wrong." in wrong.text
    done = site.form("/api/v1/sso/account/password", current_password=PASSWORD, new_password=NEW,
                     new_password_again=NEW, sign_out_others="on")
    assert done.status_code == 200 and "Your other devices have been signed out." in done.text
    assert (user.id, me["sid"]) in site.sessions.revocations
    assert site.http.get("/api/v1/sso/account/email").status_code == 200  # this session lives on
    assert other.get("/api/v1/sso/account/email", follow_redirects=False).status_code == 303
    assert site.signs_in(user.username, NEW)


def test_the_account_pages_send_a_stranger_to_the_login_page(site: Site) -> None:
    resp = TestClient(site.service.http_app).get("/api/v1/sso/account/password", follow_redirects=False)
    assert resp.status_code == 303
    location = resp.headers["location"]
    assert location.startswith("/api/v1/sso/login?return_to=%2Fapi%2Fv1%2Fsso%2Faccount%2Fpassword")


def test_a_signed_in_user_can_ask_for_a_new_verification_link(site: Site) -> None:
    user = site.user()
    site.http.post("/api/v1/sso/login", json={"username": user.username, "password": PASSWORD})
    page = site.http.get("/api/v1/sso/account/email")
    assert "This address is not confirmed yet." in page.text
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    resp = site.http.post("/api/v1/sso/verify-email/send", data={"csrf_token": token})
    assert resp.status_code == 200 and user.email in resp.text
    assert site.sink.wait_for(user.email)[0]["Subject"] == "Confirm your email address"


def test_registration_is_404_when_off_and_so_are_the_mail_pages_without_smtp(
        database_url: str, fakes: tuple[str, RevokingSessions]) -> None:
    for http in _app(database_url, fakes[0]):
        assert http.get("/api/v1/sso/register").status_code == 404
        assert http.post("/api/v1/sso/register", data={"username": "x"}).status_code == 404
        page = http.get("/api/v1/sso/password-reset")
        assert page.status_code == 404 and "Email is not set up on this server" in page.text
        posted = http.post("/api/v1/sso/password-reset", data={"email": "a@example.com"})
        assert posted.status_code == 404
