"""The device authorization endpoint (RFC 8628 §3.1-3.2): a client authenticated as at
/token (a public client by its client_id), registered for the device_code grant, gets a
device code and a user code from the authorization service, which keeps them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from authgate_common.core.errors import UnauthorizedClient
from authgate_common.core.resource_indicators import RESOURCE, parse_resources, split_repeated

from ..clients.authentication import ClientRequest, authenticate_request
from ..ports import ClientAuthenticator

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_AUTHORIZATION_PATH = "/api/v1/oauth/device_authorization"


@dataclass(frozen=True)
class StartedDevice:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


class DeviceStarts(Protocol):
    """AuthorizationService.StartDeviceAuthorization (adapters/authorization_client.py)."""

    def start_device(self, client_id: str, scope: str, resources: tuple[str, ...]) -> StartedDevice: ...


class DeviceAuthorization:
    def __init__(self, clients: ClientAuthenticator, devices: DeviceStarts) -> None:
        self._clients, self._devices = clients, devices

    def handle(self, request: ClientRequest) -> dict[str, Any]:
        client = authenticate_request(self._clients, request)
        if DEVICE_CODE_GRANT not in client.grant_types:
            raise UnauthorizedClient("The client is not registered for the device_code grant.")
        resources = parse_resources(split_repeated(request.params.get(RESOURCE)))
        started = self._devices.start_device(client.client_id, request.params.get("scope", ""), resources)
        return {"device_code": started.device_code, "user_code": started.user_code,
                "verification_uri": started.verification_uri,
                "verification_uri_complete": started.verification_uri_complete,
                "expires_in": started.expires_in, "interval": started.interval}
