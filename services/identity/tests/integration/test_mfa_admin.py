"""An operator's and an admin client's hold on second factors: "MFA required" on a user
(gRPC SetMfaRequired, PATCH mfa_required), and removing every factor (gRPC
ResetUserFactors, DELETE /api/v1/admin/users/{id}/factors), each audited; mfa_methods
tells which kinds a user has."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from authgate.audit.v1 import audit_pb2 as apb
from authgate.identity.v1 import identity_pb2 as pb
from authgate.session.v1 import session_pb2 as ss
from fastapi.testclient import TestClient

USERS = "/api/v1/admin/users"
SECURITY = "/api/v1/sso/account/security"


@pytest.fixture
def admin(harness) -> dict[str, str]:
    audience = f"{harness.settings.issuer}/api/v1/admin"
    return {"Authorization": "Bearer " + harness.tokens.add("ops-bot", "admin:users", audience)}


def enrol(harness, user: pb.User) -> None:
    client = TestClient(harness.service.http_app)
    made = harness.sessions.CreateSession(ss.CreateSessionRequest(user_id=user.id, amr=["pwd"]), None)
    client.cookies.set("sso_session", made.session_token)
    page = client.get(f"{SECURITY}/totp")
    secret = re.search(r'id="manual-key">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")  # type: ignore[union-attr]
    fields = dict(re.findall(r'name="(csrf_token|offer)" value="([^"]*)"', page.text))
    code = pyotp.TOTP(secret).at(datetime.now(UTC) - timedelta(seconds=30))
    assert client.post(f"{SECURITY}/totp", data={**fields, "code": code}).status_code == 200


def audit_types(harness, user_id: str) -> list[str]:
    rows = harness.audit.ListAuditEvents(apb.ListAuditEventsRequest(user=user_id), timeout=10).events
    return [r.type for r in rows]


def test_the_operator_requires_mfa_and_resets_factors(harness) -> None:
    user = harness.user()
    assert not user.mfa_required and list(user.mfa_methods) == []
    on = harness.stub.SetMfaRequired(pb.SetMfaRequiredRequest(username=user.username, required=True),
                                     timeout=10)
    assert on.user.mfa_required
    enrol(harness, user)
    listed = harness.stub.GetUser(pb.GetUserRequest(id=user.id), timeout=10).user
    assert list(listed.mfa_methods) == ["totp"] and listed.mfa_required
    reset = harness.stub.ResetUserFactors(pb.ResetUserFactorsRequest(id=user.id), timeout=10)
    assert reset.removed == 1 and list(reset.user.mfa_methods) == []
    types = audit_types(harness, user.id)
    assert "user.updated" in types and "mfa.totp.enrolled" in types and "user.factors_reset" in types


def test_the_admin_api_sets_mfa_required_and_removes_factors(harness, admin) -> None:
    user = harness.user()
    got = harness.http.get(f"{USERS}/{user.id}", headers=admin)
    assert got.json()["mfa_required"] is False
    patched = harness.http.patch(f"{USERS}/{user.id}", json={"mfa_required": True},
                                 headers={**admin, "If-Match": got.headers["etag"]})
    assert patched.status_code == 200 and patched.json()["mfa_required"] is True
    refused = harness.http.patch(f"{USERS}/{user.id}", json={"mfa_required": None},
                                 headers={**admin, "If-Match": patched.headers["etag"]})
    assert refused.status_code == 400
    enrol(harness, user)
    gone = harness.http.delete(f"{USERS}/{user.id}/factors", headers=admin)
    assert gone.status_code == 204
    assert list(harness.stub.GetUser(pb.GetUserRequest(id=user.id), timeout=10).user.mfa_methods) == []
    assert "admin.user.factors_reset" in audit_types(harness, user.id)
    assert harness.http.delete(f"{USERS}/00000000-0000-0000-0000-000000000000/factors",
                               headers=admin).status_code == 404
