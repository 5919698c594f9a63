"""The admin REST API's core: who may call it, paging, preconditions, the user use cases."""
