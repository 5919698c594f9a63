"""The pieces of the Envoy bootstrap that authgate_devstack.gateway renders."""
