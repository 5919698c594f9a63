"""The device authorization grant's RPCs (RFC 8628 §3.1-3.2, §3.4-3.5), for the token
service: message conversion only (domain/device)."""

from __future__ import annotations

from dataclasses import dataclass

from authgate.authorization.v1 import authorization_pb2 as pb
from authgate_common.core.errors import NotFound

from ..domain.device.poll import DevicePoller
from ..domain.device.start import DeviceStarter
from .messages import grant_message

DEVICE_ACCESS = {"StartDeviceAuthorization": "token", "PollDeviceAuthorization": "token"}


@dataclass(frozen=True)
class DeviceFlow:
    starter: DeviceStarter
    poller: DevicePoller


def start_device(flow: DeviceFlow | None,
                 request: pb.StartDeviceAuthorizationRequest) -> pb.StartDeviceAuthorizationResponse:
    if flow is None:
        raise NotFound("The device authorization grant is off (DEVICE_FLOW_ENABLED).")
    started = flow.starter.start(request.client_id, request.scope, tuple(request.resources))
    return pb.StartDeviceAuthorizationResponse(
        device_code=started.device_code, user_code=started.user_code,
        verification_uri=started.verification_uri,
        verification_uri_complete=started.verification_uri_complete,
        expires_in=started.expires_in, interval=started.interval)


def poll_device(flow: DeviceFlow | None,
                request: pb.PollDeviceAuthorizationRequest) -> pb.PollDeviceAuthorizationResponse:
    if flow is None:
        raise NotFound("The device authorization grant is off (DEVICE_FLOW_ENABLED).")
    return pb.PollDeviceAuthorizationResponse(
        grant=grant_message(flow.poller.poll(request.client_id, request.device_code)))
