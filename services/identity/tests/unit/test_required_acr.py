"""Which class a sign-in must reach (entrypoints/second_factor.required_acr): the login
URL's hint, the resumed authorization request's acr_values, or its client's require_mfa."""

from __future__ import annotations

from identity_service.domain.clients import ClientInfo
from identity_service.entrypoints.second_factor import required_acr

MFA, PWD = "urn:authgate:acr:mfa", "urn:authgate:acr:pwd"


class Clients:
    def describe(self, client_id: str) -> ClientInfo | None:
        return {"strict": ClientInfo("strict", "Strict", require_mfa=True),
                "web": ClientInfo("web", "Web")}.get(client_id)


def test_the_hint_or_the_request_or_the_client_asks_for_two_factors() -> None:
    clients = Clients()
    assert required_acr(MFA, "/", clients) == MFA
    first_known = f"/api/v1/oauth/authorize?client_id=web&acr_values={PWD}%20{MFA}"
    assert required_acr("", first_known, clients) is None  # the first known value counts
    assert required_acr("", f"/api/v1/oauth/authorize?client_id=web&acr_values=x%20{MFA}", clients) == MFA
    assert required_acr("", "/api/v1/oauth/authorize?client_id=strict", clients) == MFA
    assert required_acr("", "/api/v1/oauth/authorize?client_id=web", clients) is None
    assert required_acr("junk", "/", clients) is None
