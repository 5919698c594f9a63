"""RFC 8707 §2.2 at the token endpoint: which resources an access token is for.

`resource` (repeatable) at the code, refresh and client_credentials grants. When the grant
was given for resources (the code's, the refresh family's), a requested one must be among
them (invalid_target) and none requested means all of them; a refresh request may narrow
(§2.2). Without resources in the grant, a requested one must be the audience of an API the
granted scopes open (authgate_common.core.resource_indicators). The access token is then
for the resources alone (`aud`) and holds only their APIs' scopes (audiences.py).
RESOURCE_INDICATORS_ENABLED off: the parameter is ignored and the grant's are not used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from authgate_common.core.resource_indicators import (
    RESOURCE,
    allowed_resources,
    check_targets,
    parse_resources,
    split_repeated,
)

from .audiences import AudienceRule


def token_targets(rule: AudienceRule, params: Mapping[str, str], granted: Sequence[str],
                  scopes: Sequence[str]) -> tuple[str, ...]:
    """The resources the access token is for; () when none were named anywhere."""
    if not rule.resource_indicators:
        return ()
    requested = parse_resources(split_repeated(params.get(RESOURCE)))
    if not requested:
        return tuple(granted)
    allowed = granted or allowed_resources(rule.catalog.covering(scopes), scopes, rule.issuer)
    check_targets(requested, allowed)
    return requested
