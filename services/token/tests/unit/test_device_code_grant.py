"""The device authorization endpoint and the device_code grant (RFC 8628 §3.1-3.5) on the
token side: client authentication as at /token, the grant type required, the §3.5 errors
passed through, tokens as the code grant issues them; off: unsupported and not advertised."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import pytest
from authgate_common.core.errors import (
    AuthorizationPending,
    InvalidClient,
    InvalidTarget,
    SlowDown,
    UnauthorizedClient,
    UnsupportedGrantType,
)
from authgate_common.core.kv import MemoryStore
from token_fakes import (
    FORM,
    FakeAuthorization,
    FakeIdentity,
    FakeKeyStore,
    FakeRefreshStore,
    FakeSessions,
    basic,
    form,
    grant,
)
from token_service.adapters.deny_list import MemoryDenyList
from token_service.bootstrap import build, key_policy
from token_service.domain.endpoints.device_authorization import DEVICE_CODE_GRANT, StartedDevice
from token_service.domain.keys.key_ring import KeyRing
from token_service.domain.keys.key_rotation import KeyRotation
from token_service.domain.keys.signing_keys import SigningKeys
from token_service.domain.ports import Client, RedeemedGrant
from token_service.entrypoints.form_request import form_request
from token_service.settings import Settings


class FakeDevices:
    def __init__(self) -> None:
        self.started: list[tuple[str, str, tuple[str, ...]]] = []
        self.answers: list[Any] = []

    def start_device(self, client_id: str, scope: str, resources: tuple[str, ...]) -> StartedDevice:
        self.started.append((client_id, scope, resources))
        return StartedDevice("dc-1", "BCDF-GHJK", "https://auth.example/api/v1/oauth/device",
                             "https://auth.example/api/v1/oauth/device?user_code=BCDF-GHJK", 600, 5)

    def poll_device(self, client_id: str, device_code: str) -> RedeemedGrant:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _service(keys, signing_key, devices: FakeDevices | None):
    settings = Settings(_env_file=None, ISSUER="https://auth.example/",  # type: ignore[call-arg]
                        SECRET_KEY=secrets.token_urlsafe(32))
    authorization, identity = FakeAuthorization(), FakeIdentity()
    identity.users["u1"] = {"name": "Alice"}
    sessions = FakeSessions()
    sessions.alive.add("sid-1")
    signing_keys = SigningKeys(KeyRotation(FakeKeyStore([signing_key]), key_policy(settings)), KeyRing(keys))
    service = build(settings, signing_keys=signing_keys, store=MemoryStore("t:"), deny_list=MemoryDenyList(),
                    clients=authorization, codes=authorization, identity=identity, sessions=sessions,
                    refresh_uow=FakeRefreshStore(), devices=devices)
    service.keeper.ensure_complete()
    authorization.add_client(Client("tv", client_type="public", token_endpoint_auth_method="none",
                                    grant_types=(DEVICE_CODE_GRANT, "refresh_token"),
                                    scopes=("openid", "read")))
    authorization.add_client(Client("web", grant_types=("authorization_code",), scopes=("openid",)), "s")
    return service


@pytest.fixture
def devices() -> FakeDevices:
    return FakeDevices()


@pytest.fixture
def service(keys, signing_key, devices):
    return _service(keys, signing_key, devices)


def test_device_authorization_answers_section_3_2(service, devices) -> None:
    request = form_request(FORM, form({"client_id": "tv", "scope": "openid"}), None)
    body = service.device_authorization.handle(request)
    assert body == {"device_code": "dc-1", "user_code": "BCDF-GHJK",
                    "verification_uri": "https://auth.example/api/v1/oauth/device",
                    "verification_uri_complete": "https://auth.example/api/v1/oauth/device?user_code=BCDF-GHJK",
                    "expires_in": 600, "interval": 5}
    assert devices.started == [("tv", "openid", ())]


def test_device_authorization_needs_the_grant_type_and_a_client(service) -> None:
    with pytest.raises(UnauthorizedClient):
        service.device_authorization.handle(form_request(FORM, form({}), basic("web", "s")))
    with pytest.raises(InvalidClient):
        service.device_authorization.handle(form_request(FORM, form({"client_id": "nobody"}), None))


def test_polls_pass_the_section_3_5_errors_then_issue_tokens(service, devices) -> None:
    devices.answers = [AuthorizationPending(), SlowDown(), grant("dg-1", ("openid", "read"), "tv")]
    poll = form({"grant_type": DEVICE_CODE_GRANT, "device_code": "dc-1", "client_id": "tv"})
    with pytest.raises(AuthorizationPending):
        service.token_endpoint.handle(form_request(FORM, poll, None))
    with pytest.raises(SlowDown):
        service.token_endpoint.handle(form_request(FORM, poll, None))
    tokens = service.token_endpoint.handle(form_request(FORM, poll, None)).to_dict()
    assert tokens["id_token"] and tokens["refresh_token"] and tokens["scope"] == "openid read"


def _payload(jwt: str) -> dict[str, Any]:
    body = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_the_grants_resources_are_the_tokens_audience_and_bound_its_refresh(service, devices) -> None:
    """RFC 8707 as at the code grant: the resources the person approved for are the access
    token's `aud`; a `resource` at /token outside them is invalid_target."""
    api = "urn:authgate:api"
    devices.answers = [grant("dg-2", ("openid", "read"), "tv", resources=(api,)),
                       grant("dg-3", ("openid", "read"), "tv", resources=(api,))]
    poll = {"grant_type": DEVICE_CODE_GRANT, "device_code": "dc-2", "client_id": "tv"}
    tokens = service.token_endpoint.handle(form_request(FORM, form(poll), None)).to_dict()
    assert _payload(tokens["access_token"])["aud"] in (api, [api])
    with pytest.raises(InvalidTarget):
        service.token_endpoint.handle(form_request(FORM, form({**poll, "resource": "https://other.example/"}),
                                                   None))


def test_off_means_unsupported_and_not_advertised(keys, signing_key) -> None:
    service = _service(keys, signing_key, None)
    assert service.device_authorization is None
    poll = form({"grant_type": DEVICE_CODE_GRANT, "device_code": "dc-1", "client_id": "tv"})
    with pytest.raises(UnsupportedGrantType):
        service.token_endpoint.handle(form_request(FORM, poll, None))


def test_discovery_advertises_the_endpoint_only_when_on(keys, signing_key, devices) -> None:
    from token_service.domain.endpoints.discovery import provider_metadata
    on = provider_metadata("https://auth.example", device_flow=True)
    off = provider_metadata("https://auth.example")
    assert on["device_authorization_endpoint"] == "https://auth.example/api/v1/oauth/device_authorization"
    assert DEVICE_CODE_GRANT in on["grant_types_supported"]
    assert "device_authorization_endpoint" not in off
    assert DEVICE_CODE_GRANT not in off["grant_types_supported"]
    assert json.dumps(on)
