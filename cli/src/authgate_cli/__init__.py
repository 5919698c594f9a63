"""authgate: the operator's command-line tool (SPEC §4).

It manages users, clients and signing keys by calling the services' internal gRPC
APIs (proto/authgate/identity/v1, proto/authgate/authorization/v1,
proto/authgate/token/v1); it never touches their databases (docs/ARCHITECTURE.md: each service owns its data).
"""
