"""The pure core of authgate_common: what a domain module may import.

Nothing here imports a transport, a database or a metrics library (grpc, sqlalchemy,
psycopg, redis, fastapi, starlette, prometheus_client, uvicorn, httpx); the import
contract in /.importlinter holds the line. Their infrastructure sides live beside this
package in authgate_common (grpc_errors, audit_store, client_changes, kv, metrics …).
"""
