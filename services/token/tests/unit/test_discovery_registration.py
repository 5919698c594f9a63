"""Discovery names the registration endpoint (RFC 8414 §2, RFC 7591 §3) only when dynamic
client registration is on (DCR_ENABLED)."""

from __future__ import annotations

from token_service.domain.endpoints.discovery import provider_metadata


def test_registration_endpoint_only_when_on():
    assert provider_metadata("https://id.example", registration=True)["registration_endpoint"] == \
        "https://id.example/api/v1/oauth/register"
    assert "registration_endpoint" not in provider_metadata("https://id.example")
