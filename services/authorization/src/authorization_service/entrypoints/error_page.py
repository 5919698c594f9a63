"""The page shown when an authorization request cannot be sent back to the client
(RFC 6749 §4.1.2.1): plain words in the person's language, every value escaped, nothing
cached or framed (templates/error.html).

A description written for people (the consent form's messages, below) is shown
translated; any other is developer-facing text (RFC 6749 §4.1.2.1 error_description),
shown as is after a sentence that tells the person what happened.
"""

from __future__ import annotations

from authgate_common.pages import N_, Pages
from fastapi.responses import HTMLResponse

from ..domain.authorize.context import ErrorPage

# The messages written for people (domain/consent/decision.py); consent.po translates them.
PERSON_MESSAGES = frozenset((
    N_("This approval form has expired or did not come from this site. "
       "Go back to the application and start again."),
    N_("Choose Allow or Deny."),
    N_("You are no longer signed in. Go back to the application and start again."),
))


def render_error_page(pages: Pages, locale: str, page: ErrorPage) -> HTMLResponse:
    for_people = page.description in PERSON_MESSAGES
    description = pages.translate(locale, page.description) if for_people else page.description
    return pages.render("error.html", locale, status_code=page.status, error=page.error,
                        description=description, for_people=for_people)
