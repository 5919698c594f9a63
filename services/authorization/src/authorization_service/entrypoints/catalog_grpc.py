"""authgate.authorization.v1.CatalogService over gRPC: a thin shell over domain/catalog.

GetCatalog is read by the token service (each access token's `aud`, released claims,
discovery) and the operator; the writes are the operator's alone.
"""

from __future__ import annotations

import grpc
from authgate.authorization.v1 import authorization_pb2 as pb
from authgate.authorization.v1 import authorization_pb2_grpc as pb_grpc
from authgate_common.core.scope_catalog import Api, Catalog, Scope
from authgate_common.grpc_access import OPERATOR as OPERATOR_WORKLOAD
from authgate_common.grpc_access import callers

from ..domain.catalog.book import CatalogBook

CATALOG_SERVICE_NAME = "authgate.authorization.v1.CatalogService"
# Who may call each method (authgate_common.grpc_access; docs/internal-plane.md).
CATALOG_ACCESS = callers(CATALOG_SERVICE_NAME, {
    "GetCatalog": ("token", OPERATOR_WORKLOAD),
    "PutScope": OPERATOR_WORKLOAD, "DeleteScope": OPERATOR_WORKLOAD,
    "PutApi": OPERATOR_WORKLOAD, "DeleteApi": OPERATOR_WORKLOAD,
})


def scope_message(scope: Scope) -> pb.Scope:
    return pb.Scope(name=scope.name, description=scope.description, api=scope.api,
                    claims=list(scope.claims), access_token_claims=list(scope.access_token_claims),
                    builtin=scope.builtin)


def api_message(api: Api, catalog: Catalog) -> pb.Api:
    return pb.Api(name=api.name, audience=api.audience, description=api.description,
                  scopes=catalog.api_scopes(api.name))


def scope_from_message(msg: pb.Scope) -> Scope:
    # `builtin` is output only: a built-in's name is refused by the rules whatever it says.
    return Scope(name=msg.name, description=msg.description, api=msg.api, claims=tuple(msg.claims),
                 access_token_claims=tuple(msg.access_token_claims))


class CatalogServicer(pb_grpc.CatalogServiceServicer):
    def __init__(self, book: CatalogBook) -> None:
        self._book = book

    def GetCatalog(self, request: pb.GetCatalogRequest,  # noqa: N802 - gRPC method name
                   context: grpc.ServicerContext) -> pb.GetCatalogResponse:
        catalog = self._book.catalog()
        return pb.GetCatalogResponse(scopes=[scope_message(s) for s in catalog.scopes],
                                     apis=[api_message(a, catalog) for a in catalog.apis],
                                     revision=catalog.revision)

    def PutScope(self, request: pb.PutScopeRequest,  # noqa: N802
                 context: grpc.ServicerContext) -> pb.PutScopeResponse:
        put = self._book.put_scope(scope_from_message(request.scope))
        return pb.PutScopeResponse(scope=scope_message(put.value), changed=put.changed)

    def DeleteScope(self, request: pb.DeleteScopeRequest,  # noqa: N802
                    context: grpc.ServicerContext) -> pb.DeleteScopeResponse:
        self._book.delete_scope(request.name)
        return pb.DeleteScopeResponse()

    def PutApi(self, request: pb.PutApiRequest,  # noqa: N802
               context: grpc.ServicerContext) -> pb.PutApiResponse:
        api = request.api
        put = self._book.put_api(Api(name=api.name, audience=api.audience, description=api.description))
        return pb.PutApiResponse(api=api_message(put.value, self._book.catalog()), changed=put.changed)

    def DeleteApi(self, request: pb.DeleteApiRequest,  # noqa: N802
                  context: grpc.ServicerContext) -> pb.DeleteApiResponse:
        self._book.delete_api(request.name)
        return pb.DeleteApiResponse()


def register_catalog(server: grpc.Server, book: CatalogBook) -> None:
    pb_grpc.add_CatalogServiceServicer_to_server(CatalogServicer(book), server)
