"""acr and amr on the verified token, and a resource that needs a stronger sign-in
(RFC 9470 §3: 401 insufficient_user_authentication with acr_values)."""

from __future__ import annotations

import pytest
from authgate_common.core import acr as services_acr
from authgate_verifier import (
    ACR_MFA,
    ACR_PASSWORD,
    Claims,
    InsufficientScope,
    InsufficientUserAuthentication,
    InvalidToken,
    Verifier,
)
from authgate_verifier.acr import ACR_VALUES
from authgate_verifier.asgi import BearerMiddleware
from authgate_verifier.fastapi import require
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from verifier_fakes import Issuer

MFA = ["pwd", "otp", "mfa"]


def test_the_classes_are_the_services_own() -> None:
    assert ACR_VALUES == services_acr.ACR_VALUES_SUPPORTED
    assert (ACR_PASSWORD, ACR_MFA) == (services_acr.ACR_PASSWORD, services_acr.ACR_MFA)


def test_acr_and_amr_are_on_the_verified_token(verifier: Verifier, issuer: Issuer) -> None:
    claims = verifier.verify(issuer.token(acr=ACR_MFA, amr=MFA))
    assert (claims.acr, claims.amr) == (ACR_MFA, tuple(MFA))
    plain = verifier.verify(issuer.token())
    assert (plain.acr, plain.amr) == ("", ())


@pytest.mark.parametrize("claims", [{"acr": 2}, {"amr": "pwd"}, {"amr": ["pwd", 1]}])
def test_malformed_acr_or_amr_is_invalid(verifier: Verifier, issuer: Issuer, claims) -> None:
    with pytest.raises(InvalidToken):
        verifier.verify(issuer.token(**claims))


@pytest.mark.parametrize("acr, required, ok", [
    (ACR_MFA, ACR_MFA, True), (ACR_MFA, ACR_PASSWORD, True), (ACR_PASSWORD, ACR_PASSWORD, True),
    (ACR_PASSWORD, ACR_MFA, False), (None, ACR_PASSWORD, False), ("urn:example:gold", ACR_PASSWORD, False)])
def test_a_required_class_is_met_by_it_or_a_stronger_one(verifier: Verifier, issuer: Issuer,
                                                        acr, required, ok) -> None:
    token = issuer.token(acr=acr)
    if ok:
        assert verifier.verify(token, acr=required)
    else:
        with pytest.raises(InsufficientUserAuthentication):
            verifier.verify(token, acr=required)


def test_a_missing_scope_is_told_before_a_weak_sign_in(verifier: Verifier, issuer: Issuer) -> None:
    with pytest.raises(InsufficientScope):
        verifier.verify(issuer.token(acr=ACR_PASSWORD), ["admin"], acr=ACR_MFA)


def test_the_dependency_asks_for_a_step_up(verifier: Verifier, issuer: Issuer) -> None:
    app = FastAPI()

    @app.get("/payroll")
    def payroll(claims: Claims = Depends(require(verifier, "read", acr=ACR_MFA))) -> dict:
        return {"amr": list(claims.amr)}

    client = TestClient(app)
    weak = client.get("/payroll", headers={"Authorization": f"Bearer {issuer.token(acr=ACR_PASSWORD)}"})
    assert weak.status_code == 401 and weak.json()["detail"]["error"] == "insufficient_user_authentication"
    challenge = weak.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="insufficient_user_authentication"')
    assert f'acr_values="{ACR_MFA}"' in challenge
    strong = client.get("/payroll", headers={"Authorization": f"Bearer {issuer.token(acr=ACR_MFA, amr=MFA)}"})
    assert strong.status_code == 200 and strong.json() == {"amr": MFA}


def test_an_unknown_class_is_refused_when_the_dependency_is_made(verifier: Verifier) -> None:
    with pytest.raises(ValueError):
        require(verifier, acr="urn:example:gold")


def test_the_middleware_answers_the_same(verifier: Verifier, issuer: Issuer) -> None:
    app = FastAPI()
    client = TestClient(BearerMiddleware(app, verifier, required_acr=ACR_MFA))
    weak = client.get("/x", headers={"Authorization": f"Bearer {issuer.token(acr=ACR_PASSWORD)}"})
    assert weak.status_code == 401 and weak.json()["error"] == "insufficient_user_authentication"
    assert f'acr_values="{ACR_MFA}"' in weak.headers["www-authenticate"]
