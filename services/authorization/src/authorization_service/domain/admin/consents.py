"""The admin API's consents: a user's standing approvals, and withdrawing them — the
user's own withdrawal (consent/book.py), so what it sets off is the same: the approval
stops covering the next /authorize, and the client's refresh tokens for that user (and the
access tokens they issued) are revoked by the token service through the outbox. Audited
as `admin.consent.withdrawn` with the acting client.

A user holds at most one approval per client, so a listing is bounded by the clients
registered: it comes whole, not in pages.
"""

from __future__ import annotations

from authgate_common.core.admin_api import UUID_ID, Acting
from authgate_common.core.errors import InvalidRequest, NotFound

from ..consent.book import ConsentBook, ConsentView


def _user_id(user_id: str) -> str:
    """Users are named by their id, a UUID (as the admin users API shows it)."""
    if not UUID_ID.fullmatch(user_id.lower()):
        raise InvalidRequest("user_id must be a user's id (a UUID).")
    return user_id.lower()


class ConsentAdmin:
    def __init__(self, book: ConsentBook) -> None:
        self._book = book

    def of_user(self, user_id: str) -> list[ConsentView]:
        return self._book.of_user(_user_id(user_id))

    def withdraw(self, user_id: str, client_id: str, by: Acting) -> None:
        try:
            self._book.withdraw(_user_id(user_id), client_id, by)
        except NotFound:
            raise NotFound("The user has no standing approval of this client.") from None

    def withdraw_all(self, user_id: str, by: Acting) -> list[str]:
        """Every approval the user holds now; the client_ids withdrawn (one transaction
        each: one withdrawn meanwhile by someone else is simply not counted)."""
        withdrawn = []
        for view in self._book.of_user(_user_id(user_id)):
            try:
                self._book.withdraw(_user_id(user_id), view.client_id, by)
            except NotFound:
                continue
            withdrawn.append(view.client_id)
        return withdrawn
