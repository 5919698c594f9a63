"""authgate: the operator's command-line tool (SPEC §4).

It manages users, clients, signing keys, sessions and the audit trail by calling the
services' gRPC APIs on their operator listeners, over mutual TLS with the operator's
certificate (proto/authgate/identity/v1, proto/authgate/authorization/v1,
proto/authgate/token/v1, …); it never touches their databases (docs/ARCHITECTURE.md: each
service owns its data). `authgate pki` makes the internal plane's certificates.
"""

import os

# gRPC's core logs a failed TLS handshake itself, on stderr, before the CLI can say what it
# means; it reads this once, when grpc is first imported, so it is set here (an operator
# troubleshooting can still export GRPC_VERBOSITY=debug).
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
