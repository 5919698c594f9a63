"""Email verification: a link with a single-use token proves the person reads the address
(OIDC Core §5.1 `email_verified`; NIST SP 800-63A §5.3.2 address confirmation).

The token (tokens.py) is bound to the user and to the address it was sent to: a user who
changed their address meanwhile verifies nothing with the old link. Opening the link shows
a button and only submitting it verifies, so a mail scanner that fetches every link
verifies no address on its owner's behalf. A new link retires the older ones; a link
lives EMAIL_VERIFICATION_TTL_SECONDS (24 h by default).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from authgate_common.core.audit import AuditEvent
from authgate_common.core.errors import TooManyRequests

from ..users import User
from .courier import Courier
from .mail_limit import MailLimit
from .ports import VERIFY_EMAIL, AccountUnitOfWork, Letter, Links
from .tokens import InvalidLink, LinkTokens

log = logging.getLogger(__name__)


class SendVerification:
    def __init__(self, uow: AccountUnitOfWork, tokens: LinkTokens, courier: Courier, links: Links,
                 limit: MailLimit | None, ttl_seconds: int) -> None:
        self._uow, self._tokens, self._courier, self._links = uow, tokens, courier, links
        self._limit, self._ttl = limit, ttl_seconds

    def accept(self, user_id: str, client_ip: str) -> None:
        """A signed-in user asks for a (new) link: 404 without mail, 429 past a limit."""
        self._courier.require_ready()
        if self._limit is not None and not self._limit.allow(f"user:{user_id}", client_ip):
            raise TooManyRequests("Too many verification mails; try again later.")

    def deliver(self, user_id: str, client_ip: str, locale: str) -> None:
        """In the background: mail a link unless the address is verified already."""
        now = self._tokens.now()
        with self._uow() as store:
            user = store.users.get(user_id)
            if user is None or user.disabled or user.email_verified:
                return
            raw, token = self._tokens.mint(VERIFY_EMAIL, user, self._ttl)
            store.tokens.retire(user.id, VERIFY_EMAIL, now)
            store.tokens.add(token)
            store.audit.record(AuditEvent("email.verification_sent", user.id, source=client_ip))
        self._courier.send(Letter("verify_email", user.email, user.username, locale,
                                  link=self._links.verify_email(raw), valid_minutes=self._ttl // 60),
                           user.id)


class VerifyEmail:
    def __init__(self, uow: AccountUnitOfWork, tokens: LinkTokens) -> None:
        self._uow, self._tokens = uow, tokens

    def check(self, raw: str) -> None:
        """InvalidLink unless the link can still be used (the confirmation page is shown)."""
        token_hash = self._tokens.hash(raw)
        with self._uow() as store:
            token = store.tokens.find(token_hash, VERIFY_EMAIL)
        if token is None or not token.usable(self._tokens.now()):
            raise InvalidLink()

    def __call__(self, raw: str, client_ip: str) -> User:
        token_hash = self._tokens.hash(raw)
        now = self._tokens.now()
        with self._uow() as store:
            token = store.tokens.consume(token_hash, VERIFY_EMAIL, now)
            user = store.users.get(token.user_id, for_update=True) if token is not None else None
            if token is None or user is None or user.disabled or user.email_key != token.email_key:
                raise InvalidLink()
            if not user.email_verified:
                user = replace(user, email_verified=True, updated_at=now, version=user.version + 1)
                store.users.save(user)
                store.audit.record(AuditEvent("email.verified", user.id, user.id, source=client_ip))
        return user
