"""What introspection (RFC 7662 §2.1) and revocation (RFC 7009 §2.1) ask of every caller:
client authentication (invalid_client) and a token parameter (invalid_request)."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidClient, InvalidRequest
from token_service.entrypoints.form_request import form_request


@pytest.mark.parametrize("endpoint", ["introspection", "revocation"])
def test_the_caller_must_authenticate_and_send_a_token(calls, endpoint: str) -> None:
    send = calls.introspect if endpoint == "introspection" else calls.revoke
    with pytest.raises(InvalidClient):
        send("x", auth=("app", "wrong"))
    with pytest.raises(InvalidClient):
        getattr(calls.world.service, endpoint).handle(
            form_request("application/x-www-form-urlencoded", b"token=x", None))
    with pytest.raises(InvalidRequest):
        send("")
