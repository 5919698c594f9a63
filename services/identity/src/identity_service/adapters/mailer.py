"""Mail over SMTP (RFC 5321), upgraded with STARTTLS (RFC 3207) when SMTP_STARTTLS is on,
authenticated when SMTP_USERNAME is set; every step bounded by SMTP_TIMEOUT_SECONDS.

`SmtpMailer` only transmits. `TemplatedPostbox` writes a domain Letter from its template
`mail/<kind>.txt` (first line the subject, then a blank line, then the plain-text body), in
the person's language, through the same Pages as the HTML pages, so a theme can reword
them. smtplib blocks: the flows call it from background threads, never the event loop.
The password is a SecretStr and no SMTP exchange is ever logged (debuglevel stays 0).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from authgate_common.pages import Pages
from markupsafe import Markup
from pydantic import SecretStr

from ..domain.account.ports import Letter


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    starttls: bool = True
    username: str = ""
    password: SecretStr = field(default_factory=lambda: SecretStr(""))
    timeout_seconds: float = 10.0


class SmtpMailer:
    def __init__(self, config: SmtpConfig) -> None:
        self._config = config

    def send(self, message: EmailMessage) -> None:
        c = self._config
        with smtplib.SMTP(c.host, c.port, timeout=c.timeout_seconds) as smtp:
            smtp.ehlo()
            if c.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if c.username:
                smtp.login(c.username, c.password.get_secret_value())
            smtp.send_message(message)


class TemplatedPostbox:
    """The domain's Postbox: a letter from its template, sent by `mailer` (None: no mail)."""

    def __init__(self, pages: Pages, mailer: SmtpMailer | None, mail_from: str) -> None:
        self._pages, self._mailer, self._from = pages, mailer, mail_from

    @property
    def ready(self) -> bool:
        return self._mailer is not None

    def compose(self, letter: Letter) -> EmailMessage:
        # Plain text, never HTML: Markup only keeps autoescape from writing "&amp;" into a mail.
        context = {"username": Markup(letter.username), "email": Markup(letter.to),  # noqa: S704
                   "link": Markup(letter.link), "valid_minutes": letter.valid_minutes}  # noqa: S704
        text = self._pages.render_text(f"mail/{letter.kind}.txt", letter.locale, **context)
        subject, _, body = text.strip().partition("\n")
        message = EmailMessage()
        message["From"] = self._from
        message["To"] = letter.to
        message["Subject"] = subject.strip()
        message["Date"] = formatdate(usegmt=True)
        domain = parseaddr(self._from)[1].rpartition("@")[2] or "localhost"
        message["Message-ID"] = make_msgid(domain=domain)
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
        message.set_content(body.strip() + "\n")
        message["Content-Language"] = letter.locale  # after set_content, which resets Content-*
        return message

    def send(self, letter: Letter) -> None:
        if self._mailer is None:
            raise RuntimeError("no mail server configured (SMTP_HOST)")
        self._mailer.send(self.compose(letter))
