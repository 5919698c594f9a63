"""OpenID Connect Back-Channel Logout 1.0: telling clients, server to server, that a
session they took part in has ended.

participants: which clients got a code in which session (§2.3, recorded with the code).
notices: when the session feed reports sessions ended, one pending logout per
    (session, client with a backchannel_logout_uri), idempotent across replicas.
delivery: claims due logouts, has the token service sign a logout token (§2.4) and
    POSTs it (§2.5); retried with exponential backoff, a bounded number of times.
"""
