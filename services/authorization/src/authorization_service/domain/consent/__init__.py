"""Consent (OIDC Core §3.1.2.4): the page's pending request, the user's decision, and
the approvals remembered per user, client and scope set."""
