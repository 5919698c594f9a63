"""A stand-in for the token service's ValidateToken (the admin API's bearer tokens):
token -> (client_id, scopes, audiences), registered by the test."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from authgate_common.core.access_tokens import TokenInfo
from authgate_common.core.errors import InvalidToken


class FakeTokens:
    def __init__(self) -> None:
        self.tokens: dict[str, TokenInfo] = {}

    def add(self, client_id: str, scopes: str, *audiences: str) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = TokenInfo(sub=client_id, sid="", scopes=tuple(scopes.split()),
                                       audiences=audiences, client_id=client_id)
        return token

    def validate(self, token: str, required_scopes: Sequence[str] = ()) -> TokenInfo:
        if token not in self.tokens:
            raise InvalidToken("The access token is invalid.")
        return self.tokens[token]
