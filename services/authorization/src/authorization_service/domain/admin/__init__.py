"""The admin REST API's core in the authorization service: clients and consents (issue 17)."""
