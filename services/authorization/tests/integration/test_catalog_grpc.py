"""CatalogService over gRPC on real PostgreSQL: what the operator's CLI and the token
service see (statuses, the RFC error code, revisions), the rows the migration seeds, and a
second replica's cache catching up with a change through the revision."""

from __future__ import annotations

import secrets

import grpc
import pytest
from authgate.authorization.v1 import authorization_pb2 as az
from authgate.authorization.v1 import authorization_pb2_grpc as az_grpc
from authorization_service.adapters.unit_of_work import SqlUnitOfWork
from authorization_service.bootstrap import engine_for
from authorization_service.domain.catalog.cache import CatalogCache
from sqlalchemy import text


@pytest.fixture
def catalog(grpc_channel) -> az_grpc.CatalogServiceStub:
    return az_grpc.CatalogServiceStub(grpc_channel)


def _code(call) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as exc:
        call()
    return exc.value.code(), dict(exc.value.trailing_metadata() or ()).get("authgate-oauth-error", "")


def _names() -> tuple[str, str]:
    tag = secrets.token_hex(4)
    return f"api-{tag}", f"orders{tag}:read"


def test_the_catalogue_lists_built_ins_the_seed_and_a_revision(catalog) -> None:
    got = catalog.GetCatalog(az.GetCatalogRequest())
    scopes = {s.name: s for s in got.scopes}
    assert scopes["openid"].builtin and scopes["admin:users"].builtin and not scopes["read"].builtin
    assert list(scopes["profile"].claims) == ["name", "preferred_username", "given_name", "family_name",
                                              "updated_at"]
    default = next(a for a in got.apis if a.name == "default")
    assert default.audience == "urn:authgate:api" and {"read", "write", "admin"} <= set(default.scopes)
    assert got.revision >= 1


def test_put_then_delete_a_scope_and_its_api(catalog) -> None:
    api, scope = _names()
    before = catalog.GetCatalog(az.GetCatalogRequest()).revision
    put_api = catalog.PutApi(az.PutApiRequest(api=az.Api(name=api, audience=f"urn:example:{api}")))
    assert put_api.changed and put_api.api.audience == f"urn:example:{api}"
    put = catalog.PutScope(az.PutScopeRequest(scope=az.Scope(
        name=scope, description="Read your orders", api=api, claims=["roles", "roles"],
        access_token_claims=["roles"])))
    assert put.changed and list(put.scope.claims) == ["roles"]
    again = catalog.PutScope(az.PutScopeRequest(scope=put.scope))
    assert again.changed is False
    got = catalog.GetCatalog(az.GetCatalogRequest())
    assert got.revision == before + 2
    assert next(a for a in got.apis if a.name == api).scopes == [scope]
    assert _code(lambda: catalog.DeleteApi(az.DeleteApiRequest(name=api))) == (
        grpc.StatusCode.FAILED_PRECONDITION, "invalid_request")
    catalog.DeleteScope(az.DeleteScopeRequest(name=scope))
    catalog.DeleteApi(az.DeleteApiRequest(name=api))
    got = catalog.GetCatalog(az.GetCatalogRequest())
    assert scope not in {s.name for s in got.scopes} and api not in {a.name for a in got.apis}


def test_a_scope_in_use_is_refused_deletion_until_no_client_holds_it(harness, grpc_channel, catalog) -> None:
    api, scope = _names()
    catalog.PutApi(az.PutApiRequest(api=az.Api(name=api, audience=f"https://{api}.example")))
    catalog.PutScope(az.PutScopeRequest(scope=az.Scope(name=scope, api=api)))
    client, _ = harness.client(grpc_channel, scopes=["openid", scope])
    code, error = _code(lambda: catalog.DeleteScope(az.DeleteScopeRequest(name=scope)))
    assert (code, error) == (grpc.StatusCode.FAILED_PRECONDITION, "invalid_request")
    harness.stub(grpc_channel).DeleteClient(az.DeleteClientRequest(client_id=client.client_id))
    catalog.DeleteScope(az.DeleteScopeRequest(name=scope))
    # Gone from the catalogue: no client may be registered with it any more.
    code, error = _code(lambda: harness.client(grpc_channel, scopes=["openid", scope]))
    assert (code, error) == (grpc.StatusCode.INVALID_ARGUMENT, "invalid_request")


@pytest.mark.parametrize("request_", [
    az.PutScopeRequest(scope=az.Scope(name="openid")),
    az.PutScopeRequest(scope=az.Scope(name="admin:users")),
    az.PutScopeRequest(scope=az.Scope(name="bad scope")),
    az.PutScopeRequest(scope=az.Scope(name="x", api="no-such-api")),
    az.PutScopeRequest(scope=az.Scope(name="x", claims=["sub"])),
    az.PutScopeRequest(scope=az.Scope(name="caf\u00e9")),  # non-ASCII: still a 4xx, never INTERNAL
    az.PutScopeRequest(scope=az.Scope(name="x", claims=["caf\u00e9"])),
    az.PutApiRequest(api=az.Api(name="x", audience="not a uri")),
    az.PutApiRequest(api=az.Api(name="x", audience="urn:authgate:api")),
])
def test_bad_writes_are_invalid_argument(catalog, request_) -> None:
    method = catalog.PutScope if isinstance(request_, az.PutScopeRequest) else catalog.PutApi
    assert _code(lambda: method(request_)) == (grpc.StatusCode.INVALID_ARGUMENT, "invalid_request")


def test_unknown_or_built_in_deletes(catalog) -> None:
    assert _code(lambda: catalog.DeleteScope(az.DeleteScopeRequest(name="nothing-here")))[0] == \
        grpc.StatusCode.NOT_FOUND
    assert _code(lambda: catalog.DeleteApi(az.DeleteApiRequest(name="nothing-here")))[0] == \
        grpc.StatusCode.NOT_FOUND
    assert _code(lambda: catalog.DeleteScope(az.DeleteScopeRequest(name="openid"))) == (
        grpc.StatusCode.INVALID_ARGUMENT, "invalid_request")


def test_another_replica_sees_a_change_through_the_revision(harness, catalog) -> None:
    engine = engine_for(harness.settings)
    try:
        other = CatalogCache(SqlUnitOfWork(engine), max_age=0)
        api, scope = _names()
        assert other.current().scope(scope) is None
        catalog.PutScope(az.PutScopeRequest(scope=az.Scope(name=scope, description="Orders")))
        assert other.current().description(scope) == "Orders"
        catalog.DeleteScope(az.DeleteScopeRequest(name=scope))
        assert other.current().scope(scope) is None
    finally:
        engine.dispose()


def test_writes_are_audited_with_the_revision(harness, catalog) -> None:
    _, scope = _names()
    catalog.PutScope(az.PutScopeRequest(scope=az.Scope(name=scope)))
    catalog.DeleteScope(az.DeleteScopeRequest(name=scope))
    engine = engine_for(harness.settings)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT type, actor FROM audit_events WHERE subject = :s ORDER BY id"),
                                {"s": scope}).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("catalog.scope.put", "operator"),
                                        ("catalog.scope.deleted", "operator")]
