"""Who changes a user: the operator or an admin client (authgate_common.core.admin_api)."""

from authgate_common.core.admin_api import BY_OPERATOR, Acting, by_admin_client

__all__ = ["BY_OPERATOR", "Acting", "by_admin_client"]
