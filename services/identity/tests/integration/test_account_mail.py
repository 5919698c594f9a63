"""Mail over a real SMTP server (aiosmtpd in process): the letters' templates in English and
German, their headers, authentication, and failures that never leak the password
(adapters/mailer.py)."""

from __future__ import annotations

import logging
import smtplib

import pytest
from identity_service.adapters.mailer import SmtpConfig, SmtpMailer, TemplatedPostbox
from identity_service.domain.account.courier import Courier
from identity_service.domain.account.ports import Letter
from identity_service.entrypoints.login_page import identity_pages
from pydantic import SecretStr
from smtp_sink import link_in, smtp_sink

LINK = "https://id.example/api/v1/sso/password-reset/confirm?token=abc-DEF_123&x=1"


def postbox(port: int, **config: object) -> TemplatedPostbox:
    smtp = SmtpConfig(host="127.0.0.1", port=port, starttls=False, timeout_seconds=5, **config)  # type: ignore[arg-type]
    return TemplatedPostbox(identity_pages(), SmtpMailer(smtp), "authgate <no-reply@id.example>")


def test_a_reset_letter_arrives_with_its_link_subject_and_headers() -> None:
    with smtp_sink() as sink:
        postbox(sink.port).send(Letter("password_reset", "alice@example.com", "Alice & <Bob>", "en",
                                       link=LINK, valid_minutes=30))
        [message] = sink.wait_for("alice@example.com")
    assert message["Subject"] == "Reset your password"
    assert message["From"] == "authgate <no-reply@id.example>"
    assert message["Auto-Submitted"] == "auto-generated" and message["Content-Language"] == "en"
    assert message["Message-ID"].endswith("@id.example>")
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Hello Alice & <Bob>," in body  # plain text: nothing HTML-escaped
    assert "30 minutes" in body
    assert link_in(message, "/password-reset/confirm") == LINK


@pytest.mark.parametrize(("kind", "subject"), [
    ("password_reset", "Passwort zurücksetzen"),
    ("verify_email", "Bestätigen Sie Ihre E-Mail-Adresse"),
    ("already_registered", "Jemand wollte mit Ihrer Adresse ein Konto anlegen"),
    ("password_changed", "Ihr Passwort wurde geändert"),
])
def test_every_letter_is_written_in_german_too(kind: str, subject: str) -> None:
    message = postbox(1).compose(Letter(kind, "a@example.com", "anna", "de", link=LINK, valid_minutes=1440))
    assert message["Subject"] == subject and message["Content-Language"] == "de"
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert body.startswith("Hallo anna,") and LINK in body


def test_the_mailer_logs_in_when_a_username_is_set() -> None:
    with smtp_sink(auth=True) as sink:
        postbox(sink.port, username="authgate", password=SecretStr("mail-password")).send(
            Letter("verify_email", "bob@example.com", "bob", "en", link=LINK, valid_minutes=1440))
        sink.wait_for("bob@example.com")
    assert sink.logins == [("authgate", "mail-password")]


def test_a_refused_login_is_logged_without_the_password(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with smtp_sink(auth=True) as sink:
        box = postbox(sink.port, username="authgate", password=SecretStr("wrong-secret-value"))
        sent = Courier(box).send(Letter("verify_email", "bob@example.com", "bob", "en", link=LINK), "user-1")
    assert not sent and sink.messages == []
    assert "verify_email mail for user user-1 not sent: SMTPAuthenticationError" in caplog.text
    assert "wrong-secret-value" not in caplog.text
    assert "wrong-secret-value" not in repr(SmtpConfig("h", password=SecretStr("wrong-secret-value")))


def test_starttls_required_but_not_offered_sends_nothing() -> None:
    with smtp_sink() as sink:
        box = TemplatedPostbox(identity_pages(), SmtpMailer(SmtpConfig("127.0.0.1", sink.port, starttls=True,
                                                                       timeout_seconds=5)), "a@id.example")
        with pytest.raises(smtplib.SMTPNotSupportedError):
            box.send(Letter("verify_email", "bob@example.com", "bob", "en", link=LINK))
    assert sink.messages == []


def test_an_unreachable_server_fails_within_the_timeout() -> None:
    from smtp_sink import free_port

    box = postbox(free_port())
    with pytest.raises(OSError):
        box.send(Letter("verify_email", "bob@example.com", "bob", "en", link=LINK))


def test_without_smtp_host_the_postbox_is_not_ready() -> None:
    assert not TemplatedPostbox(identity_pages(), None, "a@id.example").ready
