"""Discovery's response_modes_supported (OAuth 2.0 Form Post Response Mode §4): form_post
only while FORM_POST_ENABLED."""

from __future__ import annotations

import json

from token_service.domain.endpoints.discovery import Discovery, provider_metadata
from token_service.domain.scopes import FixedCatalog


def test_form_post_is_listed_when_on_only() -> None:
    assert provider_metadata("https://auth.example")["response_modes_supported"] == ["query", "form_post"]
    off = provider_metadata("https://auth.example", form_post=False)
    assert off["response_modes_supported"] == ["query"]


def test_the_setting_reaches_the_document(world_factory) -> None:
    world = world_factory(FORM_POST_ENABLED=False)
    assert world is not None
    doc = json.loads(Discovery("https://auth.example", FixedCatalog(), form_post=False).document())
    assert doc["response_modes_supported"] == ["query"]
