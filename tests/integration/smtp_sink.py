"""A real SMTP server in the test process (aiosmtpd) that keeps every message it gets."""

from __future__ import annotations

import contextlib
import email
import email.policy
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class SmtpSink:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(message)  # type: ignore[arg-type]
            self._arrived.notify_all()
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append((data.login.decode(), data.password.decode()))
            return AuthResult(success=data.password == b"mail-password", handled=False)
        return AuthResult(success=False, handled=False)

    def wait_for(self, to: str, count: int = 1, timeout: float = 10) -> list[EmailMessage]:
        """The messages to `to` once there are `count` of them (waits for background sends)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found = [m for m in self.messages if to.lower() in str(m["To"]).lower()]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                assert left > 0, f"no {count} mail(s) to {to} within {timeout} s: {len(found)}"
                self._arrived.wait(left)


def link_in(message: EmailMessage, path: str) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    match = re.search(r"https?://\S*" + re.escape(path) + r"\S*", body.get_content())
    assert match, f"no link to {path} in {body.get_content()!r}"
    return match.group(0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def smtp_sink(auth: bool = False) -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    options: dict[str, Any] = {"authenticator": sink.authenticate, "auth_require_tls": False} if auth else {}
    controller = Controller(sink, hostname=sink.host, port=sink.port, **options)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
