"""A short memory of successful client authentications, per replica.

Authenticating a client asks the authorization service over gRPC, which reads the
client from its database and compares a keyed hash of the secret: on the hot
endpoints (client_credentials, introspection, revocation) that round trip costs more
than minting the token. A confidential client presents the same secret on every call,
so a success is remembered for `ttl` seconds under (client_id, HMAC of the secret with
a per-process random key): the secret itself is never kept, and a different secret is
a different entry, so it is checked by the authorization service like any other.

Failures are never remembered (each wrong guess still reaches the authorization
service and its limits). A change to a client (an update, a rotated secret, a deletion)
is pushed to every replica (authgate_common.client_changes), whose ClientMemory forgets that
client at once; the push can only be trusted while its subscription is live, so
`trusted()` false means the cache is bypassed, neither read nor filled, and each
(re)subscription and loss `forget_all`s. An authentication that was in flight while a
change arrived is not remembered (the epoch moved), so its answer, read before the
change, cannot come back afterwards. The TTL (CLIENT_AUTH_CACHE_SECONDS; 0 turns the
cache off) stays as the backstop for a change whose publication failed. Calls that carry
more than an id and a secret (a signed client assertion, whose `jti` is single-use)
always go through.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from authgate_common.core.client_memory import ClientMemory

from ..ports import Client, ClientAuthenticator


class CachingClientAuthentication:
    """A ClientAuthenticator that remembers successful secret-based authentications."""

    def __init__(self, inner: ClientAuthenticator, memory: ClientMemory[Client]) -> None:
        self._inner = inner
        self._memory = memory
        self._key = secrets.token_bytes(32)

    def authenticate_client(self, client_id: str, client_secret: str, *, client_assertion_type: str = "",
                            client_assertion: str = "") -> Client:
        if client_assertion_type or client_assertion:
            return self._inner.authenticate_client(client_id, client_secret,
                                                   client_assertion_type=client_assertion_type,
                                                   client_assertion=client_assertion)
        key = (client_id, hmac.new(self._key, client_secret.encode(), hashlib.sha256).digest())
        client = self._memory.recall(key, lambda: self._inner.authenticate_client(client_id, client_secret))
        assert client is not None  # an authentication answers a client or raises
        return client
