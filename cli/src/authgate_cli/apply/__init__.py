"""Declarative configuration: `authgate apply -f FILE` and `authgate export`.

document (the file and its JSON Schema) → plan (the difference, pure) → execute (the
writes, in dependency order, and the secrets) through grpc_store (the operator plane);
commands wires them to the command line.
"""
