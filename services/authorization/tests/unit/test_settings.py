"""Settings: codes live at most 60 seconds (RFC 6749 §4.1.2, RFC 9700 §4.2.1)."""

from __future__ import annotations

import secrets

import pydantic
import pytest
from authorization_service.settings import Settings


def test_defaults() -> None:
    s = Settings(_env_file=None, SECRET_KEY=secrets.token_urlsafe(32))  # type: ignore[call-arg]
    assert (s.AUTHORIZATION_HTTP_PORT, s.AUTHORIZATION_GRPC_PORT) == (8103, 50053)
    assert s.AUTHORIZATION_CODE_TTL_SECONDS == 60 and s.SESSION_COOKIE_NAME == "sso_session"


@pytest.mark.parametrize("ttl", [0, 61, 600])
def test_code_ttl_is_bounded(ttl: int) -> None:
    with pytest.raises(pydantic.ValidationError):
        Settings(_env_file=None, SECRET_KEY=secrets.token_urlsafe(32), AUTHORIZATION_CODE_TTL_SECONDS=ttl)  # type: ignore[call-arg]
