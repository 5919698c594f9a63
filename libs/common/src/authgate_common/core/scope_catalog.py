"""The scope catalogue (issue 17): what a client may ask for, shared by the authorization
service (which keeps it: authorization.v1.CatalogService) and the token service (which reads
it for `aud`, released claims and discovery).

A scope is a permission of an API (a resource server, named in `aud` by its audience) and/or
releases claims: into the ID token and userinfo (OIDC Core §5.4) and, for
`access_token_claims`, into access tokens. The built-ins live here, not in a table: `openid`,
`profile` and `email` (OIDC Core §5.4), `account` (the account API, first-party clients only:
core.account_scope) and the admin API's `admin:*` (core.admin_scope; never at /authorize,
never in discovery). Everything else is the operator's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .account_scope import ACCOUNT_SCOPE
from .admin_scope import ADMIN_SCOPES

OPENID = "openid"
ADMIN_PREFIX = "admin:"
# Claims a token we sign sets itself (RFC 7519 §4.1, RFC 9068 §2.2, OIDC Core §2 and §3.1.3.6,
# RFC 8693 §4, RFC 7800): no scope may release one, and nothing released overrides one.
REGISTERED_CLAIMS = frozenset({
    "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "azp", "scope", "client_id", "sid", "cnf",
    "act", "may_act", "auth_time", "nonce", "acr", "amr", "at_hash", "c_hash", "s_hash",
    "typ", "events", "token_type",
})


@dataclass(frozen=True)
class Scope:
    name: str
    description: str = ""
    api: str = ""  # the Api.name this scope is a permission of; "" for none
    claims: tuple[str, ...] = ()
    access_token_claims: tuple[str, ...] = ()
    builtin: bool = False


@dataclass(frozen=True)
class Api:
    name: str
    audience: str
    description: str = ""


BUILTIN_SCOPES: tuple[Scope, ...] = (
    Scope(OPENID, "Confirm your identity", builtin=True),
    Scope("profile", "Your name and username", builtin=True,
          claims=("name", "preferred_username", "given_name", "family_name", "updated_at")),
    Scope("email", "Your email address", claims=("email", "email_verified"), builtin=True),
    Scope(ACCOUNT_SCOPE, "See and end your sessions on every device", builtin=True),
    *(Scope(s, "Administer this server", builtin=True) for s in sorted(ADMIN_SCOPES)),
)
BUILTIN_NAMES = frozenset(s.name for s in BUILTIN_SCOPES)
# The standard claims the built-in scopes release (identity's GetUserClaims answers them by scope).
BUILTIN_CLAIMS = tuple(c for s in BUILTIN_SCOPES for c in s.claims)

# What migration 0008 of the authorization service seeds: the scopes and API authgate
# always had (`read`, `write`, `admin` of the resource API `urn:authgate:api`, which the
# gateway's protected routes and examples/resource_api require).
DEFAULT_API = Api("default", "urn:authgate:api", "The resource API behind the gateway")
SEEDED_SCOPES: tuple[Scope, ...] = (
    Scope("read", "Read your data", api=DEFAULT_API.name),
    Scope("write", "Change your data", api=DEFAULT_API.name),
    Scope("admin", "Administer your account", api=DEFAULT_API.name),
)


def is_reserved(name: str) -> bool:
    """A built-in's name, or one the admin API may take later."""
    return name in BUILTIN_NAMES or name.startswith(ADMIN_PREFIX)


@dataclass(frozen=True)
class Catalog:
    """One revision of the catalogue: the operator's scopes (built-ins added) and APIs."""

    scopes: tuple[Scope, ...] = ()
    apis: tuple[Api, ...] = ()
    revision: int = 0
    _by_name: dict[str, Scope] = field(init=False, repr=False, compare=False)
    _apis: dict[str, Api] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        custom = tuple(s for s in self.scopes if not s.builtin and not is_reserved(s.name))
        object.__setattr__(self, "scopes", BUILTIN_SCOPES + tuple(sorted(custom, key=lambda s: s.name)))
        object.__setattr__(self, "apis", tuple(sorted(self.apis, key=lambda a: a.name)))
        object.__setattr__(self, "_by_name", {s.name: s for s in self.scopes})
        object.__setattr__(self, "_apis", {a.name: a for a in self.apis})

    def scope(self, name: str) -> Scope | None:
        return self._by_name.get(name)

    def api(self, name: str) -> Api | None:
        return self._apis.get(name)

    def knows(self, name: str) -> bool:
        return name in self._by_name

    def names(self) -> frozenset[str]:
        return frozenset(self._by_name)

    def description(self, name: str) -> str:
        scope = self.scope(name)
        return scope.description if scope is not None and scope.description else name

    def api_scopes(self, api: str) -> list[str]:
        return sorted(s.name for s in self.scopes if s.api == api)

    def audiences(self, scopes: Iterable[str]) -> list[str]:
        """The audience of each granted scope's API, in scope order, once each."""
        found = (self.api(s.api) for s in self._granted(scopes) if s.api)
        return list(dict.fromkeys(a.audience for a in found if a is not None))

    def claims(self, scopes: Iterable[str]) -> list[str]:
        """The claims the granted scopes release into the ID token and userinfo."""
        return _names(c for s in self._granted(scopes) for c in s.claims)

    def access_token_claims(self, scopes: Iterable[str]) -> list[str]:
        return _names(c for s in self._granted(scopes) for c in s.access_token_claims)

    def supported_claims(self) -> list[str]:
        return _names(c for s in self.scopes for c in (*s.claims, *s.access_token_claims))

    def _granted(self, scopes: Iterable[str]) -> list[Scope]:
        return [s for s in (self.scope(n) for n in scopes) if s is not None]


def _names(claims: Iterable[str]) -> list[str]:
    return [c for c in dict.fromkeys(claims) if c not in REGISTERED_CLAIMS]


# The catalogue as the migration leaves it: what a service holds before it has read the real one.
SEEDED = Catalog(SEEDED_SCOPES, (DEFAULT_API,), 0)
