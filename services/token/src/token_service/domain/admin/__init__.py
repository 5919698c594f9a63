"""The admin REST API's parts the token service serves (issue 17): signing keys and the
audit trail of all four services, for an admin client whose token it validates itself."""
