"""Logout registration fields: post_logout_redirect_uris (OIDC RP-Initiated Logout 1.0
§3.1, exact URIs validated like redirect URIs) and backchannel_logout_uri (OIDC
Back-Channel Logout 1.0 §2.2)."""

from __future__ import annotations

import pytest
from authgate.authorization.v1 import authorization_pb2 as pb
from authgate_common.core.errors import InvalidRequest
from authorization_service.entrypoints.messages import client_from_message, client_message


def test_logout_fields_are_stored_and_deduplicated(core) -> None:
    client, _ = core.register(
        post_logout_redirect_uris=("https://app.example/bye", "https://app.example/bye", "myapp:/bye"),
        backchannel_logout_uri="https://app.example/backchannel?tenant=1",
    )
    stored = core.uow.repos.clients.rows["web"]
    assert stored.post_logout_redirect_uris == ("https://app.example/bye", "myapp:/bye")
    assert stored.backchannel_logout_uri == "https://app.example/backchannel?tenant=1"
    assert stored.backchannel_logout_session_required is True
    assert client == stored


def test_loopback_http_backchannel_uri_is_allowed(core) -> None:
    client, _ = core.register(backchannel_logout_uri="http://127.0.0.1:8080/logout")
    assert client.backchannel_logout_uri == "http://127.0.0.1:8080/logout"


@pytest.mark.parametrize(
    "fields",
    [
        {"post_logout_redirect_uris": ("http://app.example/bye",)},
        {"post_logout_redirect_uris": ("javascript:alert(1)",)},
        {"post_logout_redirect_uris": ("https://app.example/bye#x",)},
        {"post_logout_redirect_uris": ("/relative",)},
        {"post_logout_redirect_uris": ("",)},
        {"backchannel_logout_uri": "http://app.example/bc"},
        {"backchannel_logout_uri": "ftp://app.example/bc"},
        {"backchannel_logout_uri": "myapp:/bc"},
        {"backchannel_logout_uri": "https://app.example/bc#frag"},
        {"backchannel_logout_uri": "https://user:pw@app.example/bc"},
        {"backchannel_logout_uri": "https:///no-host"},
        {"backchannel_logout_uri": "https://app.example:99999/bc"},
        {"backchannel_logout_uri": "https://app.example/b c"},
        {"backchannel_logout_uri": "https://app.example/" + "x" * 2000},
    ],
)
def test_bad_logout_uris_are_invalid_request(core, fields) -> None:
    with pytest.raises(InvalidRequest):
        core.register(**fields)


def test_session_required_defaults_to_true_over_grpc() -> None:
    unset = client_from_message(pb.Client(client_id="web"))
    assert unset.backchannel_logout_session_required is True
    explicit = client_from_message(pb.Client(client_id="web", backchannel_logout_session_required=False))
    assert explicit.backchannel_logout_session_required is False


def test_logout_fields_round_trip_through_the_message(core) -> None:
    client, _ = core.register(
        post_logout_redirect_uris=("https://app.example/bye",),
        backchannel_logout_uri="https://app.example/bc",
    )
    msg = client_message(client)
    assert list(msg.post_logout_redirect_uris) == ["https://app.example/bye"]
    assert msg.backchannel_logout_uri == "https://app.example/bc"
    assert msg.HasField("backchannel_logout_session_required") and msg.backchannel_logout_session_required
