"""Headless Chromium (Playwright) for the whole-stack tests that drive pages as a person
would: one browser per test module, a fresh context (cookies, storage) per test.

A test module makes its fixtures from the plain functions here and marks itself:

    chromium = pytest.fixture(scope="module")(browser.launch_chromium)
    page = pytest.fixture(browser.fresh_page)
    pytestmark = browser.needs_chromium
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
APP_PAGE = "<!doctype html><title>app</title><p>Back at the application.</p>"

needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no /usr/bin/chromium")


def launch_chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Any, **context_options: Any) -> tuple[Any, Any]:
    """A page in a context of its own; the fake application at https://app.example answers
    its redirect URIs with a tiny page. The caller closes the context."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.route("https://app.example/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=APP_PAGE))
    return context, page


def fresh_page(chromium: Any) -> Iterator[Any]:
    context, page = open_page(chromium)
    try:
        yield page
    finally:
        context.close()
