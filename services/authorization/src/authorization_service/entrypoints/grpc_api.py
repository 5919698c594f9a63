"""authgate.authorization.v1.AuthorizationService over gRPC: a thin shell over the core.

Errors are raised as OAuthError; the shared interceptor turns them into their gRPC
status with the RFC error code (and e.g. authgate-replayed-grant-id) in trailing metadata.
"""

from __future__ import annotations

from collections.abc import Callable

import grpc
from authgate.authorization.v1 import authorization_pb2 as pb
from authgate.authorization.v1 import authorization_pb2_grpc as pb_grpc
from authgate_common.audit_service import ACCESS as AUDIT_ACCESS
from authgate_common.grpc_access import OPERATOR as OPERATOR_WORKLOAD
from authgate_common.grpc_access import callers

from ..domain.catalog.book import CatalogBook
from ..domain.client_registry import ClientRegistry
from ..domain.client_updates import ClientUpdates
from ..domain.dcr.initial_tokens import InitialTokens
from ..domain.par.push import PushAuthorizationRequests
from ..domain.redeem import CodeRedeemer
from .catalog_grpc import CATALOG_ACCESS, register_catalog
from .dcr_rpcs import create_initial_token
from .device_rpcs import DEVICE_ACCESS, DeviceFlow, poll_device, start_device
from .messages import client_from_message, client_message, grant_message, update_values
from .par_rpcs import PAR_ACCESS, push_request

SERVICE_NAME = "authgate.authorization.v1.AuthorizationService"
# Who may call each method (authgate_common.grpc_access; docs/internal-plane.md).
ACCESS = {
    **callers(SERVICE_NAME, {
        "CreateClient": OPERATOR_WORKLOAD, "ListClients": OPERATOR_WORKLOAD,
        "UpdateClient": OPERATOR_WORKLOAD, "RotateClientSecret": OPERATOR_WORKLOAD,
        "DeleteClient": OPERATOR_WORKLOAD,
        "CreateInitialAccessToken": OPERATOR_WORKLOAD,  # dynamic client registration (RFC 7591 §3)
        # The end-session endpoint reads a client's post-logout redirect URIs.
        "GetClient": ("session", OPERATOR_WORKLOAD),
        "AuthenticateClient": "token",  # client authentication at /token, /introspect, /revoke
        "RedeemCode": "token",  # the authorization_code grant
        # The login page names the client and asks for a second factor when it requires one.
        "DescribeClient": "identity",
        **PAR_ACCESS,  # the token service's pushed authorization request endpoint
        **DEVICE_ACCESS,  # the token service's device authorization endpoint and grant
    }),
    **AUDIT_ACCESS,
    **CATALOG_ACCESS,
}


