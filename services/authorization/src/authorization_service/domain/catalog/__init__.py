"""The scope catalogue (issue 17): the operator's scopes and APIs, kept here, read by the
token service (authgate_common.core.scope_catalog holds the shared model and built-ins)."""
