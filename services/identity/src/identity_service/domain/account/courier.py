"""Hands letters to the Postbox and keeps its failures out of the answer.

A flow that mails decides everything while the person waits (which answer, whether a
limit was hit) and sends afterwards, in the background: the answer and its timing are the
same whether or not a mail goes out (OWASP Forgot Password Cheat Sheet, "consistent
response time"). A mail that cannot be sent is logged with the user's id and the error's
type only: never the address's mail server's reply, which may quote the message.
"""

from __future__ import annotations

import logging

from authgate_common.core.errors import NotFound

from .ports import Letter, Postbox

log = logging.getLogger(__name__)


class MailUnavailable(NotFound):
    """No mail server is configured (SMTP_HOST): the flows that mail are off, as
    self-registration is when it is off — a 404, not an outage to retry."""

    default_description = "Email is not set up on this server, so this page is not available."


class Courier:
    def __init__(self, postbox: Postbox) -> None:
        self._postbox = postbox

    @property
    def ready(self) -> bool:
        return self._postbox.ready

    def require_ready(self) -> None:
        """Before accepting a request that mails: 404 when no mail server is configured."""
        if not self._postbox.ready:
            raise MailUnavailable(detail="SMTP_HOST is not set")

    def send(self, letter: Letter, user_id: str = "") -> bool:
        try:
            self._postbox.send(letter)
        except Exception as exc:  # noqa: BLE001 - background work: log, never raise
            log.warning("%s mail for user %s not sent: %s", letter.kind, user_id or "-", type(exc).__name__)
            return False
        log.info("%s mail for user %s sent", letter.kind, user_id or "-")
        return True
