"""The note a person gets when their password changed (OWASP Forgot Password Cheat Sheet:
"notify the user"; NIST SP 800-63B §6.1.2.3): if it was not them, the mail links to the
reset page. Best effort, in the background; without a mail server, nothing is sent."""

from __future__ import annotations

from ..users import User
from .courier import Courier
from .ports import Letter, Links


class PasswordChangedNotice:
    def __init__(self, courier: Courier, links: Links) -> None:
        self._courier, self._links = courier, links

    def deliver(self, user: User, locale: str) -> None:
        if self._courier.ready:
            self._courier.send(Letter("password_changed", user.email, user.username, locale,
                                      link=self._links.password_reset_request()), user.id)