class AuthorizationServicer(pb_grpc.AuthorizationServiceServicer):
    def __init__(self, registry: ClientRegistry, updates: ClientUpdates, redeemer: CodeRedeemer,
                 device: DeviceFlow | None = None,
                 pusher: PushAuthorizationRequests | None = None,
                 initial_tokens: InitialTokens | None = None) -> None:
        self._registry = registry
        self._updates = updates
        self._redeemer = redeemer
        self._device = device  # None: DEVICE_FLOW_ENABLED is off
        self._pusher = pusher  # None: PAR_ENABLED is off
        self._initial_tokens = initial_tokens  # None: DCR_ENABLED is off

    def CreateClient(self, request: pb.CreateClientRequest,  # noqa: N802 - gRPC method name
                     context: grpc.ServicerContext) -> pb.CreateClientResponse:
        registered = self._registry.create(client_from_message(request.client), request.client_secret)
        return pb.CreateClientResponse(client=client_message(registered.client),
                                       client_secret=registered.client_secret)

    def GetClient(self, request: pb.GetClientRequest,  # noqa: N802
                  context: grpc.ServicerContext) -> pb.GetClientResponse:
        return pb.GetClientResponse(client=client_message(self._registry.get(request.client_id)))

    def DescribeClient(self, request: pb.DescribeClientRequest,  # noqa: N802
                       context: grpc.ServicerContext) -> pb.DescribeClientResponse:
        client = self._registry.get(request.client_id)
        return pb.DescribeClientResponse(client_id=client.client_id, name=client.name,
                                         require_mfa=client.require_mfa)

    def ListClients(self, request: pb.ListClientsRequest,  # noqa: N802
                    context: grpc.ServicerContext) -> pb.ListClientsResponse:
        return pb.ListClientsResponse(clients=[client_message(c) for c in self._registry.list_clients()])

    def UpdateClient(self, request: pb.UpdateClientRequest,  # noqa: N802
                     context: grpc.ServicerContext) -> pb.UpdateClientResponse:
        updated = self._updates.update(request.client.client_id, update_values(request))
        return pb.UpdateClientResponse(client=client_message(updated.client),
                                       changed_fields=updated.changed)

    def RotateClientSecret(self, request: pb.RotateClientSecretRequest,  # noqa: N802
                           context: grpc.ServicerContext) -> pb.RotateClientSecretResponse:
        rotated = self._updates.rotate_secret(request.client_id, request.client_secret)
        return pb.RotateClientSecretResponse(client=client_message(rotated.client),
                                             client_secret=rotated.client_secret)

    def DeleteClient(self, request: pb.DeleteClientRequest,  # noqa: N802
                     context: grpc.ServicerContext) -> pb.DeleteClientResponse:
        self._registry.delete(request.client_id)
        return pb.DeleteClientResponse()

    def AuthenticateClient(self, request: pb.AuthenticateClientRequest,  # noqa: N802
                           context: grpc.ServicerContext) -> pb.AuthenticateClientResponse:
        client = self._registry.authenticate(request.client_id, request.client_secret,
                                             request.client_assertion_type, request.client_assertion)
        return pb.AuthenticateClientResponse(client=client_message(client))

    def RedeemCode(self, request: pb.RedeemCodeRequest,  # noqa: N802
                   context: grpc.ServicerContext) -> pb.RedeemCodeResponse:
        grant = self._redeemer.redeem(request.code, request.client_id, request.redirect_uri,
                                      request.code_verifier)
        return pb.RedeemCodeResponse(grant=grant_message(grant))

    def CreateInitialAccessToken(self, request: pb.CreateInitialAccessTokenRequest,  # noqa: N802
                                 context: grpc.ServicerContext) -> pb.CreateInitialAccessTokenResponse:
        return create_initial_token(self._initial_tokens, request)

    def StartDeviceAuthorization(self, request: pb.StartDeviceAuthorizationRequest,  # noqa: N802
                                 context: grpc.ServicerContext) -> pb.StartDeviceAuthorizationResponse:
        return start_device(self._device, request)

    def PollDeviceAuthorization(self, request: pb.PollDeviceAuthorizationRequest,  # noqa: N802
                                context: grpc.ServicerContext) -> pb.PollDeviceAuthorizationResponse:
        return poll_device(self._device, request)

    def PushAuthorizationRequest(self, request: pb.PushAuthorizationRequestRequest,  # noqa: N802
                                 context: grpc.ServicerContext) -> pb.PushAuthorizationRequestResponse:
        return push_request(self._pusher, request)


def registrar(registry: ClientRegistry, updates: ClientUpdates,
              redeemer: CodeRedeemer, catalog: CatalogBook,
              device: DeviceFlow | None = None,
              pusher: PushAuthorizationRequests | None = None,
              initial_tokens: InitialTokens | None = None) -> Callable[[grpc.Server], None]:
    """The `register` callback for authgate_common's server factory."""

    def register(server: grpc.Server) -> None:
        pb_grpc.add_AuthorizationServiceServicer_to_server(
            AuthorizationServicer(registry, updates, redeemer, device, pusher=pusher,
                                  initial_tokens=initial_tokens), server)
        register_catalog(server, catalog)

    return register
